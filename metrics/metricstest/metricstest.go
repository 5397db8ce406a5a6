// Package metricstest builds the demo bank's catalog and engine over a
// test database, and runs a package's tests over one shared demo bank.
package metricstest

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// Main generates a demo bank of the given size into *bank, runs the tests
// and exits; call it from TestMain. The bank is read-only to the tests.
func Main(m *testing.M, customers, months int, bank **warehouse.DB) {
	db, err := warehousetest.OpenDemo(customers, months)
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate test bank:", err)
		os.Exit(1)
	}
	*bank = db
	code := m.Run()
	db.Close()
	os.Exit(code)
}

// DemoCatalog validates the embedded demo model against db and loads its
// dimension values.
func DemoCatalog(tb testing.TB, db *warehouse.DB) *metrics.Catalog {
	tb.Helper()
	return Catalog(tb, db, models.DemoBankFile, models.DemoBank)
}

// Catalog validates a model, given as its file name and YAML, against db
// and loads its dimension values.
func Catalog(tb testing.TB, db *warehouse.DB, file string, model []byte) *metrics.Catalog {
	tb.Helper()
	ctx := context.Background()
	m, err := metrics.ParseModel(file, model)
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		tb.Fatal(err)
	}
	if err := cat.LoadValues(ctx, db); err != nil {
		tb.Fatal(err)
	}
	return cat
}

// DemoEngine is an engine over the demo catalog with the test clock
// (warehousetest.Now); cfg may set other fields.
func DemoEngine(tb testing.TB, db *warehouse.DB, cfg metrics.EngineConfig) *metrics.Engine {
	tb.Helper()
	if cfg.Now == nil {
		cfg.Now = warehousetest.Now
	}
	e, err := metrics.NewEngine(db, DemoCatalog(tb, db), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
