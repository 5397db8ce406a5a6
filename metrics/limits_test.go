package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// wideQuery is the widest governed query the demo model allows: every
// metric that can be broken down by six dimensions, by month over two
// years, compared with the year before.
func wideQuery(t *testing.T, e *metrics.Engine, limit int) metrics.Query {
	t.Helper()
	dims := []string{"segment", "channel", "age_band", "gender", "branch", "region"}
	q := metrics.Query{Dimensions: dims, Time: &metrics.TimeSpec{Grain: "month", Range: "last_24_months"},
		Compare: "same_period_last_year", Limit: limit}
	for _, name := range e.Catalog().Names() {
		one := q
		one.Metrics = []string{name}
		if _, err := e.Compile(one, nil); err == nil && len(q.Metrics) < e.Limits().MaxMetrics {
			q.Metrics = append(q.Metrics, name)
		}
	}
	t.Logf("%d metrics: %v", len(q.Metrics), q.Metrics)
	if len(q.Metrics) < 10 {
		t.Fatalf("only %d metrics take all six dimensions: %v", len(q.Metrics), q.Metrics)
	}
	return q
}

func TestGovernedQueryOverTheResultBudgetIsRefusedBeforeItRuns(t *testing.T) {
	e := demoEngine(t)
	q := wideQuery(t, e, e.Limits().MaxRows)
	_, err := e.Run(context.Background(), q, nil)
	var be *beacon.Error
	if !errors.As(err, &be) || be.Code != beacon.ETOOLARGE || be.Field != "limit" {
		t.Fatalf("%d metrics × 6 dimensions × 24 months: got %v, want a too_large error on limit", len(q.Metrics), err)
	}
	t.Log(be.Message)
	if !strings.Contains(be.Message, "result budget is 64 MB") || !strings.Contains(be.Message, "100001 rows") {
		t.Errorf("the error should name the budget and the rows: %s", be.Message)
	}

	// The same query with a small limit runs, and its rows match the
	// months and segments in the data.
	small := wideQuery(t, e, 5)
	res, err := e.Run(context.Background(), small, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 5 || !res.Truncated {
		t.Fatalf("limit 5: %d rows, truncated %v", len(res.Rows), res.Truncated)
	}
}
