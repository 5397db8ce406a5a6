package metrics_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// A compiled query is reused only where everything it was compiled from
// is unchanged: another scope, another day, other rollups or another
// model compile anew, and give what compiling afresh gives.
func TestCompiledQueriesAreReusedOnlyWhereUnchanged(t *testing.T) {
	var day atomic.Int64
	clock := func() time.Time { return warehousetest.Now().AddDate(0, 0, int(day.Load())) }
	e := metricstest.DemoEngine(t, bank, metrics.EngineConfig{Now: clock})
	fresh := func(q metrics.Query, scope metrics.Scope) *metrics.Compiled {
		t.Helper()
		c, err := e.Catalog().CompileRouted(metrics.DuckDB{}, q, clock(), scope, e.Limits(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	same := func(what string, got, want *metrics.Compiled) {
		t.Helper()
		if got.SQL != want.SQL || len(got.Args) != len(want.Args) || got.Time.Start != want.Time.Start || got.Time.End != want.Time.End || got.ServedFrom != want.ServedFrom {
			t.Fatalf("%s: reused %s..%s %v from %s, fresh %s..%s %v from %s", what, got.Time.Start, got.Time.End, got.Args, got.ServedFrom,
				want.Time.Start, want.Time.End, want.Args, want.ServedFrom)
		}
		for i := range got.Args {
			if got.Args[i] != want.Args[i] {
				t.Fatalf("%s: parameter %d is %v, fresh %v", what, i, got.Args[i], want.Args[i])
			}
		}
	}
	q := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_3_months"}}
	first, err := e.Compile(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.Compile(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Fatal("the same query compiled twice: not reused")
	}

	scoped := metrics.Scope{"branch": {"B001"}}
	got, err := e.Compile(q, scoped)
	if err != nil {
		t.Fatal(err)
	}
	same("another scope", got, fresh(q, scoped))

	withFilter := q
	withFilter.Filters = []metrics.Filter{{Dimension: "segment", Op: "eq", Value: "退休"}}
	got, err = e.Compile(withFilter, nil)
	if err != nil {
		t.Fatal(err)
	}
	same("a filter added", got, fresh(withFilter, nil))

	day.Store(40) // "last 3 months" moves on
	got, err = e.Compile(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	same("forty days later", got, fresh(q, nil))
	if got.Time.Start == first.Time.Start {
		t.Fatalf("forty days later the range still starts on %s", got.Time.Start)
	}

	e.SetCatalog(metricstest.DemoCatalog(t, bank))
	got, err = e.Compile(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got == first {
		t.Fatal("a new catalog reused the old one's compile")
	}
	same("a new catalog", got, fresh(q, nil))
}

// Turning rollups off and on changes where a compiled query reads from.
func TestCompiledQueriesFollowTheRollupsAvailable(t *testing.T) {
	ctx := context.Background()
	_, e := rollupDemo(t)
	q := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "month", Start: "2025-01-01", End: "2025-12-31"}}
	for _, on := range []bool{true, false, true} {
		want := metrics.ServedBase
		if on {
			want = metrics.ServedRollup
			if _, err := e.RefreshRollupState(ctx); err != nil {
				t.Fatal(err)
			}
		} else {
			e.DisableRollups()
		}
		got, err := e.Compile(q, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.ServedFrom != want {
			t.Fatalf("rollups on %v: served from %s, want %s", on, got.ServedFrom, want)
		}
	}
}
