package server_test

import (
	"context"
	"database/sql"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
)

// admitted builds a server with the given admission, serving on a real socket.
func admitted(t *testing.T, adm server.AdmissionConfig) (*server.Server, string) {
	t.Helper()
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Logger: quietLogger(),
		Chat: queries.NewChat(eng, queries.ChatConfig{}), Guard: queries.NewGuard(eng, 100), Admission: adm})
	if err != nil {
		t.Fatal(err)
	}
	return srv, serveOn(t, srv)
}

// serveOn serves srv on a loopback socket until the test ends; it returns the base URL.
func serveOn(t *testing.T, srv *server.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func post(t *testing.T, url, body string) response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	return read(resp)
}

func get(t *testing.T, url string) response {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return read(resp)
}

func read(resp *http.Response) response {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// checkBusy asserts the documented refusal: 503, a Retry-After header of
// whole seconds, and the JSON error with code busy and the same figure.
func checkBusy(t *testing.T, r response) {
	t.Helper()
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503: %.300s", r.status, r.body)
	}
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 30 {
		t.Fatalf("Retry-After %q, want 1 to 30 seconds", r.header.Get("Retry-After"))
	}
	e, _ := r.json(t)["error"].(map[string]any)
	if e["code"] != "busy" || e["retry_after"] != float64(secs) || !strings.Contains(e["message"].(string), "busy") {
		t.Fatalf("error %v, want code busy and retry_after %d", e, secs)
	}
}

// A governed query that must run while every turn is taken and the queue
// is full is refused at once with 503 and Retry-After; an answer the cache
// holds is still served, and /readyz still answers 200.
func TestFullQueueRefusesWithRetryAfterWhileCachedAnswersFlow(t *testing.T) {
	srv, base := admitted(t, server.AdmissionConfig{Limits: map[string]server.Limit{server.ClassQuery: {Running: 2, Queued: 0}}})
	cachedQ := `{"metrics":["customers"],"dimensions":["segment"],"time":{"range":"last_month"}}`
	if r := post(t, base+"/api/v1/query", cachedQ); r.status != 200 {
		t.Fatalf("first query: %d %s", r.status, r.body)
	}
	for range 2 {
		release, err := srv.HoldTurn(server.ClassQuery)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
	}
	checkBusy(t, post(t, base+"/api/v1/query", `{"metrics":["aum"],"dimensions":["region"],"time":{"range":"last_month"}}`))
	checkBusy(t, get(t, base+"/api/v1/metrics/aum?by=branch&range=last_month"))
	if r := post(t, base+"/api/v1/query", cachedQ); r.status != 200 || r.header.Get("X-Beacon-Cached") != "true" {
		t.Fatalf("cached query while the query class is full: %d cached=%q %s", r.status, r.header.Get("X-Beacon-Cached"), r.body)
	}
	if r := get(t, base+"/readyz"); r.status != 200 {
		t.Fatalf("/readyz while busy: %d %s", r.status, r.body)
	}
	h := get(t, base+"/healthz").json(t)
	q := h["load"].(map[string]any)["query"].(map[string]any)
	if q["running"] != float64(2) || q["refused"] != float64(2) {
		t.Fatalf("healthz load.query = %v, want running 2, refused 2", q)
	}
}

// A request waits in the queue for a turn and runs once one frees; one that
// waits longer than MaxWait is refused.
func TestQueuedRequestRunsWhenATurnFrees(t *testing.T) {
	srv, base := admitted(t, server.AdmissionConfig{MaxWait: time.Minute,
		Limits: map[string]server.Limit{server.ClassSQL: {Running: 1, Queued: 1}}})
	release, err := srv.HoldTurn(server.ClassSQL)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan response, 1)
	go func() { done <- post(t, base+"/api/v1/sql", `{"sql":"SELECT 41 + 1 AS answer"}`) }()
	waitFor(t, func() bool { return sqlLoad(t, base)["queued"] == float64(1) })
	// The queue (one place) is taken: the next is refused.
	full := post(t, base+"/api/v1/sql", `{"sql":"SELECT 1"}`)
	checkBusy(t, full)
	busyMessage(t, full, `^the server is busy: 1 sql request running and 1 waiting; the queue is full; retry after \d+ s$`)
	release()
	r := <-done
	if r.status != 200 || !strings.Contains(string(r.body), "42") {
		t.Fatalf("queued request: %d %s", r.status, r.body)
	}

	srv2, base2 := admitted(t, server.AdmissionConfig{MaxWait: 50 * time.Millisecond,
		Limits: map[string]server.Limit{server.ClassSQL: {Running: 1, Queued: 4}}})
	release2, err := srv2.HoldTurn(server.ClassSQL)
	if err != nil {
		t.Fatal(err)
	}
	defer release2()
	waited := post(t, base2+"/api/v1/sql", `{"sql":"SELECT 1"}`)
	checkBusy(t, waited)
	busyMessage(t, waited, `^the server is busy: 1 sql request running and 0 waiting; no turn came free within 50ms; retry after \d+ s$`)
}

// busyMessage asserts a 503's message reads as the sentence pattern says.
func busyMessage(t *testing.T, r response, pattern string) {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	if msg, _ := e["message"].(string); !regexp.MustCompile(pattern).MatchString(msg) {
		t.Errorf("busy message %q, want it to match %s", msg, pattern)
	}
}

func sqlLoad(t *testing.T, base string) map[string]any {
	return get(t, base+"/healthz").json(t)["load"].(map[string]any)["sql"].(map[string]any)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 1000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition never held")
}

// Readiness means "can serve", not "has an idle read connection": with
// every connection of the read pool held by long work, /readyz answers 200.
func TestReadyWhileTheReadPoolIsExhausted(t *testing.T) {
	_, base := admitted(t, server.AdmissionConfig{})
	hold := make(chan struct{})
	var held, wg sync.WaitGroup
	n := 2 * runtime.NumCPU() // the warehouse's default pool
	held.Add(n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = bank.Read(context.Background(), func(*sql.Conn) error { held.Done(); <-hold; return nil })
		}()
	}
	held.Wait()
	defer func() { close(hold); wg.Wait() }()
	if r := get(t, base+"/readyz"); r.status != 200 {
		t.Fatalf("/readyz with the read pool busy: %d %s", r.status, r.body)
	}
}

// Once shutdown begins, /readyz answers 503 so that traffic drains away.
func TestNotReadyOnceShuttingDown(t *testing.T) {
	srv, _ := admitted(t, server.AdmissionConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if r := do(t, srv, "GET", "/readyz", nil); r.status != http.StatusServiceUnavailable {
		t.Fatalf("/readyz after shutdown: %d %s", r.status, r.body)
	}
}

func TestParseAdmission(t *testing.T) {
	cfg, err := server.ParseAdmission("query=8/64, sql=1/0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Limits[server.ClassQuery] != (server.Limit{Running: 8, Queued: 64}) || cfg.Limits[server.ClassSQL] != (server.Limit{Running: 1, Queued: 0}) {
		t.Fatalf("parsed %v", cfg.Limits)
	}
	if cfg.Limits[server.ClassChat] != server.DefaultAdmission().Limits[server.ClassChat] {
		t.Fatalf("chat lost its default: %v", cfg.Limits[server.ClassChat])
	}
	for _, bad := range []string{"query=0/4", "query=8", "nope=1/1", "sql=a/b", "sql=1/-1"} {
		if _, err := server.ParseAdmission(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}

// Work still running when the shutdown grace runs out is cancelled (DuckDB
// interrupts the statement), so Shutdown returns with no handler left and
// the database can close.
func TestShutdownStopsWorkThatOutlivesTheGrace(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{QueryTimeout: 5 * time.Minute})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Guard: queries.NewGuard(eng, 10), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	// Minutes of work unless interrupted.
	body := `{"sql":"SELECT count(*) FROM customer_months a, customer_months b, customer_months c WHERE a.balance + b.balance + c.balance > -1"}`
	done := make(chan response, 1)
	go func() {
		resp, err := http.Post(base+"/api/v1/sql", "application/json", strings.NewReader(body))
		if err != nil {
			done <- response{}
			return
		}
		done <- read(resp)
	}()
	waitFor(t, func() bool { return sqlLoad(t, base)["running"] == float64(1) })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	r := <-done
	if r.status == 200 {
		t.Fatalf("the statement ran to the end: %s", r.body)
	}
}
