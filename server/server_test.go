package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// bank is a small demo bank shared by this package's tests.
var bank *warehouse.DB

func TestMain(m *testing.M) { metricstest.Main(m, 5_000, 24, &bank) }

func newServer(tb testing.TB, db *warehouse.DB, auth server.AuthConfig) *server.Server {
	tb.Helper()
	eng := metricstest.DemoEngine(tb, db, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Auth: auth, Logger: quietLogger(),
		Chat: queries.NewChat(eng, queries.ChatConfig{})})
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

// lockedBank opens a small demo bank of its own, locked down to a fresh
// upload folder, and its engine: for tests that load files or run free SQL.
func lockedBank(t *testing.T) (*warehouse.DB, *metrics.Engine, string) {
	t.Helper()
	db, err := warehousetest.OpenDemo(300, 6)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	uploads := t.TempDir()
	if err := db.Lockdown(t.Context(), uploads); err != nil {
		t.Fatal(err)
	}
	return db, metricstest.DemoEngine(t, db, metrics.EngineConfig{}), uploads
}

// response is what a test reads back from the server.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(tb testing.TB) map[string]any {
	tb.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		tb.Fatalf("response is not JSON (%v): %.300s", err, r.body)
	}
	return v
}

func do(tb testing.TB, srv *server.Server, method, path string, body []byte, headers ...string) response {
	tb.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.App().Test(req, -1)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// rowsOf reads result rows as objects.
func rowsOf(tb testing.TB, r response) []map[string]any {
	tb.Helper()
	var v struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(r.body, &v); err != nil {
		tb.Fatalf("bad result: %v: %.300s", err, r.body)
	}
	return v.Rows
}
