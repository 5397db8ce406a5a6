package metrics_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricsbench"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// BenchmarkRollupServed times churn_rate by segment by month over a flat
// table from its rollup, step by step: compiling, an empty read
// transaction, the compiled SQL run directly (fresh; kept prepared on its
// read connection inside the read-only transaction; and kept and checked,
// without the transaction, as the engine runs it), and the engine's whole
// answer without and with the result cache.
func BenchmarkRollupServed(b *testing.B) {
	ctx := context.Background()
	db := warehousetest.MustOpen(b)
	if err := metricsbench.CreateFlat(ctx, db, 2000, 36); err != nil {
		b.Fatal(err)
	}
	m, err := metrics.ParseModel(metricsbench.FlatModelFile, metricsbench.FlatModel)
	if err != nil {
		b.Fatal(err)
	}
	m.Rollups = append(m.Rollups, &metrics.Rollup{Name: "segment_month", Source: "customer_month", Grain: "month", Dimensions: []string{"segment"},
		Measures: []string{"churned_customers", "customers_at_start", "balance_total", "customer_months", "balance_end"}})
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		b.Fatal(err)
	}
	if err := cat.LoadValues(ctx, db); err != nil {
		b.Fatal(err)
	}
	if _, err := metrics.BuildRollups(ctx, db, cat, nil); err != nil {
		b.Fatal(err)
	}
	engine := func(entries int) *metrics.Engine {
		e, err := metrics.NewEngine(db, cat, metrics.EngineConfig{CacheEntries: entries})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.RefreshRollupState(ctx); err != nil {
			b.Fatal(err)
		}
		return e
	}
	rolled, cached := engine(-1), engine(0)
	end := metricsbench.FlatStart.AddDate(0, 36, -1)
	q := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"},
		Time: &metrics.TimeSpec{Grain: "month", Start: metricsbench.FlatStart.Format(time.DateOnly), End: end.Format(time.DateOnly)}}
	comp, err := rolled.Compile(q, nil)
	if err != nil {
		b.Fatal(err)
	}
	if len(comp.Rollups) == 0 {
		b.Fatal("not routed to the rollup")
	}
	b.Run("compile", func(b *testing.B) {
		for b.Loop() {
			if _, err := rolled.Compile(q, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("empty-read", func(b *testing.B) {
		for b.Loop() {
			if err := db.Read(ctx, func(*sql.Conn) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("direct-sql", func(b *testing.B) {
		for b.Loop() {
			warehousetest.Rows(b, db, comp.SQL, comp.Args...)
		}
	})
	b.Run("direct-sql-prepared", func(b *testing.B) {
		for b.Loop() {
			err := db.Read(ctx, func(c *sql.Conn) error {
				rows, err := c.QueryContext(warehouse.Prepared(ctx), comp.SQL, comp.Args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
				}
				return rows.Err()
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("direct-sql-kept", func(b *testing.B) {
		for b.Loop() {
			err := db.ReadSelect(ctx, comp.SQL, comp.Args, func(rows *sql.Rows) error {
				for rows.Next() {
				}
				return rows.Err()
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine-rollup", func(b *testing.B) {
		for b.Loop() {
			r, err := rolled.Run(ctx, q, nil)
			if err != nil || r.ServedFrom != metrics.ServedRollup {
				b.Fatal(err, r.ServedFrom)
			}
		}
	})
	b.Run("engine-cache", func(b *testing.B) {
		for b.Loop() {
			if _, err := cached.Run(ctx, q, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
