package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// rollupsCmd is `beacon rollups build [--db FILE] [--model MODEL] [NAME...]`:
// it builds the model's rollups (all, or those named) whole, each into a
// new table that replaces the old one atomically.
func rollupsCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "build" {
		return errors.New("usage: beacon rollups build [--db FILE] [--model MODEL.yaml] [NAME...]")
	}
	fs := flag.NewFlagSet("rollups build", flag.ContinueOnError)
	dbPath := fs.String("db", env("BEACON_DB", "data/beacon.duckdb"), "DuckDB file")
	modelPath := fs.String("model", env("BEACON_MODEL", ""), "semantic model declaring the rollups (default: the embedded demo bank model)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	cat, err := loadCatalog(ctx, db, *modelPath)
	if err != nil {
		return err
	}
	if len(cat.Rollups()) == 0 {
		return fmt.Errorf("the model declares no rollups (see docs/semantic-model.md, rollups:)")
	}
	start := time.Now()
	built, err := metrics.BuildRollups(ctx, db, cat, fs.Args())
	for _, b := range built {
		fmt.Fprintf(os.Stderr, "built rollup %s: %d rows in %s\n", b.Name, b.Rows, b.Elapsed.Round(time.Millisecond))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "built %d rollup(s) in %s\n", len(built), time.Since(start).Round(time.Millisecond))
	return nil
}

// startRollups builds, at start-up, the rollups that are not built or
// not current (after a generate, a model change, or a load by a model
// without them), then lets the engine route to them.
func startRollups(ctx context.Context, db *warehouse.DB, engine *metrics.Engine, log *slog.Logger) error {
	cat := engine.Catalog()
	if len(cat.Rollups()) == 0 {
		return nil
	}
	ready, err := cat.RollupsReady(ctx, db)
	if err != nil {
		return err
	}
	var stale []string
	for _, n := range cat.Rollups() {
		if _, ok := ready[n]; !ok {
			stale = append(stale, n)
		}
	}
	if len(stale) > 0 {
		start := time.Now()
		if _, err := metrics.BuildRollups(ctx, db, cat, stale); err != nil {
			return err
		}
		log.Info("rollups built", "rollups", stale, "ms", time.Since(start).Milliseconds())
	}
	_, err = engine.RefreshRollupState(ctx)
	return err
}

// loadHooks are the model-derived options of a load: the table's time
// partitions (for the overlap check of appends) and the refresh of the
// rollups reading it. A model that does not validate against the
// database (a first load of its tables) gives none: rollups reading the
// table are then unused until rebuilt.
func loadHooks(ctx context.Context, db *warehouse.DB, modelPath, table string, built *[]metrics.RollupBuild) (*warehouse.Partitioning, warehouse.AfterLoad) {
	m, err := readModel(modelPath)
	if err != nil {
		return nil, nil
	}
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		return nil, nil
	}
	var part *warehouse.Partitioning
	if col, grain, ok := cat.TimePartitioning(table); ok {
		part = &warehouse.Partitioning{Column: col, Grain: grain}
	}
	return part, cat.AfterLoadHook(built)
}
