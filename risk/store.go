package risk

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	beacon "github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/warehouse"
)

// schemaSQL creates the tables that hold trained models and scores; a
// generated bank already has them (empty).
const schemaSQL = warehouse.RiskSchemaSQL

// ErrNoModel is returned when no model has been trained yet.
var ErrNoModel = beacon.Errorf(beacon.ENOTFOUND, "no churn model has been trained for this bank yet")

// SaveModel stores cm as the newest model, replacing one of the same
// version.
func SaveModel(ctx context.Context, db *warehouse.DB, cm *ChurnModel) error {
	b, err := json.Marshal(cm)
	if err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, schemaSQL); err != nil {
			return fmt.Errorf("save model: schema: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM risk_models WHERE version = $1`, cm.Version); err != nil {
			return fmt.Errorf("save model: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO risk_models VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			cm.Version, cm.Model.Kind, cm.TrainedAt, cm.TrainFrom, cm.TrainTo, cm.TestFrom, cm.TestTo, nanToNull(cm.Test.AUC), string(b))
		if err != nil {
			return fmt.Errorf("save model: %w", err)
		}
		return nil
	})
}

// LatestModel returns the most recently trained model, or ErrNoModel.
func LatestModel(ctx context.Context, db *warehouse.DB) (*ChurnModel, error) {
	var raw string
	err := db.Read(ctx, func(conn *sql.Conn) error {
		if ok, err := tableExists(ctx, conn, "risk_models"); err != nil || !ok {
			if err == nil {
				err = ErrNoModel
			}
			return err
		}
		return conn.QueryRowContext(ctx, `SELECT model_json FROM risk_models ORDER BY trained_at DESC, version LIMIT 1`).Scan(&raw)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoModel
	}
	if err != nil {
		return nil, fmt.Errorf("latest model: %w", err)
	}
	var cm ChurnModel
	if err := json.Unmarshal([]byte(raw), &cm); err != nil {
		return nil, fmt.Errorf("latest model: decode: %w", err)
	}
	return &cm, nil
}

func tableExists(ctx context.Context, conn *sql.Conn, name string) (bool, error) {
	var n int
	err := conn.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = $1`, name).Scan(&n)
	return n > 0, err
}

// nanToNull stores an undefined figure (AUC with one class) as NULL.
func nanToNull(v float64) any {
	if v != v {
		return nil
	}
	return v
}

// ScoreStats summarise one scoring run.
type ScoreStats struct {
	Month     string         `json:"month"`
	Version   string         `json:"model_version"`
	Customers int            `json:"customers"`
	ByTier    map[string]int `json:"by_tier"`
	Expected  float64        `json:"expected_churn"`
	Elapsed   time.Duration  `json:"-"`
}

// scoreRow is one customer's score, ready to store.
type scoreRow struct {
	customerID int64
	branchID   int64
	segment    string
	score      float64
	tier       string
	inactive   int
	reasons    string
	action     Action
}

// Score scores every open customer at the end of month (zero: the latest
// month of history) with cm, suggests an action from pb, and replaces that
// month's rows of risk_scores.
func Score(ctx context.Context, db *warehouse.DB, cm *ChurnModel, pb *Playbook, month time.Time, now time.Time) (ScoreStats, error) {
	start := time.Now()
	if month.IsZero() {
		_, last, err := historyRange(ctx, db)
		if err != nil {
			return ScoreStats{}, err
		}
		month = last
	}
	month = monthStart(month)
	stats := ScoreStats{Month: month.Format("2006-01"), Version: cm.Version, ByTier: map[string]int{}}
	// The features arrive in parts: only the scores are kept, so memory
	// grows with a score row per customer, not a feature table.
	var out []scoreRow
	err := StreamFeatures(ctx, db, month, month, cm.Options.Horizon, scoreChunk, func(t *FeatureTable) error {
		rows, err := cm.scoreRows(t, pb)
		for _, r := range rows {
			stats.ByTier[r.tier]++
			stats.Expected += r.score
		}
		out = append(out, rows...)
		return err
	})
	if err != nil {
		return ScoreStats{}, err
	}
	stats.Customers = len(out)
	if err := saveScores(ctx, db, month, cm.Version, out, now); err != nil {
		return ScoreStats{}, err
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

// scoreChunk is how many customers' features Score holds at a time.
const scoreChunk = 50_000

// scoreRows scores every row of t: probability, tier, reasons and action.
func (cm *ChurnModel) scoreRows(t *FeatureTable, pb *Playbook) ([]scoreRow, error) {
	rows := make([]int, t.Len())
	for i := range rows {
		rows[i] = i
	}
	d := cm.Encoder.Dataset(t, rows)
	inactive := indexOf(NumericFeatures, "months_inactive")
	out := make([]scoreRow, t.Len())
	x := make([]float64, len(d.X))
	for i := range out {
		d.Row(i, x)
		p := cm.Model.Probability(x)
		tier := cm.Tiers.Of(p)
		reasons := cm.Reasons(t, i, x, 3)
		top := ""
		if len(reasons) > 0 {
			top = reasons[0].Feature
		}
		rj, err := json.Marshal(reasons)
		if err != nil {
			return nil, fmt.Errorf("score: %w", err)
		}
		out[i] = scoreRow{customerID: t.CustomerID[i], branchID: t.BranchID[i], segment: t.Categorical[0][i],
			score: p, tier: tier, inactive: int(t.Numeric[inactive][i]), reasons: string(rj),
			action: pb.Suggest(tier, t.Categorical[0][i], top)}
	}
	return out, nil
}

// saveScores replaces month's scores. The rows go in as one list per
// column, unnested side by side: one statement per chunk instead of one
// bound parameter per cell.
func saveScores(ctx context.Context, db *warehouse.DB, month time.Time, version string, rows []scoreRow, now time.Time) error {
	const chunk = 50_000
	return db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, schemaSQL); err != nil {
			return fmt.Errorf("save scores: schema: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM risk_scores WHERE month = $1`, month); err != nil {
			return fmt.Errorf("save scores: %w", err)
		}
		for lo := 0; lo < len(rows); lo += chunk {
			part := rows[lo:min(lo+chunk, len(rows))]
			n := len(part)
			ids, branches, inactive := make([]int64, n), make([]int64, n), make([]int64, n)
			scores := make([]float64, n)
			segments, tiers, reasons := make([]string, n), make([]string, n), make([]string, n)
			codes, zh, en := make([]string, n), make([]string, n), make([]string, n)
			for k, r := range part {
				ids[k], branches[k], inactive[k], scores[k] = r.customerID, r.branchID, int64(r.inactive), r.score
				segments[k], tiers[k], reasons[k] = r.segment, r.tier, r.reasons
				codes[k], zh[k], en[k] = r.action.Code, r.action.ZH, r.action.EN
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO risk_scores
				SELECT $1::DATE, unnest($2::BIGINT[]), unnest($3::BIGINT[])::INTEGER, unnest($4::VARCHAR[]), $5,
					unnest($6::DOUBLE[]), unnest($7::VARCHAR[]), unnest($8::BIGINT[])::INTEGER, unnest($9::VARCHAR[]),
					unnest($10::VARCHAR[]), unnest($11::VARCHAR[]), unnest($12::VARCHAR[]), $13::TIMESTAMP`,
				month, ids, branches, segments, version, scores, tiers, inactive, reasons, codes, zh, en, now.UTC())
			if err != nil {
				return fmt.Errorf("save scores: %w", err)
			}
		}
		return nil
	})
}
