package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the real binary: built once, over one small demo bank
// that each test copies.
var (
	binary string // the beacon binary under test
	bankDB string // a demo bank file to copy
)

// bankArgs are the demo options the bank was generated with; serve needs
// the same, or it would regenerate.
var bankArgs = []string{"--customers", "2000", "--months", "24", "--as-of", "2026-10-31"}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "beacon-serve-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "beacon")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build beacon: %v\n%s", err, out)
			return 1
		}
		bankDB = filepath.Join(dir, "bank.duckdb")
		gen := exec.Command(binary, append([]string{"generate", "--db", bankDB}, bankArgs...)...)
		if out, err := gen.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "generate: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// proc is a running beacon serve.
type proc struct {
	cmd  *exec.Cmd
	base string
	logs *lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // its exit error, once done
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// copyBank gives a test its own copy of the demo bank.
func copyBank(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(bankDB)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bank.duckdb")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs beacon serve on db; with files > 0, under that open-file
// limit, soft and hard, so the server cannot raise it.
func start(t *testing.T, db string, files int, extra ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--db", db, "--addr", addr}, bankArgs...)
	args = append(args, extra...)
	var cmd *exec.Cmd
	if files > 0 {
		cmd = exec.Command("prlimit", append([]string{fmt.Sprintf("--nofile=%d:%d", files, files), binary}, args...)...)
	} else {
		cmd = exec.Command(binary, args...)
	}
	p := &proc{cmd: cmd, base: "http://" + addr, logs: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("server logs:\n%s", p.logs.String())
		}
	})
	return p
}

// waitReady waits until /readyz answers 200, failing if the process exits
// or two minutes pass (a hang guard, not a measure).
func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("beacon serve exited before it was ready: %v\n%s", p.err, p.logs.String())
		default:
		}
		if resp, err := client.Get(p.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("beacon serve never became ready\n%s", p.logs.String())
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return p.cmd.Process.Signal(syscall.Signal(0)) == nil
	}
}

// client opens a new connection for every request, as a new client
// would: an idle keep-alive connection may be closed by the server to make
// room, and a POST is not retried on one.
var client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}}

// query posts a governed query and returns its status and body.
func (p *proc) query(t *testing.T, body string) (int, []byte) {
	t.Helper()
	resp, err := client.Post(p.base+"/api/v1/query", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (p *proc) health(t *testing.T) map[string]any {
	t.Helper()
	resp, err := client.Get(p.base + "/healthz")
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("healthz: %v", err)
	}
	return v
}

// halfOpen opens n connections that each send part of a request's headers
// and then nothing more, as a slowloris client does.
func halfOpen(t *testing.T, base string, n int) {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	for i := range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "GET /api/v1/metrics HTTP/1.1\r\nHost: beacon\r\nX-Slow-%d: ", i)
	}
}

const normalQuery = `{"metrics":["customers"],"dimensions":["segment"],"time":{"range":"last_month"}}`

// Hundreds of half-sent headers, with the server held to 256 open files,
// neither stop a normal request nor take the process down: once at the
// connection cap (from the descriptor limit), and once with the cap set
// above the limit so that accepting runs out of descriptors (EMFILE).
func TestSlowClientsDoNotStopTheServer(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("needs prlimit (util-linux) to start the server under a low descriptor limit")
	}
	for _, c := range []struct {
		name  string
		extra []string
		// figure is the /healthz connections figure that shows which defence acted.
		figure string
	}{
		{"at the connection cap", nil, "evicted"},
		{"out of descriptors", []string{"--max-conns", "5000"}, "accept_retries"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := start(t, copyBank(t), 256, c.extra...)
			p.waitReady(t)
			want, wantBody := p.query(t, normalQuery)
			if want != 200 {
				t.Fatalf("query before the attack: %d %s", want, wantBody)
			}
			halfOpen(t, p.base, 300)
			status, body := p.query(t, normalQuery)
			if status != 200 || !sameRows(t, body, wantBody) {
				t.Fatalf("query under 300 half-open connections: %d %.300s", status, body)
			}
			conns := p.health(t)["connections"].(map[string]any)
			if n, _ := conns[c.figure].(float64); n < 1 {
				t.Fatalf("connections %v: want %s > 0", conns, c.figure)
			}
			if !p.alive() {
				t.Fatalf("the server exited: %v", p.err)
			}
		})
	}
}

// sameRows compares the rows of two results.
func sameRows(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y struct {
		Rows json.RawMessage `json:"rows"`
	}
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return len(x.Rows) > 2 && string(x.Rows) == string(y.Rows)
}

// A new server started on the same file while the old one still runs waits
// for the file's lock; SIGTERM to the old one while queries run makes it
// cancel its work, close DuckDB and exit 0, and the new one then starts and
// answers as the old one did. A crash's leftover upload in the staging
// folder is gone after a start.
func TestSIGTERMThenImmediateRestart(t *testing.T) {
	db := copyBank(t)
	leftover := filepath.Join(db+".uploads", "upload-1", "customers.csv")
	if err := os.MkdirAll(filepath.Dir(leftover), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(leftover, []byte("id,name\n1,someone\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := start(t, db, 0, "--shutdown-grace", "5s")
	a.waitReady(t)
	if _, err := os.Stat(filepath.Dir(leftover)); !os.IsNotExist(err) {
		t.Fatalf("the staged leftover survived a start: %v", err)
	}
	status, before := a.query(t, normalQuery)
	if status != 200 {
		t.Fatalf("query: %d %s", status, before)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	load := make(chan struct{})
	go func() { defer close(load); runBurst(ctx, a.base, "", 60, 0, "2026-10-31") }()
	// Wait until queries are running, so the shutdown has work to stop.
	for range 500 {
		q := a.health(t)["load"].(map[string]any)["query"].(map[string]any)
		if q["running"].(float64) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	b := start(t, db, 0, "--lock-wait", "5m")
	for !strings.Contains(b.logs.String(), "locked by another process") {
		select {
		case <-b.done:
			t.Fatalf("the new server exited while the old one held the file: %v\n%s", b.err, b.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.done:
	case <-time.After(time.Minute): // a hang guard
		t.Fatalf("the old server did not exit after SIGTERM\n%s", a.logs.String())
	}
	if a.err != nil {
		t.Fatalf("the old server exited with %v\n%s", a.err, a.logs.String())
	}
	if !strings.Contains(a.logs.String(), "database closed") {
		t.Fatalf("the old server exited without closing the database\n%s", a.logs.String())
	}
	b.waitReady(t)
	status, after := b.query(t, normalQuery)
	if status != 200 || !sameRows(t, after, before) {
		t.Fatalf("query after the restart: %d %.300s", status, after)
	}
	cancel()
	<-load
}
