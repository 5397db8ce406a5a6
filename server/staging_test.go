package server_test

import (
	"os"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// Uploads are staged in the configured folder and leave nothing there once
// loaded, whether the load succeeds or fails.
func TestUploadsLeaveNothingStaged(t *testing.T) {
	db, err := warehousetest.OpenDemo(300, 6)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	eng := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Logger: quietLogger(), UploadDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	// Locked down to the folder, DuckDB can only load what was staged there.
	if err := db.Lockdown(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body   string
		status int
	}{{"id,v\n1,2\n", 200}, {"id,v\n1,2\n3\n", 422}, {"PAR1 not parquet", 400}} {
		path := "/api/v1/tables/staged"
		if c.status == 400 {
			path += "?format=parquet"
		}
		r := do(t, srv, "POST", path, []byte(c.body), "Content-Type", "text/csv")
		if r.status != c.status {
			t.Fatalf("upload %q: status %d, want %d: %s", c.body, r.status, c.status, r.body)
		}
		left, err := os.ReadDir(dir)
		if err != nil || len(left) != 0 {
			t.Fatalf("after upload %q the staging folder holds %v (%v)", c.body, left, err)
		}
	}
	if n := warehousetest.Rows(t, db, "SELECT count(*) FROM staged")[0][0]; n != float64(1) {
		t.Fatalf("staged has %v rows, want 1", n)
	}
}
