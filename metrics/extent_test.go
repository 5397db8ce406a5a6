package metrics_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The demo bank's extents are the min and max of each time column.
func TestDataExtentMatchesHandSQL(t *testing.T) {
	e := demoEngine(t)
	for _, tc := range []struct{ source, table, column string }{
		{"customer_months", "customer_months", "month"},
		{"contracts", "contracts", "maturity_date"},
		{"retention_actions", "retention_actions", "action_date"},
	} {
		want := warehousetest.Rows(t, bank, "SELECT min("+tc.column+"), max("+tc.column+") FROM "+tc.table)[0]
		first, last, ok := e.DataExtent(tc.source)
		if !ok {
			t.Fatalf("%s: no extent", tc.source)
		}
		if got := []any{first.Format("2006-01-02"), last.Format("2006-01-02")}; got[0] != want[0] || got[1] != want[1] {
			t.Errorf("%s: extent %v, hand SQL %v", tc.source, got, want)
		}
	}
	// churn_rate reads customer_months only.
	first, last, ok := e.MetricExtent("churn_rate")
	want := warehousetest.Rows(t, bank, "SELECT min(month), max(month) FROM customer_months")[0]
	if !ok || first.Format("2006-01-02") != want[0] || last.Format("2006-01-02") != want[1] {
		t.Errorf("churn_rate extent %v..%v (%v), want %v", first, last, ok, want)
	}
	if _, _, ok := e.DataExtent("branches"); ok {
		t.Error("a source without time has an extent")
	}
	if _, _, ok := e.MetricExtent("no_such_metric"); ok {
		t.Error("an unknown metric has an extent")
	}
}

const eventsModel = `
name: events
time_zone: Asia/Shanghai
sources:
  - name: events
    time: {column: day, grain: day, default_range: 2024-01-01/2024-03-31, as_of: latest}
    measures:
      - {name: n, agg: count}
  - name: fixed
    table: events
    time: {column: day, grain: day, default_range: last_quarter, as_of: 2024-02-10}
    measures:
      - {name: m, agg: count}
  - name: clock
    table: events
    time: {column: day, grain: day}
    measures:
      - {name: c, agg: count}
metrics:
  - {name: event_count, measure: n, owner: x, description: events}
  - {name: fixed_count, measure: m, owner: x, description: events as of a fixed date}
  - {name: clock_count, measure: c, owner: x, description: events by the server's clock}
`

func eventsEngine(t *testing.T) (*metrics.Engine, *warehouse.DB) {
	t.Helper()
	db := warehousetest.MustOpen(t)
	exec(t, db, `CREATE TABLE events AS SELECT DATE '2024-01-05' + CAST(i AS INTEGER) AS day FROM range(60) t(i)`)
	cat := metricstest.Catalog(t, db, "events.yaml", []byte(eventsModel))
	e, err := metrics.NewEngine(db, cat, metrics.EngineConfig{Now: warehousetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	return e, db
}

func exec(t *testing.T, db *warehouse.DB, stmt string) {
	t.Helper()
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), stmt)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A load changes the data version, and the extent follows it.
func TestDataExtentFollowsLoads(t *testing.T) {
	e, db := eventsEngine(t)
	check := func(wantFirst, wantLast string) {
		t.Helper()
		first, last, ok := e.DataExtent("events")
		if !ok || first.Format("2006-01-02") != wantFirst || last.Format("2006-01-02") != wantLast {
			t.Fatalf("extent %s..%s (%v), want %s..%s", first.Format("2006-01-02"), last.Format("2006-01-02"), ok, wantFirst, wantLast)
		}
		if first.Location().String() != "Asia/Shanghai" {
			t.Errorf("extent in %s, want the model's zone", first.Location())
		}
	}
	want := warehousetest.Rows(t, db, "SELECT min(day), max(day) FROM events")[0]
	check(want[0].(string), want[1].(string))
	exec(t, db, `INSERT INTO events VALUES (DATE '2024-06-30')`)
	check(want[0].(string), "2024-06-30")
}

// as_of fixes "today" for relative ranges; default_range is published and
// read back as a query's time.
func TestAsOfAndDefaultRange(t *testing.T) {
	e, db := eventsEngine(t)
	ctx := context.Background()
	last := warehousetest.Rows(t, db, "SELECT max(day) FROM events")[0][0].(string) // 2024-03-04
	for _, tc := range []struct {
		metric, rng, start, end string
	}{
		// as_of: latest: "this month" is the month of the last date in the data.
		{"event_count", "this_month", last[:7] + "-01", "2024-03-31"},
		{"event_count", "last_month", "2024-02-01", "2024-02-29"},
		// as_of: 2024-02-10.
		{"fixed_count", "last_month", "2024-01-01", "2024-01-31"},
	} {
		res, err := e.Run(ctx, metrics.Query{Metrics: []string{tc.metric}, Time: &metrics.TimeSpec{Range: tc.rng}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Time.Start != tc.start || res.Time.End != tc.end {
			t.Errorf("%s %s: %s..%s, want %s..%s", tc.metric, tc.rng, res.Time.Start, res.Time.End, tc.start, tc.end)
		}
		hand := warehousetest.Rows(t, db, "SELECT count(*) FROM events WHERE day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)", tc.start, tc.end)[0][0]
		if got := warehousetest.Normalize(res.Rows[0][0]); got != hand {
			t.Errorf("%s %s: %v, hand SQL %v", tc.metric, tc.rng, got, hand)
		}
	}
	asOf, ok := e.AsOf("event_count")
	if !ok || asOf.Format("2006-01-02") != last {
		t.Errorf("as of %v (%v), want %s", asOf, ok, last)
	}
	cat := e.Catalog()
	if ts, ok := cat.DefaultTime("event_count"); !ok || ts != (metrics.TimeSpec{Start: "2024-01-01", End: "2024-03-31"}) {
		t.Errorf("default time %+v (%v)", ts, ok)
	}
	if ts, ok := cat.DefaultTime("fixed_count"); !ok || ts != (metrics.TimeSpec{Range: "last_quarter"}) {
		t.Errorf("default time %+v (%v)", ts, ok)
	}
	m, _ := cat.Metric("fixed_count")
	if d := cat.Definition(m); d.DefaultRange != "last_quarter" || d.AsOf != "2024-02-10" {
		t.Errorf("definition publishes default_range %q, as_of %q", d.DefaultRange, d.AsOf)
	}
	// The demo model sets neither: the clock rules.
	if _, ok := demoEngine(t).AsOf("churn_rate"); ok {
		t.Error("the demo model has no as_of")
	}
	_ = time.UTC
}
