package risk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	beacon "github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/warehouse"
)

// Scoring states of a bank's churn scores.
const (
	// ScoringReady: every month the server keeps scored is scored.
	ScoringReady = "ready"
	// ScoringTraining: no model is stored yet; one is being trained.
	ScoringTraining = "training"
	// ScoringRunning: a model is stored and months are being scored.
	ScoringRunning = "scoring"
	// ScoringNone: the database holds no bank the churn model can score.
	ScoringNone = "none"
)

// ScoringStatus says how far the scores the server keeps have been
// computed. It is read from the database itself (the stored models, the
// scored months and the history), so every reader, in any package, sees
// the same state without being handed a tracker: the months still to
// score are exactly those EnsureScored scores next.
type ScoringStatus struct {
	State string `json:"state"`
	// MonthsTotal are the months kept scored (the last Backfill months of
	// history, and any later month); MonthsDone those of them scored.
	MonthsTotal int `json:"months_total"`
	MonthsDone  int `json:"months_done"`
	// Current is the newest month of history, the month "current" risk
	// answers are about (YYYY-MM).
	Current string `json:"current_month,omitempty"`
	// LatestScored is the newest scored month, "" when none is.
	LatestScored string `json:"latest_scored_month,omitempty"`
	// Pending are the months still to score, in the order they will be
	// scored (newest first).
	Pending []string `json:"pending_months,omitempty"`
	// RetryAfter is a suggested wait in seconds before asking again, while
	// months are pending.
	RetryAfter int `json:"retry_after,omitempty"`
}

// ScoringRetryAfter is the wait suggested to a client while scores are
// computed: a month takes tens of seconds, training a few minutes.
const ScoringRetryAfter = 30

// ReadScoringStatus reads the state of db's churn scores.
func ReadScoringStatus(ctx context.Context, db *warehouse.DB) (ScoringStatus, error) {
	var st ScoringStatus
	err := db.Read(ctx, func(conn *sql.Conn) error {
		var err error
		st, err = scoringStatus(ctx, conn, DefaultBackfill)
		return err
	})
	if err != nil {
		return st, fmt.Errorf("scoring status: %w", err)
	}
	return st, nil
}

// scoringStatus computes the status on one connection.
func scoringStatus(ctx context.Context, conn *sql.Conn, backfill int) (ScoringStatus, error) {
	st := ScoringStatus{State: ScoringNone}
	for _, t := range append(slices.Clone(bankTables), ScoresTable, "risk_models") {
		if ok, err := tableExists(ctx, conn, t); err != nil || !ok {
			return st, err
		}
	}
	todo, months, err := monthsToScore(ctx, conn, backfill)
	if err != nil {
		return st, err
	}
	st.MonthsTotal = len(months)
	st.MonthsDone = len(months) - len(todo)
	if len(months) > 0 {
		st.Current = months[len(months)-1].Format("2006-01")
	}
	var latest sql.NullTime
	if err := conn.QueryRowContext(ctx, `SELECT max(month) FROM `+ScoresTable).Scan(&latest); err != nil {
		return st, err
	}
	if latest.Valid {
		st.LatestScored = latest.Time.Format("2006-01")
	}
	for _, m := range todo {
		st.Pending = append(st.Pending, m.Format("2006-01"))
	}
	if len(todo) == 0 {
		st.State = ScoringReady
		return st, nil
	}
	st.RetryAfter = ScoringRetryAfter
	var models int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM risk_models`).Scan(&models); err != nil {
		return st, err
	}
	st.State = ScoringRunning
	if models == 0 {
		st.State = ScoringTraining
	}
	return st, nil
}

// monthsToScore returns the months still to score, newest first, and all
// the months kept scored, oldest first: the last backfill months of
// history and every month after the newest scored one. Newest first, so
// that the month current answers are about is ready first.
func monthsToScore(ctx context.Context, conn *sql.Conn, backfill int) (todo, kept []time.Time, err error) {
	var lo, hi, newest sql.NullTime
	if err := conn.QueryRowContext(ctx, `SELECT min(month), max(month) FROM customer_months`).Scan(&lo, &hi); err != nil {
		return nil, nil, fmt.Errorf("history range: %w", err)
	}
	if !lo.Valid {
		return nil, nil, nil
	}
	first, last := monthStart(lo.Time), monthStart(hi.Time)
	scored := map[time.Time]bool{}
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT month FROM `+ScoresTable)
	if err != nil {
		return nil, nil, fmt.Errorf("scored months: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m time.Time
		if err := rows.Scan(&m); err != nil {
			return nil, nil, err
		}
		m = monthStart(m)
		scored[m] = true
		if !newest.Valid || m.After(newest.Time) {
			newest = sql.NullTime{Time: m, Valid: true}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	from := last.AddDate(0, 1-max(backfill, 1), 0)
	if newest.Valid && newest.Time.Before(from) {
		from = newest.Time.AddDate(0, 1, 0)
	}
	if from.Before(first) {
		from = first
	}
	for m := from; !m.After(last); m = m.AddDate(0, 1, 0) {
		kept = append(kept, m)
	}
	for i := len(kept) - 1; i >= 0; i-- {
		if !scored[kept[i]] {
			todo = append(todo, kept[i])
		}
	}
	return todo, kept, nil
}

// pendingIn reports whether a month of [from, to) is still to be scored
// (zero bounds are open).
func (st ScoringStatus) pendingIn(from, to time.Time) bool {
	for _, p := range st.Pending {
		m, err := time.Parse("2006-01", p)
		if err != nil {
			continue
		}
		// The month [m, m+1) overlaps [from, to).
		if (from.IsZero() || m.AddDate(0, 1, 0).After(from)) && (to.IsZero() || m.Before(to)) {
			return true
		}
	}
	return false
}

// ScoringError is a risk answer refused because the scores it needs are
// still being computed. Its message is in Chinese or English; the HTTP
// layer answers 503 with Retry-After and the status, so that a client can
// show progress.
type ScoringError struct {
	Status ScoringStatus
	// Month is the month asked for, "" when the answer is about a range.
	Month string
}

func (e *ScoringError) Error() string { return e.Message("en") }

// Message says, in lang (zh or en), that the scores are being computed and
// how far along they are, without any command to run.
func (e *ScoringError) Message(lang string) string {
	st := e.Status
	if lang == "zh" {
		if st.State == ScoringTraining {
			return fmt.Sprintf("流失风险评分正在计算中：正在根据历史数据训练模型，之后从最新月份（%s）起逐月评分（共 %d 个月）。请几分钟后再看。", st.Current, st.MonthsTotal)
		}
		what := "所需月份"
		if e.Month != "" {
			what = e.Month
		}
		return fmt.Sprintf("流失风险评分正在计算中：已完成 %d/%d 个月，%s 的评分尚未完成。请稍后再看。", st.MonthsDone, st.MonthsTotal, what)
	}
	if st.State == ScoringTraining {
		return fmt.Sprintf("Churn risk scores are being computed: the model is being trained on the history, then months are scored from the newest (%s), %d in all. Please look again in a few minutes.", st.Current, st.MonthsTotal)
	}
	what := "the months asked for are"
	if e.Month != "" {
		what = e.Month + " is"
	}
	return fmt.Sprintf("Churn risk scores are being computed: %d of %d months done, and %s not scored yet. Please look again shortly.", st.MonthsDone, st.MonthsTotal, what)
}

// ComputingError is the refusal of an answer about month ("" for a range)
// while st says its scores are computed, with a message in lang.
func ComputingError(st ScoringStatus, month, lang string) error { return scoringError(st, month, lang) }

// scoringError wraps a ScoringError as a user error in lang.
func scoringError(st ScoringStatus, month, lang string) error {
	se := &ScoringError{Status: st, Month: month}
	return &beacon.Error{Code: beacon.ECOMPUTING, Message: se.Message(lang), Err: se}
}

// AsScoringError returns the ScoringError in err's chain, if any.
func AsScoringError(err error) (*ScoringError, bool) {
	var se *ScoringError
	ok := errors.As(err, &se)
	return se, ok
}

// ScoresGate refuses metric queries that read the scores table over a
// window holding a month still being scored, so that an older month is
// never presented as the period asked for. It fits metrics.EngineConfig's
// Gate; tables other than the scores pass.
func ScoresGate(db *warehouse.DB) func(ctx context.Context, table string, from, to time.Time) error {
	return func(ctx context.Context, table string, from, to time.Time) error {
		if table != ScoresTable {
			return nil
		}
		st, err := ReadScoringStatus(ctx, db)
		if err != nil || len(st.Pending) == 0 || !st.pendingIn(from, to) {
			return err
		}
		return scoringError(st, "", "en")
	}
}
