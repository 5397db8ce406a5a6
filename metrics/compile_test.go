package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestClientValuesAreBoundNeverWritten(t *testing.T) {
	e := demoEngine(t)
	evil := "x'); DROP TABLE customers; --"
	comp, err := e.Compile(metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"},
		Filters: []metrics.Filter{{Dimension: "branch", Op: "eq", Value: evil}, {Dimension: "segment", Op: "contains", Value: evil}}}, metrics.Scope{"region": {evil}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(comp.SQL, "DROP") {
		t.Fatalf("a client value reached the SQL text:\n%s", comp.SQL)
	}
	res, err := e.Run(context.Background(), metrics.Query{Metrics: []string{"churn_rate"}, Filters: []metrics.Filter{{Dimension: "branch", Op: "eq", Value: evil}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := res.Rows[0][0]; v != nil {
		t.Fatalf("no branch has that name, yet churn_rate is %v", v)
	}
	if n := warehousetest.Rows(t, bank, "SELECT count(*) FROM customers")[0][0]; n != float64(20_000) {
		t.Fatalf("customers has %v rows after the attempt", n)
	}
}

func TestQueryErrorsNameTheField(t *testing.T) {
	e := demoEngine(t)
	cases := []struct {
		name  string
		q     metrics.Query
		field string
	}{
		{"no metric", metrics.Query{}, "metrics"},
		{"unknown metric", metrics.Query{Metrics: []string{"churn_rat"}}, "metrics[0]"},
		{"unknown dimension", metrics.Query{Metrics: []string{"aum"}, Dimensions: []string{"segmnt"}}, "dimensions[0]"},
		{"unknown op", metrics.Query{Metrics: []string{"aum"}, Filters: []metrics.Filter{{Dimension: "segment", Op: "like", Value: "x"}}}, "filters[0].op"},
		{"number for a text dimension", metrics.Query{Metrics: []string{"aum"}, Filters: []metrics.Filter{{Dimension: "segment", Op: "eq", Value: 3.0}}}, "filters[0].value"},
		{"in without values", metrics.Query{Metrics: []string{"aum"}, Filters: []metrics.Filter{{Dimension: "segment", Op: "in", Value: "x"}}}, "filters[0].values"},
		{"between with one value", metrics.Query{Metrics: []string{"aum"}, Filters: []metrics.Filter{{Dimension: "segment", Op: "between", Values: []any{"a"}}}}, "filters[0].values"},
		{"unknown grain", metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Grain: "fortnight"}}, "time.grain"},
		{"grain finer than the data", metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Grain: "day", Range: "last_month"}}, "time.grain"},
		{"impossible date", metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Start: "2025-02-30", End: "2025-03-31"}}, "time.start"},
		{"end before start", metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Start: "2025-03-01", End: "2025-01-31"}}, "time.end"},
		{"unknown range", metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Range: "next_month"}}, "time.range"},
		{"unknown zone", metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Range: "last_month", TimeZone: "Mars/Olympus"}}, "time.time_zone"},
		{"compare without range", metrics.Query{Metrics: []string{"aum"}, Compare: "previous_period"}, "compare"},
		{"unknown compare", metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Range: "last_month"}, Compare: "last_week"}, "compare"},
		{"order by a missing column", metrics.Query{Metrics: []string{"aum"}, Order: []metrics.Order{{By: "churn_rate"}}}, "order[0].by"},
		{"limit too large", metrics.Query{Metrics: []string{"aum"}, Limit: 1_000_000_000}, "limit"},
		{"negative limit", metrics.Query{Metrics: []string{"aum"}, Limit: -1}, "limit"},
		{"a comparison window inside a month on monthly data", metrics.Query{Metrics: []string{"churn_rate"}, Time: &metrics.TimeSpec{Start: "2026-06-01", End: "2026-06-28"}, Compare: "previous_period"}, "time"},
		{"a week on monthly data", metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Range: "this_week"}}, "time"},
		{"dimension out of the metric's reach", metrics.Query{Metrics: []string{"renewal_rate"}, Dimensions: []string{"action_type"}}, "dimensions[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Run(context.Background(), tc.q, nil)
			var be *beacon.Error
			if !asError(err, &be) || be.Code != beacon.EINVALID {
				t.Fatalf("got %v, want an invalid-request error", err)
			}
			if be.Field != tc.field {
				t.Fatalf("field: got %q, want %q (%v)", be.Field, tc.field, err)
			}
		})
	}
}

func asError(err error, target **beacon.Error) bool { return errors.As(err, target) }

func TestResultCacheIsDroppedWhenDataChanges(t *testing.T) {
	db, err := warehousetest.OpenDemo(500, 6)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	q := metrics.Query{Metrics: []string{"customers"}}
	first, _ := e.Run(context.Background(), q, nil)
	second, _ := e.Run(context.Background(), q, nil)
	if first.Cached || !second.Cached {
		t.Fatalf("cached: first %v, second %v; want false, true", first.Cached, second.Cached)
	}
	if err := db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec("DELETE FROM customer_months WHERE customer_id = (SELECT min(customer_id) FROM customer_months)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	third, _ := e.Run(context.Background(), q, nil)
	if third.Cached || third.Rows[0][0] == first.Rows[0][0] {
		t.Fatalf("after a write: cached %v, customers %v (was %v); want a fresh, smaller count", third.Cached, third.Rows[0][0], first.Rows[0][0])
	}
}

func BenchmarkCompile(b *testing.B) {
	e := demoEngine(b)
	q := metrics.Query{Metrics: []string{"churn_rate", "aum"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "this_year"}, Compare: "previous_period"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Compile(q, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// Two spellings of one window share a cache entry; each answer must still
// echo its own range and zone.
func TestCachedResultEchoesItsOwnTime(t *testing.T) {
	e := demoEngine(t)
	a, err := e.Run(context.Background(), metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Range: "last_month"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Run(context.Background(), metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Range: "2026-10", TimeZone: "Asia/Shanghai"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Cached || b.Time.Range != "2026-10" || a.Time.Range != "last_month" {
		t.Fatalf("second answer cached=%v range=%q; want a cached answer echoing 2026-10", b.Cached, b.Time.Range)
	}
}

// Weeks compared with the same weeks last year line up Monday to Monday.
func TestWeeklyYearOverYearLinesUp(t *testing.T) {
	res, err := demoEngine(t).Run(context.Background(), metrics.Query{Metrics: []string{"retention_actions"},
		Time: &metrics.TimeSpec{Grain: "week", Range: "last_8_weeks"}, Compare: "same_period_last_year"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{}
	for _, r := range warehousetest.Rows(t, bank, `SELECT strftime(CAST(date_trunc('week', action_date) AS DATE) + INTERVAL 364 DAY, '%Y-%m-%d'), count(*)
		FROM retention_actions GROUP BY 1`) {
		want[r[0].(string)] = r[1].(float64)
	}
	for _, row := range res.Rows {
		got, _ := row[2].(int64)
		if w := want[row[0].(string)]; float64(got) != w {
			t.Errorf("week %v: previous %v, want %v", row[0], row[2], w)
		}
	}
}

func TestExpressionDimensionsAreTyped(t *testing.T) {
	model := []byte(`name: t
sources:
  - name: customer_months
    time: {column: month, grain: month}
    dimensions:
      - {name: bucket, expr: customer_id % 10}
    measures:
      - {name: rows, agg: count}
metrics:
  - {name: rows, type: simple, measure: rows, owner: x, description: y}
`)
	m, err := metrics.ParseModel("t.yaml", model)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := metrics.NewCatalog(context.Background(), m, bank)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := metrics.NewEngine(bank, cat, metrics.EngineConfig{Now: warehousetest.Now})
	_, err = e.Run(context.Background(), metrics.Query{Metrics: []string{"rows"}, Filters: []metrics.Filter{{Dimension: "bucket", Op: "eq", Value: "abc"}}}, nil)
	var be *beacon.Error
	if !errors.As(err, &be) || be.Code != beacon.EINVALID || be.Field != "filters[0].value" {
		t.Fatalf("text for a numeric expression dimension: got %v, want an invalid filters[0].value", err)
	}
	res, err := e.Run(context.Background(), metrics.Query{Metrics: []string{"rows"}, Filters: []metrics.Filter{{Dimension: "bucket", Op: "eq", Value: 3.0}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := warehousetest.Rows(t, bank, "SELECT count(*) FROM customer_months WHERE customer_id % 10 = 3")[0][0]
	if got := warehousetest.Normalize(res.Rows[0][0]); got != want {
		t.Fatalf("rows in bucket 3: got %v, want %v", got, want)
	}
}

// Windows over metrics from several sources see one period column.
func TestShareAndCumulativeWithSeveralSources(t *testing.T) {
	e := demoEngine(t)
	for _, q := range []metrics.Query{
		{Metrics: []string{"segment_contribution", "renewal_rate"}, Time: &metrics.TimeSpec{Range: "last_3_months", Grain: "month"}},
		{Metrics: []string{"cumulative_churned_customers", "renewal_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_3_months", Grain: "month"}},
	} {
		res, err := e.Run(context.Background(), q, nil)
		if err != nil {
			t.Fatalf("%v: %v", q.Metrics, err)
		}
		if len(res.Rows) == 0 {
			t.Fatalf("%v: no rows", q.Metrics)
		}
	}
	// The running total still matches hand SQL when another source rides along.
	res, _ := e.Run(context.Background(), metrics.Query{Metrics: []string{"cumulative_churned_customers", "renewal_rate"},
		Time: &metrics.TimeSpec{Range: "last_3_months", Grain: "month"}}, nil)
	want := warehousetest.Rows(t, bank, `SELECT sum(count(*) FILTER (WHERE churned)) OVER (ORDER BY month) FROM customer_months
		WHERE month BETWEEN DATE '2026-08-01' AND DATE '2026-10-01' GROUP BY month ORDER BY month`)
	for i, w := range want {
		if got := warehousetest.Normalize(res.Rows[i][1]); got != w[0] {
			t.Errorf("month %v: running total %v, want %v", res.Rows[i][0], got, w[0])
		}
	}
}
