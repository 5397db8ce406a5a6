package risk

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"math"
	"time"

	"github.com/beaconbi/beacon/warehouse"
)

//go:embed features.sql
var featuresSQL string

// NumericFeatures are the numeric columns of features.sql, in order.
var NumericFeatures = []string{
	"tx_count_3m", "tx_count_prev_3m", "tx_count_change",
	"tx_amount_3m", "tx_amount_change",
	"app_logins_3m", "app_logins_change",
	"balance", "aum", "balance_change_3m", "aum_change_3m", "net_outflow_3m",
	"months_inactive", "complaints_90d",
	"products_held", "products_dropped_6m", "contracts_closed_6m",
	"term_deposits_maturing_90d", "maturing_amount_90d",
	"tenure_months",
}

// CategoricalFeatures are the categorical columns of features.sql; the
// encoder turns each into one 0/1 column per value.
var CategoricalFeatures = []string{"segment", "channel", "age_band"}

// FeatureTable holds the features of customers by snapshot month, by
// column.
type FeatureTable struct {
	CustomerID []int64
	Month      []time.Time
	BranchID   []int64
	// Categorical holds segment, channel and age band, by column.
	Categorical [][]string
	// Numeric holds one column per NumericFeatures entry.
	Numeric [][]float64
	// Label is 1 if the customer left within the horizon after the month,
	// 0 if not, and NaN where the horizon runs past the history.
	Label []float64
}

// Len returns the number of customer-months.
func (t *FeatureTable) Len() int { return len(t.CustomerID) }

// ComputeFeatures runs features.sql on db for the snapshot months from
// first to last (any day in them) with an outcome horizon in months.
func ComputeFeatures(ctx context.Context, db *warehouse.DB, first, last time.Time, horizon int) (*FeatureTable, error) {
	return ComputeSampledFeatures(ctx, db, first, last, horizon, Sample{Share: 1})
}

// Sample keeps a fixed share of customers, chosen by a hash of their id
// and a seed, so that training on a large bank reads, holds and fits a
// bounded number of customer-months. The same share and seed keep the same
// customers on any run.
type Sample struct {
	// Share is the share of customers kept, in (0, 1]; 1 keeps all.
	Share float64 `json:"share"`
	Seed  uint64  `json:"seed"`
}

// samplePrime is the modulus of the sampling hash, the largest prime below
// 2^32.
const samplePrime = 4294967291

// multiplier is the seed's factor of the sampling hash:
// 2654435761 · (seed mod (P−1) + 1) mod P, never 0, so that each seed
// orders the ids differently.
func (s Sample) multiplier() uint64 {
	return 2654435761 * (s.Seed%(samplePrime-1) + 1) % samplePrime
}

// Keeps reports whether the sample keeps customer id: when
// (|id| mod P) · multiplier mod P < Share · P. features.sql applies the
// same rule.
func (s Sample) Keeps(id int64) bool {
	if s.Share >= 1 {
		return true
	}
	u := uint64(id)
	if id < 0 {
		u = uint64(-id)
	}
	return float64(u%samplePrime*s.multiplier()%samplePrime) < s.Share*samplePrime
}

// ComputeSampledFeatures is ComputeFeatures for the customers that s keeps.
func ComputeSampledFeatures(ctx context.Context, db *warehouse.DB, first, last time.Time, horizon int, s Sample) (*FeatureTable, error) {
	if horizon < 1 || horizon > 24 {
		return nil, fmt.Errorf("features: horizon is %d months, want 1 to 24", horizon)
	}
	if !(s.Share > 0 && s.Share <= 1) {
		return nil, fmt.Errorf("features: sample share is %v, want (0, 1]", s.Share)
	}
	return runFeatures(ctx, db, featuresSQL, first, last, horizon, s)
}

// runFeatures runs query, features.sql or a test's variant of it, and reads
// its rows into a FeatureTable.
func runFeatures(ctx context.Context, db *warehouse.DB, query string, first, last time.Time, horizon int, s Sample) (*FeatureTable, error) {
	var t *FeatureTable
	err := streamFeatures(ctx, db, query, first, last, horizon, s, 0, func(part *FeatureTable) error { t = part; return nil })
	return t, err
}

// StreamFeatures is ComputeFeatures for every customer, handing the rows
// to fn in parts of at most chunk customer-months, in order, so that
// scoring a large bank holds one part at a time. fn must not keep the part.
func StreamFeatures(ctx context.Context, db *warehouse.DB, first, last time.Time, horizon, chunk int, fn func(*FeatureTable) error) error {
	if horizon < 1 || horizon > 24 {
		return fmt.Errorf("features: horizon is %d months, want 1 to 24", horizon)
	}
	if chunk < 1 {
		return fmt.Errorf("features: chunk of %d rows, want 1 or more", chunk)
	}
	return streamFeatures(ctx, db, featuresSQL, first, last, horizon, Sample{Share: 1}, chunk, fn)
}

// streamFeatures runs query and hands its rows to fn in parts of chunk
// rows (0: one part with every row, empty when there are none).
func streamFeatures(ctx context.Context, db *warehouse.DB, query string, first, last time.Time, horizon int, s Sample, chunk int, fn func(*FeatureTable) error) error {
	newTable := func() *FeatureTable {
		return &FeatureTable{Categorical: make([][]string, len(CategoricalFeatures)), Numeric: make([][]float64, len(NumericFeatures))}
	}
	t := newTable()
	err := db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, query, monthStart(first), monthStart(last), horizon, s.Share, s.multiplier())
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			id, branch int64
			month      time.Time
			cats       = make([]string, len(CategoricalFeatures))
			nums       = make([]float64, len(NumericFeatures))
			label      sql.NullBool
			// interned keeps one copy of each categorical value: a
			// million rows share a handful of segments.
			interned = map[string]string{}
		)
		dest := []any{&id, &month, &branch}
		for i := range cats {
			dest = append(dest, &cats[i])
		}
		for i := range nums {
			dest = append(dest, &nums[i])
		}
		dest = append(dest, &label)
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			t.CustomerID = append(t.CustomerID, id)
			t.Month = append(t.Month, month)
			t.BranchID = append(t.BranchID, branch)
			for i, c := range cats {
				v, ok := interned[c]
				if !ok {
					interned[c], v = c, c
				}
				t.Categorical[i] = append(t.Categorical[i], v)
			}
			for i, v := range nums {
				t.Numeric[i] = append(t.Numeric[i], v)
			}
			switch {
			case !label.Valid:
				t.Label = append(t.Label, math.NaN())
			case label.Bool:
				t.Label = append(t.Label, 1)
			default:
				t.Label = append(t.Label, 0)
			}
			if chunk > 0 && t.Len() == chunk {
				if err := fn(t); err != nil {
					return err
				}
				t = newTable()
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if chunk == 0 || t.Len() > 0 {
			return fn(t)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("compute features: %w", err)
	}
	return nil
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
