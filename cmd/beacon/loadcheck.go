package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

func load(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	dbPath := fs.String("db", env("BEACON_DB", "data/beacon.duckdb"), "DuckDB file to load into")
	table := fs.String("table", "", "table to create or replace (required)")
	appendRows := fs.Bool("append", false, "append to the table instead of replacing it; rows in periods already loaded are refused")
	replaceParts := fs.Bool("replace-partitions", false, "with --append, replace the periods (months, days) the file holds instead of refusing them")
	format := fs.String("format", "", "csv or parquet (default: by file extension)")
	modelPath := fs.String("model", env("BEACON_MODEL", ""), "semantic model whose data checks the rows must pass (default: the embedded demo bank model)")
	noChecks := fs.Bool("no-checks", false, "load without running the model's data checks")
	var ef engineFlags
	ef.register(fs, true)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := ef.check(); err != nil {
		return err
	}
	if ef.all && ef.engine == "clickhouse" && fs.NArg() == 0 {
		db, err := openDB(ctx, *dbPath)
		if err != nil {
			return err
		}
		defer db.Close()
		return ef.copyToClickHouse(ctx, db, nil)
	}
	if *table == "" || fs.NArg() != 1 {
		return errors.New("usage: beacon load --table NAME [--append] [--model MODEL.yaml] [--engine clickhouse --clickhouse-dsn DSN] FILE.csv|FILE.parquet, or beacon load --engine clickhouse --clickhouse-dsn DSN --all")
	}
	var checks []warehouse.DataCheck
	if !*noChecks {
		var err error
		if checks, err = modelChecks(*modelPath, *table); err != nil {
			return err
		}
		if len(checks) > 0 {
			fmt.Fprintf(os.Stderr, "checking %d rule(s) of the model on %s\n", len(checks), *table)
		}
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	var built []metrics.RollupBuild
	part, after := loadHooks(ctx, db, *modelPath, *table, &built)
	st, err := db.Load(ctx, warehouse.LoadOptions{Table: *table, Path: fs.Arg(0), Format: *format, Append: *appendRows,
		Checks: checks, Progress: progressPrinter(os.Stderr), Partitioning: part, ReplacePartitions: *replaceParts, AfterLoad: after})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "loaded %d rows into %s in %s\n", st.Rows, st.Table, st.Elapsed.Round(time.Millisecond))
	for _, b := range built {
		what := "rebuilt"
		if len(b.Periods) > 0 {
			what = fmt.Sprintf("refreshed %d period(s) of", len(b.Periods))
		}
		fmt.Fprintf(os.Stderr, "%s rollup %s (%d rows)\n", what, b.Name, b.Rows)
	}
	return ef.copyToClickHouse(ctx, db, []string{st.Table})
}

// modelChecks reads the data checks on table from the model at path, or
// from the embedded demo model (the one serve uses) when path is empty.
// The model is parsed, not validated: the table may not exist yet.
func modelChecks(path, table string) ([]warehouse.DataCheck, error) {
	m, err := readModel(path)
	if err != nil {
		return nil, err
	}
	return m.DataChecks(table)
}

func check(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	dbPath := fs.String("db", env("BEACON_DB", "data/beacon.duckdb"), "DuckDB file whose tables the model must match")
	noData := fs.Bool("no-data", false, "validate the model only, without running its data checks on the tables")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: beacon check [--db FILE] [--no-data] MODEL.yaml")
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("database %s: %w (generate or load data first, or pass --db)", *dbPath, err)
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	cat, err := loadCatalog(ctx, db, fs.Arg(0))
	if err != nil {
		return err
	}
	for _, w := range cat.Model.Warnings() {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	fmt.Printf("%s: ok, %d metrics, %d dimensions\n", fs.Arg(0), len(cat.Names()), len(cat.DimensionNames()))
	if *noData {
		return nil
	}
	return checkData(ctx, os.Stdout, db, cat)
}

// checkData runs the model's data checks on the tables already loaded and
// reports each breach; any breach is an error, so CI can run it.
func checkData(ctx context.Context, w io.Writer, db *warehouse.DB, cat *metrics.Catalog) error {
	const examples = 5
	rules, failed := 0, 0
	for _, table := range cat.Tables() {
		checks := cat.DataChecks(table)
		rules += len(checks)
		results, err := db.Check(ctx, table, checks, examples)
		if err != nil {
			return err
		}
		for _, r := range results {
			failed++
			vals := make([]string, len(r.Breaches))
			for i, b := range r.Breaches {
				vals[i] = strconv.Quote(b.Value)
				if b.Null {
					vals[i] = "empty"
				}
			}
			more := ""
			if r.Count > int64(len(r.Breaches)) {
				more = ", …"
			}
			fmt.Fprintf(w, "%s.%s: %d row(s) break %s: %s; e.g. %s%s\n", table, r.Check.Column, r.Count, r.Check.Rule,
				r.Check.Describe(), strings.Join(vals, ", "), more)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d data check(s) failed on the loaded data", failed, rules)
	}
	fmt.Fprintf(w, "data: %d check(s) passed\n", rules)
	return nil
}
