package server_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/server"
)

// A request slower than the threshold is logged at WARN with the SQL it
// ran; a negative threshold logs none.
func TestSlowQueryLog(t *testing.T) {
	for _, tc := range []struct {
		slow time.Duration
		want bool
	}{{time.Nanosecond, true}, {-1, false}, {time.Hour, false}} {
		var buf bytes.Buffer
		eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
		srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, SlowQuery: tc.slow,
			Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			t.Fatal(err)
		}
		r := do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["churn_rate"],"dimensions":["segment"]}`))
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		log := buf.String()
		if got := strings.Contains(log, "slow query"); got != tc.want {
			t.Errorf("threshold %s: slow query logged %v, want %v:\n%s", tc.slow, got, tc.want, log)
		}
		if tc.want && (!strings.Contains(log, "sql=") || !strings.Contains(log, "churn") || !strings.Contains(log, "path=/api/v1/query")) {
			t.Errorf("slow query log lacks the path or the SQL:\n%s", log)
		}
	}
}
