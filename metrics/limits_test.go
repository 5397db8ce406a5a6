package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
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

// A statement DuckDB cannot stop at once (ten-fold concatenation nested
// nine deep, 2 GB built while it is planned) is answered with a timeout
// at its deadline and left to end on its own; the engine counts it until
// it has ended.
func TestStatementsThatCannotStopAreAnsweredAndCounted(t *testing.T) {
	// A bank of its own, since DuckDB's memory limit is database-wide: the
	// statement ends when it reaches it.
	db, err := warehousetest.OpenDemo(100, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec("SET memory_limit = '512MB'")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e := metricstest.DemoEngine(t, db, metrics.EngineConfig{QueryTimeout: 2 * time.Second, CacheEntries: -1})
	v := "'xx'"
	for range 9 {
		v = "(SELECT " + strings.Repeat("s||", 9) + "s AS s FROM (SELECT " + v + " AS s))"
	}
	// As the SQL guard runs it: DuckDB's parse turned back into text.
	parsed, err := e.ParseSQL(context.Background(), "SELECT length(s) AS n FROM (SELECT "+v+" AS s)")
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := e.DeparseSQL(context.Background(), parsed)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.RunSQL(context.Background(), stmt, 10)
	var be *beacon.Error
	if !errors.As(err, &be) || be.Code != beacon.ETIMEOUT {
		t.Fatalf("got %v, want a timeout", err)
	}
	overdue := e.Overdue()
	if overdue > 0 {
		// While it ends, free SQL is refused as busy, but governed queries run.
		_, err := e.RunSQL(context.Background(), "SELECT 1 AS n", 10)
		if !errors.As(err, &be) || be.Code != beacon.EBUSY {
			if e.Overdue() > 0 {
				t.Errorf("free SQL while a stopped statement ends: got %v, want busy", err)
			}
		}
		if _, err := e.Run(context.Background(), metrics.Query{Metrics: []string{"customers"}}, nil); err != nil {
			t.Errorf("a governed query while a stopped statement ends: %v", err)
		}
	}
	for i := 0; e.Overdue() > 0 && i < 600; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if n := e.Overdue(); n != 0 {
		t.Fatalf("%d statements still counted as ending a minute after their deadline", n)
	}
	t.Logf("overdue right after the answer: %d", overdue)
	res, err := e.RunSQL(context.Background(), "SELECT 42 AS n", 10)
	if err != nil || len(res.Rows) != 1 {
		t.Fatalf("a statement afterwards: %v", err)
	}
}
