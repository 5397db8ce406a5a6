package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricsbench"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
)

// benchShapes times the SQL compiled for every governed metric shape
// against the best hand-written SQL for the same answer, on a flat user
// table and (with --demo-db) on the demo bank. Each pair is first checked
// to give the same rows, then run interleaved.
func benchShapes(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench shapes", flag.ContinueOnError)
	flatPath := fs.String("flat-db", "data/flat.duckdb", "DuckDB file of the flat table (written when missing or of another size)")
	customers := fs.Int("customers", 1_000_000, "customers in the flat table")
	months := fs.Int("months", 36, "months in the flat table")
	demoPath := fs.String("demo-db", "", "DuckDB file of a demo bank (beacon generate) to measure too; empty skips it")
	runs := fs.Int("runs", 9, "timed runs of each side per query")
	only := fs.String("only", "", "measure only cases whose name contains one of these, comma-separated (e.g. churn/quarter,last/none)")
	show := fs.Bool("show", false, "print each case's compiled and hand SQL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *runs < 1 {
		return fmt.Errorf("--runs must be at least 1")
	}
	out := os.Stdout

	flat, err := openDB(ctx, *flatPath)
	if err != nil {
		return err
	}
	defer flat.Close()
	size := fmt.Sprintf("%dx%d", *customers, *months)
	if have, _, _ := flat.Meta(ctx, metricsbench.FlatSizeKey); have != size {
		fmt.Printf("writing customer_month (%s) into %s\n", size, *flatPath)
		if err := metricsbench.CreateFlat(ctx, flat, *customers, *months); err != nil {
			return err
		}
	}
	cat, err := catalogOf(ctx, flat, metricsbench.FlatModelFile, metricsbench.FlatModel)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "flat table customer_month: %d customers x %d months (%d rows), p50 of %d interleaved runs\n", *customers, *months, *customers**months, *runs)
	if err := measureBank(ctx, out, flat, cat, metricsbench.Flat(*months), *only, *runs, *show); err != nil {
		return err
	}
	if *demoPath == "" {
		return nil
	}
	demo, err := openDB(ctx, *demoPath)
	if err != nil {
		return err
	}
	defer demo.Close()
	asOf, _, err := demo.Meta(ctx, "demo.as_of")
	if err != nil || asOf == "" {
		return fmt.Errorf("%s holds no demo bank (beacon generate --db %s)", *demoPath, *demoPath)
	}
	t, err := time.Parse("2006-01-02", asOf)
	if err != nil {
		return fmt.Errorf("demo.as_of %q: %w", asOf, err)
	}
	// Whole months only: from January of the year before the as-of year
	// to the month before the as-of month.
	end := time.Date(t.Year(), t.Month()-1, 1, 0, 0, 0, 0, time.UTC)
	start := time.Date(end.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	dcat, err := catalogOf(ctx, demo, models.DemoBankFile, models.DemoBank)
	if err != nil {
		return err
	}
	c, _, _ := demo.Meta(ctx, "demo.customers")
	fmt.Fprintf(out, "\ndemo bank %s: %s customers, %s to %s\n", *demoPath, c, start.Format("2006-01"), end.Format("2006-01"))
	return measureBank(ctx, out, demo, dcat, metricsbench.Demo(start, end), *only, *runs, *show)
}

func catalogOf(ctx context.Context, db *warehouse.DB, file string, model []byte) (*metrics.Catalog, error) {
	m, err := metrics.ParseModel(file, model)
	if err != nil {
		return nil, err
	}
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		return nil, err
	}
	return cat, cat.LoadValues(ctx, db)
}

func measureBank(ctx context.Context, out io.Writer, db *warehouse.DB, cat *metrics.Catalog, bank metricsbench.Bank, only string, runs int, show bool) error {
	fmt.Fprintf(out, "%-44s %12s %12s %14s %12s %12s %10s\n", "case", "compiled p50", "hand p50", "compiled/hand", "cpu compiled", "cpu hand", "cpu ratio")
	now := time.Now()
	worst, worstCPU := 0.0, 0.0
	for _, c := range bank.Cases() {
		if !matches(c.Name, only) {
			continue
		}
		comp, err := metricsbench.Compile(cat, c, now)
		if err != nil {
			return err
		}
		if show {
			fmt.Fprintf(out, "-- %s compiled %v\n%s\n-- hand\n%s\n", c.Name, comp.Args, comp.SQL, c.Hand)
		}
		got, err := metricsbench.Rows(ctx, db, comp.SQL, comp.Args...)
		if err != nil {
			return fmt.Errorf("%s compiled: %w", c.Name, err)
		}
		want, err := metricsbench.Rows(ctx, db, c.Hand)
		if err != nil {
			return fmt.Errorf("%s hand: %w", c.Name, err)
		}
		if err := metricsbench.Equal(got, want, c.Keys); err != nil {
			return fmt.Errorf("%s: compiled and hand SQL differ: %w", c.Name, err)
		}
		tm, err := metricsbench.Measure(ctx, db, c, comp, runs)
		if err != nil {
			return err
		}
		worst, worstCPU = max(worst, tm.Ratio()), max(worstCPU, tm.CPURatio())
		fmt.Fprintf(out, "%-44s %12s %12s %13.2fx %12s %12s %9.2fx\n", c.Name, round(tm.Compiled), round(tm.Hand), tm.Ratio(),
			round(tm.CompiledCPU), round(tm.HandCPU), tm.CPURatio())
	}
	fmt.Fprintf(out, "worst compiled/hand: %.2fx wall, %.2fx cpu\n", worst, worstCPU)
	return nil
}

// matches reports whether name contains one of the comma-separated parts
// of only (every name matches an empty only).
func matches(name, only string) bool {
	if only == "" {
		return true
	}
	for _, part := range strings.Split(only, ",") {
		if part != "" && strings.Contains(name, part) {
			return true
		}
	}
	return false
}

func round(d time.Duration) time.Duration {
	if d > 10*time.Millisecond {
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
