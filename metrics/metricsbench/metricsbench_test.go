package metricsbench_test

import (
	"context"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricsbench"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// Every case's compiled SQL gives the rows of its hand SQL, on a small
// flat table and a small demo bank.
func TestCompiledEqualsHandSQL(t *testing.T) {
	ctx := context.Background()
	flat := warehousetest.MustOpen(t)
	if err := metricsbench.CreateFlat(ctx, flat, 3000, 24); err != nil {
		t.Fatal(err)
	}
	demo, err := warehousetest.OpenDemo(3000, 24)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Close() })
	banks := []struct {
		db   *warehouse.DB
		cat  *metrics.Catalog
		bank metricsbench.Bank
	}{
		{flat, metricstest.Catalog(t, flat, metricsbench.FlatModelFile, metricsbench.FlatModel), metricsbench.Flat(24)},
		{demo, metricstest.Catalog(t, demo, models.DemoBankFile, models.DemoBank),
			metricsbench.Demo(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))},
	}
	for _, b := range banks {
		for _, c := range b.bank.Cases() {
			t.Run(c.Name, func(t *testing.T) {
				comp, err := metricsbench.Compile(b.cat, c, warehousetest.Now())
				if err != nil {
					t.Fatal(err)
				}
				got, err := metricsbench.Rows(ctx, b.db, comp.SQL, comp.Args...)
				if err != nil {
					t.Fatalf("compiled SQL: %v\n%s", err, comp.SQL)
				}
				want, err := metricsbench.Rows(ctx, b.db, c.Hand)
				if err != nil {
					t.Fatalf("hand SQL: %v\n%s", err, c.Hand)
				}
				if len(want) == 0 {
					t.Fatalf("hand SQL returns no rows:\n%s", c.Hand)
				}
				if err := metricsbench.Equal(got, want, c.Keys); err != nil {
					t.Errorf("%v\ncompiled:\n%s\nhand:\n%s", err, comp.SQL, c.Hand)
				}
			})
		}
	}
}
