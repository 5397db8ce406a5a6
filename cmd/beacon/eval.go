package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/warehouse"
)

// evalCmd runs ChatBI question sets through the offline planner and fails
// when execution accuracy or silent wrong answers miss their thresholds.
func evalCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	examples := fs.String("examples", "examples", "folder holding bankchurners/ (data and model)")
	customers := fs.Int("customers", 20_000, "customers in the demo bank the demo_bank set runs on")
	minAccuracy := fs.Float64("min-accuracy", 95, "lowest execution accuracy per language, in percent")
	minRefusals := fs.Float64("min-out-of-scope", 95, "lowest share of out-of-scope questions refused or clarified, in percent")
	verbose := fs.Bool("v", false, "print every miss")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("usage: beacon eval [flags] SET.yaml...")
	}
	var failures []string
	for _, path := range fs.Args() {
		set, err := queries.ReadEvalSet(path)
		if err != nil {
			return err
		}
		engine, db, err := evalEngine(ctx, set, *examples, *customers)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rep, err := queries.Evaluate(ctx, set, engine, queries.NewOffline(engine.Catalog(), engine.Now).WithDataTime(engine), db.Rows)
		db.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rep.Print(os.Stdout, filepath.Base(path), *verbose)
		for _, s := range rep.Stats() {
			if s.Questions > 0 && 100*float64(s.Correct)/float64(s.Questions) < *minAccuracy {
				failures = append(failures, fmt.Sprintf("%s %s: execution accuracy %d/%d is below %.0f%%", path, s.Lang, s.Correct, s.Questions, *minAccuracy))
			}
			if s.OutOfScope > 0 && 100*float64(s.OutOfScopeHandled)/float64(s.OutOfScope) < *minRefusals {
				failures = append(failures, fmt.Sprintf("%s %s: out-of-scope handled %d/%d is below %.0f%%", path, s.Lang, s.OutOfScopeHandled, s.OutOfScope, *minRefusals))
			}
			if s.SilentWrong > 0 {
				failures = append(failures, fmt.Sprintf("%s %s: %d silent wrong answers", path, s.Lang, s.SilentWrong))
			}
		}
	}
	if len(failures) > 0 {
		for _, f := range failures {
			fmt.Fprintln(os.Stderr, "FAIL", f)
		}
		return errors.New("evaluation below thresholds")
	}
	return nil
}

// loadDataset loads every CSV of dir into a table named after the file.
func loadDataset(ctx context.Context, db *warehouse.DB, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("dataset %s holds no CSV file", dir)
	}
	for _, f := range files {
		table := strings.TrimSuffix(filepath.Base(f), ".csv")
		if _, err := db.Load(ctx, warehouse.LoadOptions{Table: table, Path: f}); err != nil {
			return fmt.Errorf("load %s: %w", f, err)
		}
	}
	return nil
}

// evalEngine builds the data and engine an evaluation set names.
func evalEngine(ctx context.Context, set *queries.EvalSet, examples string, customers int) (*metrics.Engine, *warehouse.DB, error) {
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		return nil, nil, err
	}
	modelPath := ""
	switch {
	case set.Dataset != "":
		if err := loadDataset(ctx, db, set.DatasetDir()); err != nil {
			db.Close()
			return nil, nil, err
		}
		modelPath = filepath.Join(set.DatasetDir(), "model.yaml")
	case set.Model == "demo_bank":
		asOf, err := time.Parse("2006-01-02", set.Today)
		if err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("today: %w", err)
		}
		if _, err := warehouse.Generate(ctx, db, warehouse.GenerateOptions{Customers: customers, Months: 36, Seed: 42, AsOf: asOf, Transactions: false}); err != nil {
			db.Close()
			return nil, nil, err
		}
		if err := scoreEvalBank(ctx, db, set, asOf); err != nil {
			db.Close()
			return nil, nil, err
		}
	case set.Model == "bankchurners":
		dir := filepath.Join(examples, "bankchurners")
		if _, err := db.Load(ctx, warehouse.LoadOptions{Table: "bank_churners", Path: filepath.Join(dir, "BankChurners.csv")}); err != nil {
			db.Close()
			return nil, nil, err
		}
		modelPath = filepath.Join(dir, "model.yaml")
	default:
		db.Close()
		return nil, nil, fmt.Errorf("unknown model %q: use demo_bank or bankchurners", set.Model)
	}
	cat, err := loadCatalog(ctx, db, modelPath)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	now, err := set.Now(cat.Location)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	engine, err := metrics.NewEngine(db, cat, metrics.EngineConfig{Now: func() time.Time { return now }})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return engine, db, nil
}
