package metrics_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// bank is one small demo bank shared by the tests of this package: it is
// read-only, and generating it once keeps the suite fast.
var bank *warehouse.DB

func TestMain(m *testing.M) { metricstest.Main(m, 20_000, 24, &bank) }

func demoEngine(tb testing.TB) *metrics.Engine {
	return metricstest.DemoEngine(tb, bank, metrics.EngineConfig{})
}

// keyed indexes rows by their first n columns.
func keyed(rows [][]any, n int) map[string][]any {
	out := map[string][]any{}
	for _, r := range rows {
		parts := make([]string, n)
		for i := 0; i < n; i++ {
			parts[i] = fmt.Sprint(warehousetest.Normalize(r[i]))
		}
		out[strings.Join(parts, "|")] = r[n:]
	}
	return out
}

func close(a, b any) bool {
	fa, oka := warehousetest.Normalize(a).(float64)
	fb, okb := warehousetest.Normalize(b).(float64)
	if !oka || !okb {
		return a == nil && b == nil
	}
	return math.Abs(fa-fb) <= 1e-9*math.Max(1, math.Max(math.Abs(fa), math.Abs(fb)))
}

// The test bank ends on 2026-11-24 (Asia/Shanghai), so last_12_months is
// 2025-11-01..2026-10-31 and this_year is 2026-01-01..2026-12-31.
func TestGovernedMetricsMatchHandSQL(t *testing.T) {
	e := demoEngine(t)
	cases := []struct {
		name    string
		query   metrics.Query
		keys    int      // leading key columns, in result and hand SQL alike
		columns []string // result columns compared, in hand SQL order after the keys
		hand    string
	}{
		{
			name:    "churn_rate by segment by month",
			query:   metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}},
			keys:    2,
			columns: []string{"churn_rate"},
			hand: `SELECT month, segment, sum(CASE WHEN churned THEN 1 ELSE 0 END) / sum(CASE WHEN active_at_start THEN 1 ELSE 0 END)
				FROM customer_months WHERE month BETWEEN DATE '2025-11-01' AND DATE '2026-10-01' GROUP BY 1, 2`,
		},
		{
			// The denominator is the active base of each quarter's first month, not a sum of three months.
			name:    "churn_rate by segment by quarter",
			query:   metrics.Query{Metrics: []string{"churn_rate", "churned_customers", "customers_at_start"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Start: "2025-01-01", End: "2026-09-30"}},
			keys:    2,
			columns: []string{"churn_rate", "churned_customers", "customers_at_start"},
			hand: `WITH q AS (SELECT date_trunc('quarter', month)::DATE AS quarter, * FROM customer_months WHERE month >= DATE '2025-01-01' AND month < DATE '2026-10-01')
				SELECT quarter, segment,
					count(*) FILTER (WHERE churned) / count(*) FILTER (WHERE active_at_start AND month = quarter),
					count(*) FILTER (WHERE churned), count(*) FILTER (WHERE active_at_start AND month = quarter)
				FROM q GROUP BY 1, 2`,
		},
		{
			name:    "churn_rate by year, whole years",
			query:   metrics.Query{Metrics: []string{"churn_rate"}, Time: &metrics.TimeSpec{Grain: "year", Range: "last_year"}},
			keys:    1,
			columns: []string{"churn_rate"},
			hand: `SELECT DATE '2025-01-01', count(*) FILTER (WHERE churned) / count(*) FILTER (WHERE active_at_start AND month = DATE '2025-01-01')
				FROM customer_months WHERE year(month) = 2025`,
		},
		{
			name:    "renewal_rate by region",
			query:   metrics.Query{Metrics: []string{"renewal_rate"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Range: "last_quarter"}},
			keys:    1,
			columns: []string{"renewal_rate"},
			hand: `SELECT b.region, avg(CASE WHEN c.renewed THEN 1.0 ELSE 0.0 END)
				FROM contracts c JOIN branches b USING (branch_id)
				WHERE c.maturity_date >= DATE '2026-07-01' AND c.maturity_date < DATE '2026-10-01' AND c.renewed IS NOT NULL GROUP BY 1`,
		},
		{
			// AUM is the last month of each quarter, never the sum of its months.
			name:    "aum by quarter is period-end",
			query:   metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_4_quarters"}},
			keys:    1,
			columns: []string{"aum"},
			hand: `SELECT date_trunc('quarter', month)::DATE, sum(aum) FROM customer_months
				WHERE month >= DATE '2025-10-01' AND month < DATE '2026-10-01' AND month(month) IN (3, 6, 9, 12) GROUP BY 1`,
		},
		{
			name:    "aum and retention_rate by branch for a month",
			query:   metrics.Query{Metrics: []string{"aum", "retention_rate"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Range: "2026-06"}},
			keys:    1,
			columns: []string{"aum", "retention_rate"},
			hand: `SELECT b.branch_name, sum(m.aum), 1 - count(*) FILTER (WHERE m.churned) / count(*) FILTER (WHERE m.active_at_start)
				FROM customer_months m JOIN branches b USING (branch_id) WHERE m.month = DATE '2026-06-01' GROUP BY 1`,
		},
		{
			name:    "segment_contribution is each segment's share of period-end AUM",
			query:   metrics.Query{Metrics: []string{"segment_contribution"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_quarter"}},
			keys:    2,
			columns: []string{"segment_contribution"},
			hand: `SELECT DATE '2026-07-01', segment, sum(aum) / (SELECT sum(aum) FROM customer_months WHERE month = DATE '2026-09-01')
				FROM customer_months WHERE month = DATE '2026-09-01' GROUP BY 2`,
		},
		{
			// Picking one segment keeps the whole bank as the denominator.
			name: "segment_contribution of one segment is its share of all segments",
			query: metrics.Query{Metrics: []string{"segment_contribution"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_month"},
				Filters: []metrics.Filter{{Dimension: "segment", Op: "eq", Value: "高净值"}}},
			keys:    1,
			columns: []string{"segment_contribution"},
			hand: `SELECT segment, sum(aum) / (SELECT sum(aum) FROM customer_months WHERE month = DATE '2026-10-01')
				FROM customer_months WHERE month = DATE '2026-10-01' AND segment = '高净值' GROUP BY 1`,
		},
		{
			name:    "activity, flows, complaints and margin over a half year",
			query:   metrics.Query{Metrics: []string{"active_customers", "net_inflow", "complaint_rate", "cost_to_serve", "contribution_margin", "products_per_customer"}, Time: &metrics.TimeSpec{Range: "2026-H1"}},
			keys:    0,
			columns: []string{"active_customers", "net_inflow", "complaint_rate", "cost_to_serve", "contribution_margin", "products_per_customer"},
			hand: `SELECT count(DISTINCT customer_id) FILTER (WHERE tx_count > 0), sum(deposits) - sum(withdrawals),
					1000.0 * sum(complaints) / count(DISTINCT customer_id), sum(cost_to_serve), sum(revenue) - sum(cost_to_serve),
					sum(products_held) FILTER (WHERE month = DATE '2026-06-01' AND NOT churned) / count(*) FILTER (WHERE month = DATE '2026-06-01' AND NOT churned)
				FROM customer_months WHERE month >= DATE '2026-01-01' AND month < DATE '2026-07-01'`,
		},
		{
			name:    "win_back_rate by action type",
			query:   metrics.Query{Metrics: []string{"win_back_rate", "retention_actions"}, Dimensions: []string{"action_type"}, Time: &metrics.TimeSpec{Start: "2025-06-01", End: "2026-05-31"}},
			keys:    1,
			columns: []string{"win_back_rate", "retention_actions"},
			hand: `SELECT action_type, count(*) FILTER (WHERE stayed_90d) / count(*) FILTER (WHERE stayed_90d IS NOT NULL), count(*)
				FROM retention_actions WHERE action_date BETWEEN DATE '2025-06-01' AND DATE '2026-05-31' GROUP BY 1`,
		},
		{
			name: "filters: segment in, city eq, through joins",
			query: metrics.Query{Metrics: []string{"churned_customers"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "this_year"},
				Filters: []metrics.Filter{{Dimension: "segment", Op: "in", Values: []any{"高净值", "年轻"}}, {Dimension: "city", Op: "eq", Value: "上海"}}},
			keys:    1,
			columns: []string{"churned_customers"},
			hand: `SELECT m.segment, count(*) FILTER (WHERE m.churned) FROM customer_months m JOIN branches b USING (branch_id)
				WHERE year(m.month) = 2026 AND m.segment IN ('高净值', '年轻') AND b.city = '上海' GROUP BY 1`,
		},
		{
			name: "filters: not_in and contains",
			query: metrics.Query{Metrics: []string{"customers"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Range: "last_month"},
				Filters: []metrics.Filter{{Dimension: "segment", Op: "not_in", Values: []any{"普通"}}, {Dimension: "branch", Op: "contains", Value: "支行"}}},
			keys:    1,
			columns: []string{"customers"},
			hand: `SELECT b.region, count(DISTINCT m.customer_id) FROM customer_months m JOIN branches b USING (branch_id)
				WHERE m.month = DATE '2026-10-01' AND m.segment <> '普通' AND b.branch_name LIKE '%支行%' GROUP BY 1`,
		},
		{
			// Each month is compared with the month before it, which lies outside the range for the first row.
			name:    "compare previous_period by month",
			query:   metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_3_months"}, Compare: "previous_period"},
			keys:    2,
			columns: []string{"churn_rate", "churn_rate_previous", "churn_rate_delta"},
			hand: `WITH r AS (SELECT month, segment, count(*) FILTER (WHERE churned) / count(*) FILTER (WHERE active_at_start) AS rate
					FROM customer_months GROUP BY 1, 2)
				SELECT c.month, c.segment, c.rate, p.rate, c.rate - p.rate FROM r c JOIN r p ON p.segment = c.segment AND p.month = c.month - INTERVAL 1 MONTH
				WHERE c.month BETWEEN DATE '2026-08-01' AND DATE '2026-10-01'`,
		},
		{
			name:    "compare same_period_last_year by quarter",
			query:   metrics.Query{Metrics: []string{"renewal_rate"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_2_quarters"}, Compare: "same_period_last_year"},
			keys:    1,
			columns: []string{"renewal_rate", "renewal_rate_previous", "renewal_rate_pct_change"},
			hand: `WITH r AS (SELECT date_trunc('quarter', maturity_date)::DATE AS q, avg(CASE WHEN renewed THEN 1.0 ELSE 0.0 END) AS rate
					FROM contracts WHERE renewed IS NOT NULL GROUP BY 1)
				SELECT c.q, c.rate, p.rate, (c.rate - p.rate) / p.rate FROM r c JOIN r p ON p.q = c.q - INTERVAL 1 YEAR
				WHERE c.q IN (DATE '2026-04-01', DATE '2026-07-01')`,
		},
		{
			name:    "cumulative churned customers",
			query:   metrics.Query{Metrics: []string{"cumulative_churned_customers"}, Time: &metrics.TimeSpec{Grain: "month", Range: "ytd"}},
			keys:    1,
			columns: []string{"cumulative_churned_customers"},
			hand: `SELECT month, sum(count(*) FILTER (WHERE churned)) OVER (ORDER BY month) FROM customer_months
				WHERE year(month) = 2026 GROUP BY 1`,
		},
		{
			name:    "aum_growth against the previous quarter",
			query:   metrics.Query{Metrics: []string{"aum_growth"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_quarter"}},
			keys:    1,
			columns: []string{"aum_growth"},
			hand: `SELECT DATE '2026-07-01', sum(aum) FILTER (WHERE month = DATE '2026-09-01') / sum(aum) FILTER (WHERE month = DATE '2026-06-01') - 1
				FROM customer_months`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Run(context.Background(), tc.query, nil)
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			want := keyed(warehousetest.Rows(t, bank, tc.hand), tc.keys)
			idx := make([]int, len(tc.columns))
			for i, name := range tc.columns {
				idx[i] = -1
				for j, c := range res.Columns {
					if c.Name == name {
						idx[i] = j
					}
				}
				if idx[i] < 0 {
					t.Fatalf("result has no column %s", name)
				}
			}
			got := keyed(res.Rows, tc.keys)
			if len(got) != len(want) || len(want) == 0 {
				t.Fatalf("got %d rows, want %d (hand SQL)\n%s", len(got), len(want), res.SQL)
			}
			for k, w := range want {
				row, ok := got[k]
				if !ok {
					t.Fatalf("missing row %s", k)
				}
				for i, name := range tc.columns {
					g := row[idx[i]-tc.keys]
					if !close(g, w[i]) {
						t.Errorf("%s %s: got %v, want %v", k, name, g, w[i])
					}
				}
			}
		})
	}
}

func TestSegmentContributionSumsToOne(t *testing.T) {
	e := demoEngine(t)
	res, err := e.Run(context.Background(), metrics.Query{Metrics: []string{"segment_contribution"}, Dimensions: []string{"segment"},
		Time: &metrics.TimeSpec{Grain: "month", Range: "last_6_months"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[any]float64{}
	for _, r := range res.Rows {
		sums[r[0]] += r[2].(float64)
	}
	if len(sums) != 6 {
		t.Fatalf("got %d months, want 6", len(sums))
	}
	for p, s := range sums {
		if math.Abs(s-1) > 1e-9 {
			t.Errorf("%v: contributions sum to %v, want 1", p, s)
		}
	}
}

// A period-end measure must differ from a sum over months, or the AUM test above proves nothing.
func TestAUMIsNotASumOverMonths(t *testing.T) {
	sum := warehousetest.Rows(t, bank, `SELECT sum(aum) FROM customer_months WHERE month >= DATE '2026-07-01' AND month < DATE '2026-10-01'`)[0][0].(float64)
	res, err := demoEngine(t).Run(context.Background(), metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Range: "2026-Q3"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := res.Rows[0][0].(float64)
	if got > sum/2 {
		t.Fatalf("aum for a quarter is %v, close to the three-month sum %v: it must be the last month only", got, sum)
	}
}
