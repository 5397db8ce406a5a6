package loadtest_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/loadtest"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var bank *warehouse.DB

func TestMain(m *testing.M) { metricstest.Main(m, 2_000, 24, &bank) }

// serve starts a real server on a loopback port and returns its URL.
func serve(t *testing.T, adm server.AdmissionConfig) string {
	t.Helper()
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Admission: adm,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Chat: queries.NewChat(eng, queries.ChatConfig{})})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func asOf() string { return warehousetest.AsOf.AddDate(0, -1, 0).Format("2006-01") }

// A bounded mix of every kind of request at 8 clients: each kind is
// answered, and no answer is a server error.
func TestMixHasNoServerErrors(t *testing.T) {
	url := serve(t, server.AdmissionConfig{})
	rep, err := loadtest.Run(context.Background(), loadtest.Config{BaseURL: url, Clients: 8, Requests: 120, Duration: 60 * time.Second, AsOf: asOf()})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	rep.Print(&sb)
	if len(rep.Failures) > 0 {
		t.Fatalf("server errors:\n%s", sb.String())
	}
	for _, k := range loadtest.Kinds {
		s := rep.ByKind[k]
		if s.N == 0 || s.Statuses[200] != s.N {
			t.Errorf("%s: %d requests, statuses %v; want all 200\n%s", k, s.N, s.Statuses, sb.String())
		}
	}
	if rep.All.N != 120 {
		t.Errorf("%d requests answered, want 120", rep.All.N)
	}
}

// With one query slot and no queue, concurrent uncached queries beyond
// the first are refused with the documented 503 and Retry-After, and
// nothing else fails.
func TestSaturatedQueueAnswers503(t *testing.T) {
	adm := server.AdmissionConfig{MaxWait: time.Second, Limits: map[string]server.Limit{server.ClassQuery: {Running: 1, Queued: 0}}}
	url := serve(t, adm)
	rep, err := loadtest.Run(context.Background(), loadtest.Config{BaseURL: url, Clients: 16, Requests: 96, Duration: 60 * time.Second, AsOf: asOf(),
		Weights: map[string]int{loadtest.Uncached: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	rep.Print(&sb)
	if len(rep.Failures) > 0 {
		t.Fatalf("failures besides the documented 503:\n%s", sb.String())
	}
	s := rep.ByKind[loadtest.Uncached]
	if s.Statuses[503] == 0 || s.Statuses[200] == 0 || s.Statuses[200]+s.Statuses[503] != s.N {
		t.Errorf("statuses %v: want some 200 and some 503, nothing else\n%s", s.Statuses, sb.String())
	}
}

// Only this machine is a target: other addresses are refused before any
// request is sent, and so are unbounded runs.
func TestRefusesOtherHostsAndUnboundedRuns(t *testing.T) {
	for _, cfg := range []loadtest.Config{
		{BaseURL: "http://10.1.2.3:8080", Clients: 1, Requests: 1, Duration: time.Second, AsOf: "2026-09"},
		{BaseURL: "http://example.com", Clients: 1, Requests: 1, Duration: time.Second, AsOf: "2026-09"},
		{BaseURL: "http://127.0.0.1:1", Clients: 1, Requests: 0, Duration: time.Second, AsOf: "2026-09"},
		{BaseURL: "http://127.0.0.1:1", Clients: 1, Requests: 1, Duration: 0, AsOf: "2026-09"},
	} {
		if _, err := loadtest.Run(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
