package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
)

// A short statement nested deeply (list_value 400 deep, 5 KB) pinned a core
// past the query timeout; it is refused with 400 naming sql and the limit.
func TestFreeSQLRefusesDeepNesting(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Guard: queries.NewGuard(eng, 100), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	q := "SELECT " + strings.Repeat("list_value(", 400) + "1" + strings.Repeat(")", 400) + " AS x"
	body, _ := json.Marshal(map[string]any{"sql": q})
	r := do(t, srv, "POST", "/api/v1/sql", body)
	checkError(t, r, 400, "sql")
	if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "the limit is 64") {
		t.Fatalf("message %q does not name the limit", msg)
	}
}
