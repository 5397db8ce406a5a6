package metrics_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var (
	rollupBankOnce sync.Once
	rollupBank     *warehouse.DB
	rollupBankErr  error
)

// rollupDemo is a demo bank of its own with the demo model's rollups
// built: building writes tables, and the shared bank is read-only.
func rollupDemo(t *testing.T) (*warehouse.DB, *metrics.Engine) {
	t.Helper()
	rollupBankOnce.Do(func() {
		rollupBank, rollupBankErr = warehousetest.OpenDemo(3000, 30)
		if rollupBankErr != nil {
			return
		}
		cat := metricstest.DemoCatalog(t, rollupBank)
		_, rollupBankErr = metrics.BuildRollups(context.Background(), rollupBank, cat, nil)
	})
	if rollupBankErr != nil {
		t.Fatal(rollupBankErr)
	}
	e := metricstest.DemoEngine(t, rollupBank, metrics.EngineConfig{CacheEntries: -1})
	avail, err := e.RefreshRollupState(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(avail) != len(e.Catalog().Rollups()) {
		t.Fatalf("built rollups not current: %v of %v", avail, e.Catalog().Rollups())
	}
	return rollupBank, e
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
	}
	routed, total := 0, 0
	for _, name := range cat.Names() {
		if _, _, has := e.MetricExtent(name); !has {
			t.Logf("%s: its table is empty in this bank (risk scores are written by the server), nothing to compare", name)
			continue
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
