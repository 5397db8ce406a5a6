package risk_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
)

// BenchmarkExplain measures explain on a demo bank file named by
// BEACON_BENCH_DB (e.g. one made by `beacon generate --customers 1000000
// --months 36 --db /tmp/big.duckdb`), with the result cache off so that
// every run reaches DuckDB:
//
//	BEACON_BENCH_DB=/tmp/big.duckdb go test -run - -bench Explain -benchtime 5x ./risk
func BenchmarkExplain(b *testing.B) {
	path := os.Getenv("BEACON_BENCH_DB")
	if path == "" {
		b.Skip("set BEACON_BENCH_DB to a demo bank file")
	}
	ctx := context.Background()
	db, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	asOf, ok, err := db.Meta(ctx, warehouse.MetaDemoAsOf)
	if err != nil || !ok {
		b.Fatalf("no demo as-of date in %s: %v", path, err)
	}
	day, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return day.Add(12 * time.Hour) }
	engine := metricstest.DemoEngine(b, db, metrics.EngineConfig{Now: now, CacheEntries: -1})
	for _, tc := range []struct {
		name string
		req  risk.ExplainRequest
	}{
		{"churn_rate by segment and channel, last month", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment", "channel"}, Current: risk.Period{Range: "last_month"}}},
		{"aum by region and branch, last quarter", risk.ExplainRequest{Metric: "aum", Dimensions: []string{"region", "branch"}, Current: risk.Period{Range: "last_quarter"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := risk.Explain(ctx, engine, tc.req, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
