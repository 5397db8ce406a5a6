package risk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	beacon "github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// scopeColumns are the dimensions a row scope may name on the risk list,
// as the demo bank's model defines them (branch, city and region of the
// branches table; segment, channel, gender and age band of the customer).
// A scope on any other dimension refuses the list, as metric queries do.
var scopeColumns = map[string]string{
	"branch":   "b.branch_name",
	"city":     "b.city",
	"region":   "b.region",
	"segment":  "s.segment",
	"channel":  "c.channel",
	"gender":   "c.gender",
	"age_band": "c.age_band",
}

// ListQuery selects scored customers.
type ListQuery struct {
	// Month is the scoring month; zero means the latest scored month.
	Month time.Time
	// Tier, Segment and Branch filter when set; Branch matches the branch
	// name (Chinese or English) or its numeric id.
	Tier, Segment, Branch string
	// MinInactive keeps customers with at least this many months without a
	// transaction (the 失联客户 list); 0 keeps all.
	MinInactive int
	Limit       int
	Offset      int
	// Scope is the caller's row policy.
	Scope metrics.Scope
	// Lang is the language of a refusal's message, zh or en (default en).
	Lang string
}

// errNotScored is the answer on a bank whose scores are not being
// computed and none exist: no command is named, since the reader may be
// an executive; operations.md tells an administrator what to do.
var errNotScored = beacon.Errorf(beacon.ENOTFOUND, "no churn risk score has been computed for this bank yet")

// checkScored refuses a list about month (zero: the current month) while
// that month's scores are still being computed, and returns the month to
// read (zero: the latest scored one).
func checkScored(ctx context.Context, conn *sql.Conn, month time.Time, lang string) (time.Time, error) {
	st, err := scoringStatus(ctx, conn, DefaultBackfill)
	if err != nil || len(st.Pending) == 0 {
		return month, err
	}
	asked := month.Format("2006-01")
	if month.IsZero() {
		asked = st.Current
	}
	if slices.Contains(st.Pending, asked) {
		return month, scoringError(st, asked, lang)
	}
	return month, nil
}

// ScoredCustomer is one row of the risk list.
type ScoredCustomer struct {
	CustomerID     int64    `json:"customer_id"`
	Month          string   `json:"month"`
	BranchID       int64    `json:"branch_id"`
	Branch         string   `json:"branch"`
	Region         string   `json:"region"`
	Segment        string   `json:"segment"`
	Score          float64  `json:"score"`
	Tier           string   `json:"tier"`
	MonthsInactive int      `json:"months_inactive"`
	Reasons        []Reason `json:"reasons"`
	Action         Action   `json:"action"`
	ModelVersion   string   `json:"model_version"`
}

// ListPage is a page of the risk list.
type ListPage struct {
	Month     string           `json:"month"`
	Total     int              `json:"total"`
	Limit     int              `json:"limit"`
	Offset    int              `json:"offset"`
	Customers []ScoredCustomer `json:"customers"`
}

const listColumns = `s.customer_id, s.month, s.branch_id, coalesce(b.branch_name, ''), coalesce(b.region, ''), s.segment,
	s.score, s.tier, s.months_inactive, s.reasons, s.action_code, s.action_zh, s.action_en, s.model_version`

const listFrom = ` FROM risk_scores s
	LEFT JOIN branches b ON b.branch_id = s.branch_id
	LEFT JOIN customers c ON c.customer_id = s.customer_id`

// scopeWhere returns the SQL conditions and arguments of a row scope, or a
// forbidden error for a dimension the list cannot be limited by.
func scopeWhere(scope metrics.Scope, args []any) ([]string, []any, error) {
	dims := make([]string, 0, len(scope))
	for d := range scope {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	var where []string
	for _, d := range dims {
		col, ok := scopeColumns[d]
		if !ok {
			return nil, nil, beacon.Errorf(beacon.EFORBIDDEN, "the risk list cannot be limited to your row scope on %s, so it is not shown to you", d)
		}
		vals := scope[d]
		if len(vals) == 0 {
			where = append(where, "FALSE") // an empty scope sees nothing
			continue
		}
		ph := make([]string, len(vals))
		for i, v := range vals {
			args = append(args, v)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, fmt.Sprintf("%s IN (%s)", col, strings.Join(ph, ", ")))
	}
	return where, args, nil
}

// List returns a page of scored customers, highest score first (ties by
// customer id), limited to the caller's scope.
func List(ctx context.Context, db *warehouse.DB, q ListQuery) (*ListPage, error) {
	page := &ListPage{Limit: q.Limit, Offset: q.Offset, Customers: []ScoredCustomer{}}
	err := db.Read(ctx, func(conn *sql.Conn) error {
		if ok, err := tableExists(ctx, conn, "risk_scores"); err != nil || !ok {
			if err == nil {
				err = errNotScored
			}
			return err
		}
		month, err := checkScored(ctx, conn, q.Month, q.Lang)
		if err != nil {
			return err
		}
		if month.IsZero() {
			var m sql.NullTime
			if err := conn.QueryRowContext(ctx, `SELECT max(month) FROM risk_scores`).Scan(&m); err != nil {
				return err
			}
			if !m.Valid {
				return errNotScored
			}
			month = m.Time
		}
		page.Month = month.Format("2006-01")
		args := []any{monthStart(month)}
		where := []string{"s.month = $1"}
		add := func(cond string, v any) {
			args = append(args, v)
			where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
		}
		if q.Tier != "" {
			add("s.tier = ?", q.Tier)
		}
		if q.Segment != "" {
			add("s.segment = ?", q.Segment)
		}
		if q.Branch != "" {
			add("(b.branch_name = ? OR b.branch_name_en = ? OR CAST(s.branch_id AS VARCHAR) = ?)", q.Branch)
		}
		if q.MinInactive > 0 {
			add("s.months_inactive >= ?", q.MinInactive)
		}
		sw, args2, err := scopeWhere(q.Scope, args)
		if err != nil {
			return err
		}
		args, where = args2, append(where, sw...)
		cond := " WHERE " + strings.Join(where, " AND ")
		if err := conn.QueryRowContext(ctx, "SELECT count(*)"+listFrom+cond, args...).Scan(&page.Total); err != nil {
			return err
		}
		query := "SELECT " + listColumns + listFrom + cond +
			fmt.Sprintf(" ORDER BY s.score DESC, s.customer_id LIMIT %d OFFSET %d", q.Limit, q.Offset)
		page.Customers, err = scanScored(ctx, conn, query, args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("risk list: %w", err)
	}
	return page, nil
}

func scanScored(ctx context.Context, conn *sql.Conn, query string, args ...any) ([]ScoredCustomer, error) {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ScoredCustomer{}
	for rows.Next() {
		var c ScoredCustomer
		var month time.Time
		var reasons string
		if err := rows.Scan(&c.CustomerID, &month, &c.BranchID, &c.Branch, &c.Region, &c.Segment, &c.Score, &c.Tier,
			&c.MonthsInactive, &reasons, &c.Action.Code, &c.Action.ZH, &c.Action.EN, &c.ModelVersion); err != nil {
			return nil, err
		}
		c.Month = month.Format("2006-01")
		if err := json.Unmarshal([]byte(reasons), &c.Reasons); err != nil {
			return nil, fmt.Errorf("reasons of customer %d: %w", c.CustomerID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// TakenAction is a retention action recorded for a customer.
type TakenAction struct {
	Date    string  `json:"date"`
	Type    string  `json:"type"`
	Cost    float64 `json:"cost"`
	Outcome string  `json:"outcome"`
	Stayed  *bool   `json:"stayed_90d"`
	ID      int64   `json:"action_id"`
}

// CustomerRisk is one customer's score history, newest first, and the
// retention actions taken for them.
type CustomerRisk struct {
	CustomerID int64            `json:"customer_id"`
	History    []ScoredCustomer `json:"history"`
	Actions    []TakenAction    `json:"actions"`
}

// Customer returns the score history of one customer within the caller's
// scope (refused while the current month is being scored, so that the
// history does not end at an older month as if it were current); a customer outside it is reported as not found, so that the scope
// does not reveal who exists.
func Customer(ctx context.Context, db *warehouse.DB, id int64, scope metrics.Scope) (*CustomerRisk, error) {
	out := &CustomerRisk{CustomerID: id, Actions: []TakenAction{}}
	err := db.Read(ctx, func(conn *sql.Conn) error {
		if ok, err := tableExists(ctx, conn, "risk_scores"); err != nil || !ok {
			if err == nil {
				err = errNotScored
			}
			return err
		}
		if _, err := checkScored(ctx, conn, time.Time{}, "en"); err != nil {
			return err
		}
		sw, args, err := scopeWhere(scope, []any{id})
		if err != nil {
			return err
		}
		cond := " WHERE " + strings.Join(append([]string{"s.customer_id = $1"}, sw...), " AND ")
		out.History, err = scanScored(ctx, conn, "SELECT "+listColumns+listFrom+cond+" ORDER BY s.month DESC", args...)
		if err != nil {
			return err
		}
		if len(out.History) == 0 {
			// A generated bank has the table, empty until first scored.
			var scored bool
			if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM risk_scores)`).Scan(&scored); err != nil {
				return err
			}
			if !scored {
				return errNotScored
			}
			return beacon.Errorf(beacon.ENOTFOUND, "customer %d has no risk score", id)
		}
		ok, err := tableExists(ctx, conn, "retention_actions")
		if err != nil || !ok {
			return err
		}
		rows, err := conn.QueryContext(ctx, `SELECT action_id, action_date, action_type, cost, outcome, stayed_90d
			FROM retention_actions WHERE customer_id = $1 ORDER BY action_date DESC, action_id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a TakenAction
			var d time.Time
			var stayed sql.NullBool
			if err := rows.Scan(&a.ID, &d, &a.Type, &a.Cost, &a.Outcome, &stayed); err != nil {
				return err
			}
			a.Date = d.Format(time.DateOnly)
			if stayed.Valid {
				a.Stayed = &stayed.Bool
			}
			out.Actions = append(out.Actions, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("customer %d risk: %w", id, err)
	}
	return out, nil
}

// TierNames lists the tier names, highest first.
var TierNames = []string{TierHigh, TierMedium, TierLow}

// ValidTier reports whether s names a tier.
func ValidTier(s string) bool { return slices.Contains(TierNames, s) }
