package metrics_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// Appending a month rewrites only that month's rollup periods and drops
// only the cached answers that read the appended table; a file holding a
// month already loaded is refused, or replaces it when asked.
func TestAppendMonthRefreshesOnlyItsPartitions(t *testing.T) {
	ctx := context.Background()
	db, err := warehousetest.OpenDemo(1500, 24)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cat := metricstest.DemoCatalog(t, db)
	if _, err := metrics.BuildRollups(ctx, db, cat, nil); err != nil {
		t.Fatal(err)
	}
	e := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	if _, err := e.RefreshRollupState(ctx); err != nil {
		t.Fatal(err)
	}
	var last time.Time
	if err := db.Read(ctx, func(c *sql.Conn) error {
		return c.QueryRowContext(ctx, "SELECT max(month) FROM customer_months").Scan(&last)
	}); err != nil {
		t.Fatal(err)
	}
	next := last.AddDate(0, 1, 0)
	old := last.AddDate(0, -6, 0)

	// The new month's file: the last month again, a month later.
	file := filepath.Join(t.TempDir(), "month.csv")
	if err := db.WriteState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`COPY (SELECT * REPLACE (CAST(month + INTERVAL 1 MONTH AS DATE) AS month)
			FROM customer_months WHERE month = DATE '%s') TO '%s' (HEADER)`, last.Format(time.DateOnly), file))
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// A mark in an old period of the rollup: a refresh of only the new
	// month leaves it; a rebuild would wipe it.
	const mark = -999
	if err := db.WriteState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE beacon_rollup_segment_month SET customer_months__complaint_count = $1
			WHERE period = $2 AND segment = '退休'`, mark, old)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	months := metrics.Query{Metrics: []string{"churn_rate", "complaints"}, Dimensions: []string{"segment"},
		Time: &metrics.TimeSpec{Grain: "month", Start: old.Format(time.DateOnly), End: next.AddDate(0, 1, -1).Format(time.DateOnly)}}
	renewals := metrics.Query{Metrics: []string{"renewal_rate"}, Time: &metrics.TimeSpec{Grain: "quarter", Range: "last_4_quarters"}}
	for _, q := range []metrics.Query{months, renewals} {
		if _, err := e.Run(ctx, q, nil); err != nil {
			t.Fatal(err)
		}
	}
	before := e.CachedEntries()

	load := func(replace bool) ([]metrics.RollupBuild, warehouse.LoadStats, error) {
		var built []metrics.RollupBuild
		col, grain, _ := cat.TimePartitioning("customer_months")
		st, err := db.Load(ctx, warehouse.LoadOptions{Table: "customer_months", Path: file, Append: true,
			Partitioning: &warehouse.Partitioning{Column: col, Grain: grain}, ReplacePartitions: replace, AfterLoad: cat.AfterLoadHook(&built)})
		if err == nil {
			err = e.Loaded(ctx, "customer_months")
		}
		return built, st, err
	}
	built, st, err := load(false)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Partitions) != 1 || !st.Partitions[0].Equal(next) {
		t.Fatalf("append wrote partitions %v, want %s", st.Partitions, next)
	}
	var names []string
	for _, b := range built {
		names = append(names, b.Name)
		if !slices.Equal(b.Periods, []string{next.Format(time.DateOnly)}) {
			t.Errorf("rollup %s refreshed %v, want only %s", b.Name, b.Periods, next.Format(time.DateOnly))
		}
	}
	slices.Sort(names)
	if want := []string{"bank_month", "branch_segment_month", "segment_month"}; !slices.Equal(names, want) {
		t.Fatalf("refreshed rollups %v, want %v (those over customer_months)", names, want)
	}
	marked := warehousetest.Rows(t, db, `SELECT customer_months__complaint_count FROM beacon_rollup_segment_month WHERE period = $1 AND segment = '退休'`, old)
	if len(marked) != 1 || warehousetest.Normalize(marked[0][0]) != float64(mark) {
		t.Fatalf("an old period was rewritten: %v", marked)
	}

	// Only the answer over customer_months left the cache.
	if got := e.CachedEntries(); got != before-1 {
		t.Fatalf("cache holds %d answers after the append, want %d (one dropped)", got, before-1)
	}
	r, err := e.Run(ctx, renewals, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Cached {
		t.Errorf("the renewals answer (contracts only) was dropped by a load of customer_months")
	}

	// The new month from the rollup equals the base tables'.
	newMonth := metrics.Query{Metrics: []string{"churn_rate", "aum", "customers"}, Dimensions: []string{"segment"},
		Time: &metrics.TimeSpec{Grain: "month", Start: next.Format(time.DateOnly), End: next.AddDate(0, 1, -1).Format(time.DateOnly)}}
	checkAgainstBase := func() {
		t.Helper()
		got, err := e.Run(ctx, newMonth, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.ServedFrom != metrics.ServedRollup || got.Cached {
			t.Fatalf("new month served from %s (cached %v), want a fresh rollup answer", got.ServedFrom, got.Cached)
		}
		e.DisableRollups()
		base, err := e.Run(ctx, newMonth, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.RefreshRollupState(ctx); err != nil {
			t.Fatal(err)
		}
		if len(base.Rows) != 6 {
			t.Fatalf("new month has %d segment rows, want 6", len(base.Rows))
		}
		if err := sameRows(got, base); err != nil {
			t.Fatal(err)
		}
	}
	checkAgainstBase()

	// The same month again is refused, and nothing changes.
	count := func() any {
		return warehousetest.Normalize(warehousetest.Rows(t, db, "SELECT count(*) FROM customer_months")[0][0])
	}
	n := count()
	_, _, err = load(false)
	var overlap *warehouse.OverlapError
	if !errors.As(err, &overlap) || len(overlap.Partitions) != 1 || !overlap.Partitions[0].Equal(next) {
		t.Fatalf("loading %s twice: %v, want an overlap refusal naming it", next.Format("2006-01"), err)
	}
	if count() != n {
		t.Fatalf("a refused append changed the table: %v rows, was %v", count(), n)
	}
	// With replace the month is replaced, not doubled.
	if _, _, err := load(true); err != nil {
		t.Fatal(err)
	}
	if count() != n {
		t.Fatalf("replacing a month left %v rows, want %v", count(), n)
	}
	checkAgainstBase()
}
