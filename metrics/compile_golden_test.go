package metrics_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var update = flag.Bool("update", false, "rewrite the golden SQL files under testdata/golden")

// goldenQueries are representative governed queries whose compiled SQL is
// kept under testdata/golden, so that a change to the SQL shows in review.
var goldenQueries = []struct {
	name   string
	query  metrics.Query
	scope  metrics.Scope
	totals bool
}{
	{name: "simple_by_segment_month", query: metrics.Query{Metrics: []string{"churned_customers"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}}},
	{name: "ratio_win_back_by_action_type", query: metrics.Query{Metrics: []string{"win_back_rate"}, Dimensions: []string{"action_type"}, Time: &metrics.TimeSpec{Range: "last_quarter"}}},
	{name: "churn_by_segment_month", query: metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}}},
	{name: "churn_by_segment_quarter", query: metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_4_quarters"}}},
	{name: "churn_by_year", query: metrics.Query{Metrics: []string{"churn_rate"}, Time: &metrics.TimeSpec{Grain: "year", Range: "last_year"}}},
	{name: "churn_by_branch_no_grain_filtered", query: metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch"},
		Filters: []metrics.Filter{{Dimension: "segment", Op: "neq", Value: "年轻"}}}},
	{name: "aum_quarter_period_end", query: metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_4_quarters"}}},
	{name: "active_customers_quarter_count_distinct", query: metrics.Query{Metrics: []string{"active_customers", "aum"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_4_quarters"}}},
	{name: "share_segment_contribution_one_segment", query: metrics.Query{Metrics: []string{"segment_contribution"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_month"},
		Filters: []metrics.Filter{{Dimension: "segment", Op: "eq", Value: "高净值"}}}},
	{name: "cumulative_churned_by_region_month", query: metrics.Query{Metrics: []string{"cumulative_churned_customers"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Grain: "month", Range: "this_year"}}},
	{name: "pop_aum_growth_quarter", query: metrics.Query{Metrics: []string{"aum_growth"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_4_quarters"}}},
	{name: "compare_last_year_churn_month", query: metrics.Query{Metrics: []string{"churn_rate"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_3_months"}, Compare: "same_period_last_year"}},
	{name: "two_sources_by_region", query: metrics.Query{Metrics: []string{"renewal_rate", "churn_rate"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_2_quarters"}}},
	{name: "filters_in_contains_between", query: metrics.Query{Metrics: []string{"aum", "complaint_rate"}, Dimensions: []string{"city"}, Time: &metrics.TimeSpec{Range: "2026-06"},
		Filters: []metrics.Filter{{Dimension: "segment", Op: "in", Values: []any{"高净值", "退休"}}, {Dimension: "branch", Op: "contains", Value: "上海"}, {Dimension: "channel", Op: "not_in", Values: []any{"网点"}}}}},
	{name: "scope_by_region_order_limit", query: metrics.Query{Metrics: []string{"churned_customers"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Range: "last_month"},
		Order: []metrics.Order{{By: "churned_customers", Desc: true}}, Limit: 5}, scope: metrics.Scope{"region": {"华东"}}},
	{name: "totals_churn_quarter_compare", query: metrics.Query{Metrics: []string{"churn_rate", "aum"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_2_quarters"}, Compare: "previous_period"}, totals: true},
}

// goldenDialects are the dialects whose compiled SQL is kept, each under
// its own folder of testdata/golden. ClickHouse's results are checked
// equal to DuckDB's on real shards in warehouse/clickhouse.
var goldenDialects = []struct {
	dialect metrics.Dialect
	dir     string
}{
	{metrics.DuckDB{}, filepath.Join("testdata", "golden")},
	{metrics.ClickHouse{}, filepath.Join("testdata", "golden", "clickhouse")},
}

// The compiled SQL of representative queries, in every dialect, is the
// SQL under testdata/golden; go test ./metrics -run Golden -update
// rewrites it.
func TestCompiledSQLGolden(t *testing.T) {
	cat := metricstest.DemoCatalog(t, bank)
	for _, d := range goldenDialects {
		for _, g := range goldenQueries {
			t.Run(d.dialect.Name()+"/"+g.name, func(t *testing.T) {
				compile := cat.Compile
				if g.totals {
					compile = cat.CompileTotals
				}
				comp, err := compile(d.dialect, g.query, warehousetest.Now(), g.scope, metrics.DefaultLimits)
				if err != nil {
					t.Fatal(err)
				}
				checkGolden(t, filepath.Join(d.dir, g.name+".sql"), comp.SQL+"\n-- args: "+fmt.Sprint(comp.Args)+"\n")
			})
		}
	}
}

// checkGolden compares got with the golden file at path, or rewrites the
// file under -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./metrics -run Golden -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("compiled SQL differs from %s (go test ./metrics -run Golden -update rewrites it after review):\n%s", path, lineDiff(string(want), got))
	}
}

// lineDiff shows the first lines where want and got part.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d\nwant: %s\n got: %s", i+1, a, b)
		}
	}
	return ""
}
