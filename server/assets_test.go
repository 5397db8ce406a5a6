package server_test

import (
	"os"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/server"
)

func TestEChartsServedFromBeacon(t *testing.T) {
	if os.Getenv("BEACON_REQUIRE_ASSETS") == "" {
		if _, err := os.Stat("../web/static/vendor/echarts.min.js"); err != nil {
			t.Skip("assets not built: run `make assets` (make test does)")
		}
	}
	srv := newServer(t, bank, server.AuthConfig{})
	r := do(t, srv, "GET", "/assets/vendor/echarts.min.js", nil)
	if r.status != 200 || len(r.body) < 500_000 || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
		t.Fatalf("GET echarts: %d, %d bytes, %q", r.status, len(r.body), r.header.Get("Content-Type"))
	}
	if r := do(t, srv, "GET", "/assets/vendor/nothing.js", nil); r.status != 404 {
		t.Fatalf("missing asset: %d, want 404", r.status)
	}
}
