package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
)

func bench(ctx context.Context, args []string, log *slog.Logger) error {
	if len(args) > 0 && args[0] == "burst" {
		return burst(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "rollups" {
		return benchRollups(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "shapes" {
		return benchShapes(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "load" {
		return benchLoad(ctx, args[1:])
	}
	if len(args) > 0 && args[0] == "risk" {
		return benchRisk(ctx, args[1:], os.Stdout)
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	dbPath := fs.String("db", "data/bench.duckdb", "DuckDB file of the bench bank (generated when missing or different)")
	iterations := fs.Int("iterations", 50, "timed runs per query and path")
	clients := fs.Int("clients", 32, "concurrent clients for the throughput run")
	duration := fs.Duration("duration", 5*time.Second, "length of the throughput run")
	var o demoOptions
	o.register(fs, 1_000_000)
	fs.Lookup("months").DefValue = "36"
	o.months = 36
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	opts, err := o.generateOptions(time.Now())
	if err != nil {
		return err
	}
	have, _, err := db.Meta(ctx, "demo.customers")
	if err != nil {
		return err
	}
	months, _, _ := db.Meta(ctx, "demo.months")
	if have != fmt.Sprint(opts.Customers) || months != fmt.Sprint(opts.Months) {
		fmt.Printf("generating a bench bank of %d customers x %d months into %s\n", opts.Customers, opts.Months, *dbPath)
		st, err := warehouse.Generate(ctx, db, opts)
		if err != nil {
			return err
		}
		fmt.Printf("generation: %s (%d customer-months)\n", st.Elapsed.Round(time.Millisecond), st.CustomerMonths)
	}
	if _, err := prepareRiskScores(ctx, db); err != nil { // a bank older than the risk tables
		return err
	}
	cat, err := loadCatalog(ctx, db, "")
	if err != nil {
		return err
	}
	have, _, _ = db.Meta(ctx, "demo.customers")
	months, _, _ = db.Meta(ctx, "demo.months")
	asOf, _, _ := db.Meta(ctx, "demo.as_of")
	now := time.Now
	if t, err := time.Parse("2006-01-02", asOf); err == nil {
		now = func() time.Time { return t.Add(12 * time.Hour) }
	}
	fmt.Printf("bench bank: %s customers x %s months, as of %s\n", have, months, asOf)
	return server.Bench(ctx, server.BenchConfig{DB: db, Catalog: cat, Now: now, Iterations: *iterations,
		Clients: *clients, Duration: *duration, Out: os.Stdout})
}
