package clickhouse_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/clickhouse"
	"github.com/beaconbi/beacon/warehouse/clickhouse/clickhousetest"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// bank is the small demo bank both engines answer from: generated in
// DuckDB, given churn scores, copied to two ClickHouse shards split by
// customer.
var bank *warehouse.DB

var (
	clusterOnce sync.Once
	cluster     *clickhousetest.Cluster
	clusterErr  error
)

func TestMain(m *testing.M) {
	// Benchmarks may ask for a larger bank (BEACON_CH_BENCH_CUSTOMERS).
	customers := 1_500
	if n, err := strconv.Atoi(os.Getenv("BEACON_CH_BENCH_CUSTOMERS")); err == nil && n > 0 {
		customers = n
	}
	db, err := warehousetest.OpenDemo(customers, 24)
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate test bank:", err)
		os.Exit(1)
	}
	// The metrics over churn scores need scores: the server writes them
	// while serving; the test bank gets fixed ones, copied to ClickHouse
	// with the other tables.
	if _, err := clickhousetest.FillRiskScores(context.Background(), db); err != nil {
		fmt.Fprintln(os.Stderr, "score test bank:", err)
		os.Exit(1)
	}
	bank = db
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	db.Close()
	os.Exit(code)
}

// shards starts two ClickHouse shards once and loads the bank into them;
// the test skips where ClickHouse is missing, unless
// BEACON_REQUIRE_CLICKHOUSE is set (CI sets it).
func shards(t testing.TB) *clickhousetest.Cluster {
	t.Helper()
	clusterOnce.Do(func() {
		wait := 90 * time.Second
		if os.Getenv("BEACON_CH_BENCH_CUSTOMERS") != "" {
			wait = 20 * time.Minute // a benchmark's larger bank
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		cluster, clusterErr = clickhousetest.Start(ctx, 2)
		if clusterErr != nil {
			return
		}
		// The tables the demo model reads.
		m, err := metrics.ParseModel(models.DemoBankFile, models.DemoBank)
		if err != nil {
			clusterErr = err
			return
		}
		var names []string
		for _, s := range m.Sources {
			if !slices.Contains(names, s.Table) {
				names = append(names, s.Table)
			}
		}
		start := time.Now()
		var copied map[string]int64
		copied, clusterErr = clickhouse.Copy(ctx, bank, names, clickhouse.Target{DSN: cluster.Admin, Shards: cluster.Shards, Cluster: cluster.Name})
		if os.Getenv("BEACON_CH_BENCH_CUSTOMERS") != "" {
			fmt.Fprintf(os.Stderr, "copied %v rows to two shards in %s\n", copied, time.Since(start).Round(time.Second))
		}
	})
	clickhousetest.Check(t, clusterErr)
	return cluster
}

// engines are the demo model over DuckDB and over ClickHouse's read-only user.
func engines(t testing.TB) (duck, house *metrics.Engine, store *clickhouse.Store) {
	c := shards(t)
	ctx := context.Background()
	store, err := clickhouse.Open(ctx, c.Reader)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	m, err := metrics.ParseModel(models.DemoBankFile, models.DemoBank)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := metrics.NewCatalog(ctx, m, store)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.LoadValues(ctx, store); err != nil {
		t.Fatal(err)
	}
	house, err = metrics.NewEngine(store, cat, metrics.EngineConfig{Dialect: metrics.ClickHouse{}, Now: warehousetest.Now, CacheEntries: -1})
	if err != nil {
		t.Fatal(err)
	}
	duck = metricstest.DemoEngine(t, bank, metrics.EngineConfig{CacheEntries: -1})
	return duck, house, store
}

// equalCell compares two result cells: numbers within 1e-9 relative
// (sums of doubles in another order), everything else exactly.
func equalCell(a, b any) bool {
	fa, oka := warehousetest.Normalize(a).(float64)
	fb, okb := warehousetest.Normalize(b).(float64)
	if oka && okb {
		return math.Abs(fa-fb) <= 1e-9*math.Max(1, math.Max(math.Abs(fa), math.Abs(fb)))
	}
	return fmt.Sprint(warehousetest.Normalize(a)) == fmt.Sprint(warehousetest.Normalize(b))
}

// sameResult fails t unless both engines returned the same columns and rows.
func sameResult(t *testing.T, a, b *metrics.Result) { t.Helper(); sameResultTB(t, a, b) }

func sameResultTB(t testing.TB, a, b *metrics.Result) {
	t.Helper()
	if len(a.Columns) != len(b.Columns) {
		t.Fatalf("columns: duckdb %d, clickhouse %d", len(a.Columns), len(b.Columns))
	}
	for i := range a.Columns {
		if a.Columns[i].Name != b.Columns[i].Name {
			t.Fatalf("column %d: duckdb %s, clickhouse %s", i, a.Columns[i].Name, b.Columns[i].Name)
		}
	}
	if len(a.Rows) != len(b.Rows) {
		t.Fatalf("rows: duckdb %d, clickhouse %d\nduckdb: %v\nclickhouse: %v", len(a.Rows), len(b.Rows), head(a.Rows), head(b.Rows))
	}
	for i := range a.Rows {
		for j := range a.Rows[i] {
			if !equalCell(a.Rows[i][j], b.Rows[i][j]) {
				t.Fatalf("row %d column %s: duckdb %v, clickhouse %v\nduckdb row: %v\nclickhouse row: %v", i, a.Columns[j].Name, a.Rows[i][j], b.Rows[i][j], a.Rows[i], b.Rows[i])
			}
		}
	}
	if a.Truncated != b.Truncated {
		t.Fatalf("truncated: duckdb %v, clickhouse %v", a.Truncated, b.Truncated)
	}
}

func head(rows [][]any) [][]any {
	if len(rows) > 4 {
		return rows[:4]
	}
	return rows
}

// governedQueries is every governed metric at no grain and at month,
// quarter and year grain, by segment and overall, plus the shapes that
// stress the writer: filters of every kind, a comparison, shares with a
// filter on their own dimension, a cumulative metric by region, having,
// order and limit.
func governedQueries(cat *metrics.Catalog) map[string]metrics.Query {
	qs := map[string]metrics.Query{}
	for _, name := range cat.Names() {
		for _, grain := range []string{"", "month", "quarter", "year"} {
			tm := &metrics.TimeSpec{Grain: grain, Start: "2025-01-01", End: "2026-09-30"}
			qs[fmt.Sprintf("%s/%s/all", name, grain)] = metrics.Query{Metrics: []string{name}, Time: tm}
			qs[fmt.Sprintf("%s/%s/segment", name, grain)] = metrics.Query{Metrics: []string{name}, Dimensions: []string{"segment"}, Time: tm}
		}
	}
	whole := &metrics.TimeSpec{Start: "2025-01-01", End: "2026-09-30"}
	monthly := &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}
	qs["churn by branch, filtered, no grain"] = metrics.Query{Metrics: []string{"churn_rate", "aum"}, Dimensions: []string{"branch"}, Time: whole,
		Filters: []metrics.Filter{{Dimension: "segment", Op: "neq", Value: "高净值"}}}
	qs["filters in, contains, between"] = metrics.Query{Metrics: []string{"churn_rate", "deposits"}, Dimensions: []string{"city"}, Time: monthly,
		Filters: []metrics.Filter{{Dimension: "segment", Op: "in", Values: []any{"年轻", "退休"}}, {Dimension: "branch", Op: "contains", Value: "路"}}}
	qs["compare previous period by segment"] = metrics.Query{Metrics: []string{"churn_rate", "aum"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Start: "2025-04-01", End: "2026-09-30"}, Compare: "previous_period"}
	qs["compare last year, no grain"] = metrics.Query{Metrics: []string{"churn_rate", "net_inflow"}, Time: &metrics.TimeSpec{Range: "last_12_months"}, Compare: "same_period_last_year"}
	qs["share with a filter on its dimension"] = metrics.Query{Metrics: []string{"segment_contribution", "aum"}, Dimensions: []string{"segment"}, Time: monthly,
		Filters: []metrics.Filter{{Dimension: "segment", Op: "eq", Value: "高净值"}}}
	qs["cumulative by region by month"] = metrics.Query{Metrics: []string{"cumulative_churned_customers", "churned_customers"}, Dimensions: []string{"region"}, Time: monthly}
	qs["period over period with having and order"] = metrics.Query{Metrics: []string{"aum_growth", "aum"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Grain: "quarter", Start: "2025-01-01", End: "2026-09-30"},
		Having: []metrics.MetricFilter{{Metric: "aum", Op: "gt", Value: 0}}, Order: []metrics.Order{{By: "aum", Desc: true}}, Limit: 7}
	qs["risk metrics by tier, the source's default range"] = metrics.Query{Metrics: []string{"expected_churn", "high_risk_customers"}, Dimensions: []string{"risk_tier"}}
	qs["expected churn by region by month, filtered on tier"] = metrics.Query{Metrics: []string{"expected_churn", "high_risk_customers"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_3_months"},
		Filters: []metrics.Filter{{Dimension: "risk_tier", Op: "neq", Value: "low"}}}
	qs["conditions on joined dimensions, pushed to the shards and not"] = metrics.Query{Metrics: []string{"churn_rate", "aum", "renewal_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_4_quarters"},
		Filters: []metrics.Filter{{Dimension: "region", Op: "in", Values: []any{"华东", "华北"}}, {Dimension: "channel", Op: "eq", Value: "手机银行"}, {Dimension: "city", Op: "neq", Value: "上海"}, {Dimension: "gender", Op: "not_in", Values: []any{"男"}}}}
	qs["two sources by segment and product"] = metrics.Query{Metrics: []string{"renewal_rate", "churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_12_months"}}
	return qs
}

func TestGovernedMetricsEqualDuckDB(t *testing.T) {
	duck, house, _ := engines(t)
	ctx := context.Background()
	for name, q := range governedQueries(duck.Catalog()) {
		t.Run(name, func(t *testing.T) {
			if _, _, has := duck.MetricExtent(q.Metrics[0]); !has {
				t.Fatalf("%s: its table is empty in the test bank, so the comparison would be empty", q.Metrics[0])
			}
			a, errA := duck.Run(ctx, q, nil)
			b, errB := house.Run(ctx, q, nil)
			if errA != nil || errB != nil {
				if errA != nil && errB != nil && errA.Error() == errB.Error() {
					t.Logf("refused alike: %v", errA)
					return
				}
				var sqlText string
				if c, err := house.Compile(q, nil); err == nil {
					sqlText = c.SQL
				}
				t.Fatalf("duckdb: %v\nclickhouse: %v\n%s", errA, errB, sqlText)
			}
			if len(a.Rows) == 0 && !strings.Contains(name, "filters") {
				t.Fatalf("no rows from duckdb: the comparison would be empty")
			}
			sameResult(t, a, b)
		})
	}
}

// Row scope: a caller limited to some branches sees the same on both.
func TestRowScopeEqualDuckDB(t *testing.T) {
	duck, house, _ := engines(t)
	ctx := context.Background()
	branch, _ := duck.Catalog().Dimension("branch")
	scope := metrics.Scope{"branch": {branch.Values[0].Value, branch.Values[1].Value}}
	q := metrics.Query{Metrics: []string{"churn_rate", "aum", "renewal_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_12_months"}}
	a, err := duck.Run(ctx, q, scope)
	if err != nil {
		t.Fatal(err)
	}
	b, err := house.Run(ctx, q, scope)
	if err != nil {
		t.Fatal(err)
	}
	sameResult(t, a, b)
	all, err := duck.Run(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(all.Rows) == fmt.Sprint(a.Rows) {
		t.Fatal("the scope changed nothing: the test cannot tell")
	}
}
