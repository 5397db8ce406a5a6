package loadtest_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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

// The report counts as failures only answers a healthy server never
// gives: a 503 with Retry-After and a JSON error is the documented
// refusal of a full queue (server/admission_test.go saturates a real
// server's queue), while a 503 without them and any other 5xx are not.
func TestCountsOnlyUndocumentedServerErrors(t *testing.T) {
	var n atomic.Int64
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 4 {
		case 1:
			io.WriteString(w, `{"rows":[]}`)
		case 2:
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":{"code":"busy","message":"the server is busy","retry_after":2}}`)
		case 3:
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "busy")
		default:
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"code":"internal"}}`)
		}
	}))
	defer stub.Close()
	rep, err := loadtest.Run(context.Background(), loadtest.Config{BaseURL: stub.URL, Clients: 1, Requests: 8, Duration: 30 * time.Second,
		AsOf: "2026-09", Segments: []string{"x"}, Weights: map[string]int{loadtest.Uncached: 1}})
	if err != nil {
		t.Fatal(err)
	}
	s := rep.ByKind[loadtest.Uncached]
	if s.N != 8 || s.Statuses[200] != 2 || s.Statuses[503] != 4 || s.Statuses[500] != 2 {
		t.Fatalf("%d requests, statuses %v; want 8: 2 of 200, 4 of 503, 2 of 500", s.N, s.Statuses)
	}
	if len(rep.Failures) != 4 {
		t.Fatalf("failures %q; want the 2 bare 503s and the 2 500s", rep.Failures)
	}
	for _, f := range rep.Failures {
		if !strings.Contains(f, "503 without Retry-After") && !strings.Contains(f, "500: ") {
			t.Errorf("failure %q is neither a bare 503 nor a 500", f)
		}
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
