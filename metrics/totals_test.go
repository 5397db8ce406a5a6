package metrics_test

import (
	"context"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The previous totals of a compared query cover the comparison window the
// answer echoes: the range moved back one period of its grain. Before, they
// covered the four quarters before the range, which start before the test
// bank's history (2024-12), and the total churn rate looked to have moved
// by a multiple.
func TestTotalsCompareOverTheEchoedWindow(t *testing.T) {
	e := demoEngine(t)
	for _, tc := range []struct {
		name       string
		q          metrics.Query
		prevStart  string // the echoed comparison window, inclusive
		prevEnd    string
		firstMonth string // its first month, the churn denominator's
	}{
		{"by quarter", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"region"},
			Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_4_quarters"}, Compare: "previous_period", Totals: true},
			"2025-07-01", "2026-06-30", "2025-07-01"},
		{"by month", metrics.Query{Metrics: []string{"churn_rate"},
			Time: &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}, Compare: "previous_period", Totals: true},
			"2025-10-01", "2026-09-30", "2025-10-01"},
		{"no grain", metrics.Query{Metrics: []string{"churn_rate"},
			Time: &metrics.TimeSpec{Range: "last_quarter"}, Compare: "previous_period", Totals: true},
			"2026-04-01", "2026-06-30", "2026-04-01"},
		{"year before, by quarter", metrics.Query{Metrics: []string{"churn_rate"},
			Time: &metrics.TimeSpec{Grain: "quarter", Range: "2026-Q3"}, Compare: "same_period_last_year", Totals: true},
			"2025-07-01", "2025-09-30", "2025-07-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Run(context.Background(), tc.q, nil)
			if err != nil {
				t.Fatal(err)
			}
			cmp := res.Time.Comparison
			if cmp == nil || cmp.Start != tc.prevStart || cmp.End != tc.prevEnd {
				t.Fatalf("echoed comparison %+v, want %s..%s", cmp, tc.prevStart, tc.prevEnd)
			}
			hand := warehousetest.Rows(t, bank, `SELECT count(*) FILTER (WHERE churned) / count(*) FILTER (WHERE active_at_start AND month = CAST($3 AS DATE))
				FROM customer_months WHERE month BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)`, tc.prevStart, tc.prevEnd, tc.firstMonth)[0][0]
			if got := res.Totals["churn_rate_previous"]; !close(got, hand) {
				t.Errorf("totals.churn_rate_previous %v, hand SQL over the echoed window %v", got, hand)
			}
			cur, prev := res.Totals["churn_rate"].(float64), hand.(float64)
			if got := res.Totals["churn_rate_pct_change"]; !close(got, (cur-prev)/prev) {
				t.Errorf("totals.churn_rate_pct_change %v, want %v", got, (cur-prev)/prev)
			}
		})
	}
}
