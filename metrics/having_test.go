package metrics_test

import (
	"errors"

	"context"
	"math"
	"sort"
	"testing"

	"github.com/beaconbi/beacon"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// "Regions whose churn rate last month was above X": the rows kept are
// those hand SQL keeps, with the threshold set between the regions' own
// rates so that some are kept and some dropped.
func TestHavingKeepsRowsWhoseMetricMeetsTheCondition(t *testing.T) {
	hand := warehousetest.Rows(t, bank, `SELECT b.region, count(*) FILTER (WHERE m.churned) / count(*) FILTER (WHERE m.active_at_start)
		FROM customer_months m JOIN branches b USING (branch_id) WHERE m.month = DATE '2026-10-01' GROUP BY 1`)
	var rates []float64
	for _, r := range hand {
		rates = append(rates, r[1].(float64))
	}
	sort.Float64s(rates)
	threshold := (rates[len(rates)/2-1] + rates[len(rates)/2]) / 2
	want := map[string]float64{}
	for _, r := range hand {
		if r[1].(float64) > threshold {
			want[r[0].(string)] = r[1].(float64)
		}
	}
	if len(want) == 0 || len(want) == len(hand) {
		t.Fatalf("threshold %v keeps %d of %d regions: the test proves nothing", threshold, len(want), len(hand))
	}
	res, err := demoEngine(t).Run(context.Background(), metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"region"},
		Time:   &metrics.TimeSpec{Range: "last_month"},
		Having: []metrics.MetricFilter{{Metric: "churn_rate", Op: "gt", Value: threshold}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("got %d regions, hand SQL keeps %d: %v", len(res.Rows), len(want), res.Rows)
	}
	for _, r := range res.Rows {
		w, ok := want[r[0].(string)]
		if !ok || math.Abs(r[1].(float64)-w) > 1e-12 {
			t.Errorf("row %v: hand SQL has %v (kept %v)", r, w, ok)
		}
	}
}

func TestHavingIsChecked(t *testing.T) {
	e := demoEngine(t)
	for _, tc := range []struct {
		h     metrics.MetricFilter
		field string
	}{
		{metrics.MetricFilter{Metric: "aum", Op: "gt", Value: 1.0}, "having[0].metric"},
		{metrics.MetricFilter{Metric: "churn_rate", Op: "like", Value: 1.0}, "having[0].op"},
		{metrics.MetricFilter{Metric: "churn_rate", Op: "gt", Value: "high"}, "having[0].value"},
		{metrics.MetricFilter{Metric: "churn_rate", Op: "between", Values: []any{0.5, 0.1}}, "having[0].values"},
	} {
		_, err := e.Run(context.Background(), metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"region"},
			Time: &metrics.TimeSpec{Range: "last_month"}, Having: []metrics.MetricFilter{tc.h}}, nil)
		if err == nil || !containsField(err, tc.field) {
			t.Errorf("%+v: got %v, want an error naming %s", tc.h, err, tc.field)
		}
	}
}

func containsField(err error, field string) bool {
	var e *beacon.Error
	return errors.As(err, &e) && e.Field == field
}
