package metrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var (
	rollupBankOnce sync.Once
	rollupBank     *warehouse.DB
	rollupBankErr  error
)

// rollupDemo is a demo bank of its own with the demo model's rollups
// built, and a risk rollup added: building writes tables, and the shared
// bank is read-only. Its risk_scores hold hand-made scores, so that the
// metrics over them are compared too.
func rollupDemo(t *testing.T) (*warehouse.DB, *metrics.Engine) {
	t.Helper()
	ctx := context.Background()
	rollupBankOnce.Do(func() {
		rollupBank, rollupBankErr = warehousetest.OpenDemo(3000, 30)
		if rollupBankErr != nil {
			return
		}
		if rollupBankErr = rollupBank.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, handScoresSQL); err != nil {
				return err
			}
			return warehouse.MarkTablesChanged(ctx, tx, "risk_scores")
		}); rollupBankErr != nil {
			return
		}
		_, rollupBankErr = metrics.BuildRollups(ctx, rollupBank, rollupCatalog(t, rollupBank), nil)
	})
	if rollupBankErr != nil {
		t.Fatal(rollupBankErr)
	}
	e, err := metrics.NewEngine(rollupBank, rollupCatalog(t, rollupBank), metrics.EngineConfig{CacheEntries: -1, Now: warehousetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	avail, err := e.RefreshRollupState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(avail) != len(e.Catalog().Rollups()) {
		t.Fatalf("built rollups not current: %v of %v", avail, e.Catalog().Rollups())
	}
	return rollupBank, e
}

// handScoresSQL scores every customer-month from 2025 on with a made-up
// probability spread over the three tiers, as the server's scoring writes
// them (risk.Score): the test needs rows, not a model.
const handScoresSQL = `INSERT INTO risk_scores (month, customer_id, branch_id, segment, model_version, score, tier, scored_at)
SELECT month, customer_id, branch_id, segment, 'hand', score,
	CASE WHEN score >= 0.6 THEN 'high' WHEN score >= 0.3 THEN 'medium' ELSE 'low' END, TIMESTAMP '2026-01-01 00:00:00'
FROM (SELECT cm.month, cm.customer_id, cm.branch_id, c.segment,
		((hash(cm.customer_id * 31 + month(cm.month)) % 1000) / 1000.0)::DOUBLE AS score
	FROM customer_months cm JOIN customers c USING (customer_id)
	WHERE cm.month >= DATE '2025-01-01')`

// rollupCatalog is the demo model's catalog with a rollup of the risk
// scores by segment and tier added, for the metrics of the period's last
// scored month (the demo model declares none over the scores).
func rollupCatalog(t *testing.T, db *warehouse.DB) *metrics.Catalog {
	t.Helper()
	ctx := context.Background()
	m, err := metrics.ParseModel(models.DemoBankFile, models.DemoBank)
	if err != nil {
		t.Fatal(err)
	}
	m.Rollups = append(m.Rollups, &metrics.Rollup{Name: "risk_tier_month", Source: "risk_scores", Grain: "month",
		Dimensions: []string{"segment", "risk_tier"}, Measures: []string{"high_risk_customers", "expected_churn", "scored_customers"}})
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.LoadValues(ctx, db); err != nil {
		t.Fatal(err)
	}
	return cat
}

// sameRows reports the first difference between two answers' rows, in
// order, numbers to 9 significant digits.
func sameRows(a, b *metrics.Result) error {
	if len(a.Rows) != len(b.Rows) {
		return fmt.Errorf("%d rows against %d", len(a.Rows), len(b.Rows))
	}
	for i := range a.Rows {
		for j := range a.Rows[i] {
			x, y := warehousetest.Normalize(a.Rows[i][j]), warehousetest.Normalize(b.Rows[i][j])
			if _, num := x.(float64); num || y == nil || x == nil {
				if !close(x, y) && !(x == nil && y == nil) {
					return fmt.Errorf("row %d column %s: %v against %v", i, a.Columns[j].Name, x, y)
				}
				continue
			}
			if fmt.Sprint(x) != fmt.Sprint(y) {
				return fmt.Errorf("row %d column %s: %v against %v", i, a.Columns[j].Name, x, y)
			}
		}
	}
	return nil
}

// Every governed metric at month, quarter and year grain and with no
// grain, with and without filters and breakdowns, gives the same rows
// from rollups as from the base tables; the common shapes are served from
// rollups, the others fall back to the base tables.
func TestRollupsAnswerEveryMetricExactly(t *testing.T) {
	_, e := rollupDemo(t)
	ctx := context.Background()
	cat := e.Catalog()
	type variant struct {
		dims    []string
		filters []metrics.Filter
	}
	variants := []variant{
		{},
		{dims: []string{"segment"}},
		{dims: []string{"region"}, filters: []metrics.Filter{{Dimension: "segment", Op: "in", Values: []any{"高净值", "退休"}}}},
		{dims: []string{"channel"}}, // in no rollup: base tables
		{dims: []string{"segment", "risk_tier"}},
	}
	routed, total := 0, 0
	for _, name := range cat.Names() {
		if _, _, has := e.MetricExtent(name); !has {
			t.Fatalf("%s: its table is empty in this bank, nothing to compare", name)
		}
		def := cat.Definition(mustMetric(t, cat, name))
		for _, grain := range []string{"month", "quarter", "year", ""} {
			for vi, v := range variants {
				if !allIn(v.dims, def.Dimensions) || !allIn(filterDims(v.filters), def.Dimensions) {
					continue
				}
				q := metrics.Query{Metrics: []string{name}, Dimensions: v.dims, Filters: v.filters,
					Time: &metrics.TimeSpec{Grain: grain, Start: "2025-01-01", End: "2026-06-30"}}
				if grain == "" {
					q.Time.Start = "2026-01-01"
				}
				t.Run(fmt.Sprintf("%s/%s/%d", name, grain, vi), func(t *testing.T) {
					e.DisableRollups()
					base, err := e.Run(ctx, q, nil)
					if err != nil {
						t.Fatal(err)
					}
					if base.ServedFrom != metrics.ServedBase {
						t.Fatalf("rollups off, served from %s", base.ServedFrom)
					}
					if _, err := e.RefreshRollupState(ctx); err != nil {
						t.Fatal(err)
					}
					got, err := e.Run(ctx, q, nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := sameRows(got, base); err != nil {
						t.Fatalf("from %s %v: %v\n%s", got.ServedFrom, got.Rollups, err, got.SQL)
					}
					if len(base.Rows) == 0 {
						t.Fatalf("no rows: the comparison proves nothing")
					}
					total++
					if got.ServedFrom != metrics.ServedBase {
						routed++
					}
				})
			}
		}
	}
	t.Logf("%d of %d queries served from rollups", routed, total)
	if routed < total/2 {
		t.Errorf("only %d of %d queries served from rollups", routed, total)
	}
}

func mustMetric(t *testing.T, cat *metrics.Catalog, name string) *metrics.Metric {
	m, ok := cat.Metric(name)
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	return m
}

func allIn(xs, in []string) bool {
	for _, x := range xs {
		if !slices.Contains(in, x) {
			return false
		}
	}
	return true
}

func filterDims(fs []metrics.Filter) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Dimension)
	}
	return out
}

// A query goes to the smallest rollup that answers it exactly, and to
// the base tables where none does.
func TestRollupRouting(t *testing.T) {
	_, e := rollupDemo(t)
	ctx := context.Background()
	months := &metrics.TimeSpec{Grain: "month", Start: "2025-01-01", End: "2025-12-31"}
	cases := []struct {
		name   string
		q      metrics.Query
		rollup string // empty: base tables
	}{
		{"churn by segment by month", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: months}, "segment_month"},
		{"churn by month, no breakdown: the smallest", metrics.Query{Metrics: []string{"churn_rate"}, Time: months}, "bank_month"},
		{"churn by region by quarter", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"region"},
			Time: &metrics.TimeSpec{Grain: "quarter", Start: "2025-01-01", End: "2025-12-31"}}, "branch_segment_month"},
		{"distinct customers by segment by month", metrics.Query{Metrics: []string{"customers"}, Dimensions: []string{"segment"}, Time: months}, "segment_month"},
		{"distinct customers by segment by quarter: not additive over months", metrics.Query{Metrics: []string{"customers"}, Dimensions: []string{"segment"},
			Time: &metrics.TimeSpec{Grain: "quarter", Start: "2025-01-01", End: "2025-12-31"}}, ""},
		{"distinct customers by month filtered to one segment: groups are not rows", metrics.Query{Metrics: []string{"customers"}, Time: months,
			Filters: []metrics.Filter{{Dimension: "segment", Op: "eq", Value: "退休"}}}, ""},
		{"churn by channel: no rollup keeps channel", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"channel"}, Time: months}, ""},
		{"renewals by day: finer than the rollup", metrics.Query{Metrics: []string{"renewal_rate"},
			Time: &metrics.TimeSpec{Grain: "day", Start: "2025-03-01", End: "2025-03-31"}}, ""},
		{"renewals over part of a month", metrics.Query{Metrics: []string{"renewal_rate"}, Dimensions: []string{"product_type"},
			Time: &metrics.TimeSpec{Start: "2025-03-10", End: "2025-04-20"}}, ""},
		{"renewals by product over whole months", metrics.Query{Metrics: []string{"renewal_rate"}, Dimensions: []string{"product_type"},
			Time: &metrics.TimeSpec{Start: "2025-03-01", End: "2025-04-30"}}, "contracts_month"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.DisableRollups()
			base, err := e.Run(ctx, c.q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.RefreshRollupState(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := e.Run(ctx, c.q, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, wantFrom := []string(nil), metrics.ServedBase
			if c.rollup != "" {
				want, wantFrom = []string{c.rollup}, metrics.ServedRollup
			}
			if got.ServedFrom != wantFrom || !slices.Equal(got.Rollups, want) {
				t.Fatalf("served from %s %v, want %s %v\n%s", got.ServedFrom, got.Rollups, wantFrom, want, got.SQL)
			}
			if err := sameRows(got, base); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A query whose groups are the rollup's own rows (its grain, all its
// dimensions) reads them as they are; a coarser grain or fewer dimensions
// aggregate them again. The rows are compared in
// TestRollupsAnswerEveryMetricExactly.
func TestRollupRowsAreGroupsReadWithoutAggregating(t *testing.T) {
	_, e := rollupDemo(t)
	for _, c := range []struct {
		name      string
		grain     string
		dims      []string
		aggregate bool
	}{
		{"by segment by month", "month", []string{"segment"}, false},
		{"by segment by quarter", "quarter", []string{"segment"}, true},
		{"by month, from the rollup without dimensions", "month", nil, false},
		{"by region by month, from a rollup by branch", "month", []string{"region"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			comp, err := e.Compile(metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: c.dims,
				Time: &metrics.TimeSpec{Grain: c.grain, Start: "2025-01-01", End: "2025-12-31"}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if comp.ServedFrom != metrics.ServedRollup {
				t.Fatalf("served from %s", comp.ServedFrom)
			}
			if got := strings.Contains(comp.SQL, "GROUP BY"); got != c.aggregate {
				t.Fatalf("aggregates again: %v, want %v\n%s", got, c.aggregate, comp.SQL)
			}
		})
	}
}
