package risk

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/beaconbi/beacon/warehouse"
)

// KeepOptions say how a bank's scores are kept current.
type KeepOptions struct {
	// Train are the settings of the model trained when none is stored.
	Train TrainOptions
	// Playbook suggests the actions stored with the scores.
	Playbook *Playbook
	// Backfill is how many months, ending with the latest, are scored when
	// the bank has no score at all: enough history for a trend per month
	// and for the uplift view, whose outcomes need 90 days.
	Backfill int
	// Now stamps the model and the scores; default time.Now.
	Now func() time.Time
}

// DefaultBackfill scores the last 12 months of a bank scored for the first time.
const DefaultBackfill = 12

// KeepReport says what one EnsureScored call did.
type KeepReport struct {
	// Trained is the version of a model trained by this call, or "".
	Trained string `json:"trained,omitempty"`
	// Scored are the months scored by this call, newest first.
	Scored []ScoreStats `json:"scored,omitempty"`
}

// bankTables are the tables the features read: a database without them
// is not a bank the churn model can score.
var bankTables = []string{"customers", "customer_months", "complaints", "contracts", "products"}

// IsBank reports whether db holds the tables the churn model reads.
func IsBank(ctx context.Context, db *warehouse.DB) (bool, error) {
	tables, err := db.Tables(ctx)
	if err != nil {
		return false, err
	}
	for _, t := range bankTables {
		if _, ok := tables[t]; !ok {
			return false, nil
		}
	}
	return true, nil
}

// EnsureSchema creates the model and score tables when missing, so that a
// semantic model reading risk_scores loads on a bank never scored.
func EnsureSchema(ctx context.Context, db *warehouse.DB) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, schemaSQL); err != nil {
			return fmt.Errorf("risk schema: %w", err)
		}
		return nil
	})
}

// EnsureScored brings a bank's scores up to date: it trains and stores a
// model when none is stored, then scores, with the latest model, every
// month of history after the last scored one (a month a load added) and
// every unscored month among the last Backfill. It scores the newest month
// first and commits each month on its own, so current answers are ready
// after one month, and a restart resumes where it stopped
// (ReadScoringStatus tells readers meanwhile). A month already scored is
// left alone, so calling it again does nothing.
func EnsureScored(ctx context.Context, db *warehouse.DB, o KeepOptions) (KeepReport, error) {
	var rep KeepReport
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if o.Playbook == nil {
		return rep, errors.New("keep scores: no playbook")
	}
	if err := EnsureSchema(ctx, db); err != nil {
		return rep, err
	}
	var todo []time.Time
	err := db.Read(ctx, func(conn *sql.Conn) error {
		var err error
		todo, _, err = monthsToScore(ctx, conn, max(o.Backfill, 1))
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("keep scores: months to score: %w", err)
	}
	if len(todo) == 0 {
		return rep, nil
	}
	cm, err := LatestModel(ctx, db)
	if errors.Is(err, ErrNoModel) {
		if cm, err = TrainBank(ctx, db, o.Train, now()); err != nil {
			return rep, fmt.Errorf("keep scores: train: %w", err)
		}
		if err = SaveModel(ctx, db, cm); err != nil {
			return rep, err
		}
		rep.Trained = cm.Version
	}
	if err != nil {
		return rep, err
	}
	for _, m := range todo {
		st, err := Score(ctx, db, cm, o.Playbook, m, now())
		if err != nil {
			return rep, fmt.Errorf("keep scores: score %s: %w", m.Format("2006-01"), err)
		}
		rep.Scored = append(rep.Scored, st)
	}
	return rep, nil
}
