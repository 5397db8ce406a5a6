package metrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The test bank's monthly history runs from 2024-12 to 2026-11 and "today"
// is 2026-11-24: a quarter that starts before December 2024, and the
// current quarter, are partial.
func TestPartialPeriodsAreFlagged(t *testing.T) {
	e := demoEngine(t)
	ext := warehousetest.Rows(t, bank, "SELECT min(month), max(month) FROM customer_months")[0]
	if ext[0] != "2024-12-01" || ext[1] != "2026-11-01" {
		t.Fatalf("test bank spans %v, the cases below assume 2024-12-01..2026-11-01", ext)
	}
	type want struct {
		period, start, end string
		days, covered      int
		comparison         bool
	}
	for _, tc := range []struct {
		name string
		q    metrics.Query
		want []want
	}{
		{"quarters from before the history to now", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"region"},
			Time: &metrics.TimeSpec{Grain: "quarter", Start: "2024-10-01", End: "2026-12-31"}},
			[]want{
				{"2024-10-01", "2024-10-01", "2024-12-31", 92, 31, false}, // December only
				{"2026-10-01", "2026-10-01", "2026-12-31", 92, 55, false}, // 1 October – 24 November
			}},
		{"the current quarter, no grain, against the previous one", metrics.Query{Metrics: []string{"complaint_rate"},
			Time: &metrics.TimeSpec{Range: "this_quarter"}, Compare: "previous_period"},
			[]want{{"", "2026-10-01", "2026-12-31", 92, 55, false}}},
		{"a year whose previous year starts before the history", metrics.Query{Metrics: []string{"churn_rate"},
			Time: &metrics.TimeSpec{Range: "last_4_quarters"}, Compare: "previous_period"},
			[]want{{"", "2024-10-01", "2025-09-30", 365, 304, true}}},
		{"whole months inside the data", metrics.Query{Metrics: []string{"churn_rate"},
			Time: &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := e.Run(context.Background(), tc.q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Partial) != len(tc.want) {
				t.Fatalf("partial %+v, want %d entries", res.Partial, len(tc.want))
			}
			for i, w := range tc.want {
				p := res.Partial[i]
				if p.Period != w.period || p.Start != w.start || p.End != w.end || p.Days != w.days || p.CoveredDays != w.covered || p.Comparison != w.comparison {
					t.Errorf("partial[%d] = %+v, want %+v", i, p, w)
				}
				if !w.comparison {
					if _, ok := res.PartialFor(w.period); !ok {
						t.Errorf("PartialFor(%q) finds nothing", w.period)
					}
				}
			}
			// Every row of a partial period is one the answer has.
			for _, p := range res.Partial {
				if p.Period == "" {
					continue
				}
				found := false
				for i := range res.Rows {
					found = found || res.Value(i, "period") == p.Period
				}
				if !found {
					t.Errorf("partial period %s is not a row of the answer", p.Period)
				}
			}
		})
	}
}

// A range with no data at all is an error naming the data's range, not a row of zeros.
func TestRangeOutsideTheDataIsAnError(t *testing.T) {
	ctx := context.Background()
	demo := demoEngine(t)
	events, _ := eventsEngine(t) // 2024-01-05 – 2024-03-04; clock_count sets no as_of
	for _, tc := range []struct {
		name     string
		e        *metrics.Engine
		q        metrics.Query
		from, to string
	}{
		{"a year before the history", demo, metrics.Query{Metrics: []string{"churn_rate"}, Time: &metrics.TimeSpec{Range: "2023"}}, "2024-12-01", "2026-11-30"},
		{"dates after it", demo, metrics.Query{Metrics: []string{"aum"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Start: "2027-01-01", End: "2027-03-31"}}, "2024-12-01", "2026-11-30"},
		{"last month of today's calendar over old data", events, metrics.Query{Metrics: []string{"clock_count"}, Time: &metrics.TimeSpec{Range: "last_month"}}, "2024-01-05", "2024-03-04"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.e.Run(ctx, tc.q, nil)
			var oe *metrics.OutsideDataError
			if !errors.As(err, &oe) {
				t.Fatalf("got %v (result %v), want an OutsideDataError", err, res)
			}
			if oe.DataFrom != tc.from || oe.DataTo != tc.to || beacon.ErrorCode(err) != beacon.EINVALID || !strings.Contains(err.Error(), tc.from+" to "+tc.to) {
				t.Errorf("error %q names data %s..%s (code %s), want %s..%s", err, oe.DataFrom, oe.DataTo, beacon.ErrorCode(err), tc.from, tc.to)
			}
		})
	}
	// A range that overlaps the data by a day still answers.
	if _, err := events.Run(ctx, metrics.Query{Metrics: []string{"event_count"}, Time: &metrics.TimeSpec{Start: "2024-03-04", End: "2024-12-31"}}, nil); err != nil {
		t.Errorf("a range overlapping the data was refused: %v", err)
	}
}
