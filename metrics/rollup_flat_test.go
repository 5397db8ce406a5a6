package metrics_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
)

// A query whose groups are one rollup's stored rows, with simple and
// ratio metrics only, is one SELECT over the rollup table (no CTE); its
// answer is the base tables' (rows, columns, truncation) with filters,
// row scope, an order on a metric and a limit smaller than the rows.
// Shapes the flat form does not cover keep the general form and are
// compared too.
func TestFlatRollupAnswersAsTheBaseTables(t *testing.T) {
	_, e := rollupDemo(t)
	ctx := context.Background()
	months := &metrics.TimeSpec{Grain: "month", Start: "2025-01-01", End: "2025-12-31"}
	segs := []any{"高净值", "退休"}
	for _, c := range []struct {
		name  string
		q     metrics.Query
		scope metrics.Scope
		flat  bool
	}{
		{"churn by segment by month", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: months}, nil, true},
		{"several metrics, period-end AUM and distinct customers", metrics.Query{Metrics: []string{"churn_rate", "churned_customers", "aum", "customers"},
			Dimensions: []string{"segment"}, Time: months}, nil, true},
		{"no breakdown, from the rollup without dimensions", metrics.Query{Metrics: []string{"churn_rate", "aum"}, Time: months}, nil, true},
		{"filters in and not equal", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: months,
			Filters: []metrics.Filter{{Dimension: "segment", Op: "in", Values: segs}, {Dimension: "segment", Op: "neq", Value: "退休"}}}, nil, true},
		{"ordered by the metric, limited below the rows", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: months,
			Order: []metrics.Order{{By: "churn_rate", Desc: true}}, Limit: 7}, nil, true},
		{"row scope", metrics.Query{Metrics: []string{"churned_customers"}, Dimensions: []string{"segment"}, Time: months},
			metrics.Scope{"segment": {"高净值"}}, true},
		{"risk metrics by segment and tier", metrics.Query{Metrics: []string{"high_risk_customers", "expected_churn"},
			Dimensions: []string{"segment", "risk_tier"}, Time: months}, nil, true},
		{"a share: general form", metrics.Query{Metrics: []string{"segment_contribution"}, Dimensions: []string{"segment"}, Time: months}, nil, false},
		{"a comparison: general form", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: months,
			Compare: "previous_period"}, nil, false},
		{"a coarser grain: general form", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"},
			Time: &metrics.TimeSpec{Grain: "quarter", Start: "2025-01-01", End: "2025-12-31"}}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.DisableRollups()
			base, err := e.Run(ctx, c.q, c.scope)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.RefreshRollupState(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := e.Run(ctx, c.q, c.scope)
			if err != nil {
				t.Fatal(err)
			}
			if got.ServedFrom != metrics.ServedRollup {
				t.Fatalf("served from %s\n%s", got.ServedFrom, got.SQL)
			}
			if flat := !strings.HasPrefix(got.SQL, "WITH"); flat != c.flat {
				t.Fatalf("one SELECT: %v, want %v\n%s", flat, c.flat, got.SQL)
			}
			if len(base.Rows) == 0 {
				t.Fatal("no rows: the comparison proves nothing")
			}
			if err := sameRows(got, base); err != nil {
				t.Fatalf("%v\n%s", err, got.SQL)
			}
			if fmt.Sprint(got.Columns) != fmt.Sprint(base.Columns) {
				t.Fatalf("columns %v, want %v", got.Columns, base.Columns)
			}
			if got.Truncated != base.Truncated || (c.q.Limit > 0 && !got.Truncated) {
				t.Fatalf("truncated %v, base tables %v", got.Truncated, base.Truncated)
			}
		})
	}
}

// The flat SQL of a rollup-served query is kept under testdata/golden
// as the base-table SQL is (go test ./metrics -run Golden -update).
func TestFlatRollupSQLGolden(t *testing.T) {
	_, e := rollupDemo(t)
	for _, g := range []struct {
		name  string
		q     metrics.Query
		scope metrics.Scope
	}{
		{"rollup_churn_by_segment_month", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"},
			Time: &metrics.TimeSpec{Grain: "month", Start: "2025-01-01", End: "2025-12-31"}}, nil},
		{"rollup_filtered_ordered_limited_scoped", metrics.Query{Metrics: []string{"churn_rate", "aum", "customers"}, Dimensions: []string{"segment"},
			Time:    &metrics.TimeSpec{Grain: "month", Start: "2025-01-01", End: "2025-12-31"},
			Filters: []metrics.Filter{{Dimension: "segment", Op: "neq", Value: "退休"}}, Order: []metrics.Order{{By: "aum", Desc: true}}, Limit: 5},
			metrics.Scope{"segment": {"高净值", "大众"}}},
	} {
		t.Run(g.name, func(t *testing.T) {
			if _, err := e.RefreshRollupState(context.Background()); err != nil {
				t.Fatal(err)
			}
			comp, err := e.Compile(g.q, g.scope)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", "golden", g.name+".sql"), comp.SQL+"\n-- args: "+fmt.Sprint(comp.Args)+"\n")
		})
	}
}
