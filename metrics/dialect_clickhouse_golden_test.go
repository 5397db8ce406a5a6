package metrics_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The same representative queries compiled for ClickHouse are kept under
// testdata/golden/clickhouse, so a change to the nested writer shows in
// review too (-update rewrites them). Their results are checked equal to
// DuckDB's on real ClickHouse shards in warehouse/clickhouse.
func TestCompiledSQLGoldenClickHouse(t *testing.T) {
	cat := metricstest.DemoCatalog(t, bank)
	for _, g := range goldenQueries {
		t.Run(g.name, func(t *testing.T) {
			compile := cat.Compile
			if g.totals {
				compile = cat.CompileTotals
			}
			comp, err := compile(metrics.ClickHouse{}, g.query, warehousetest.Now(), g.scope, metrics.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			got := comp.SQL + "\n-- args: " + fmt.Sprint(comp.Args) + "\n"
			path := filepath.Join("testdata", "golden", "clickhouse", g.name+".sql")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./metrics -run Golden -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("compiled SQL differs from %s (go test ./metrics -run Golden -update rewrites it after review):\n%s", path, lineDiff(string(want), got))
			}
		})
	}
}
