package web

import (
	"bytes"
	"os"
	"testing"
)

// The test runs after `make assets`; a plain `go test` on a fresh clone
// has no vendor scripts and says so.
func TestEChartsEmbedded(t *testing.T) {
	b, err := ECharts()
	if err == ErrNoAssets && os.Getenv("BEACON_REQUIRE_ASSETS") == "" {
		t.Skip("assets not built: run `make assets` (make test does)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 500_000 || !bytes.Contains(b, []byte("echarts")) {
		t.Fatalf("embedded echarts.min.js looks wrong: %d bytes", len(b))
	}
}
