package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"
)

// flakyListener fails Accept with errs, in order, then accepts for real.
type flakyListener struct {
	net.Listener
	errs []error
}

func (f *flakyListener) Accept() (net.Conn, error) {
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return nil, err
	}
	return f.Listener.Accept()
}

func loopback(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Running out of descriptors is waited out with growing pauses, not
// returned (which would end fasthttp's Serve, and the process with it).
func TestAcceptBacksOffOnEMFILEAndRecovers(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	inner := &flakyListener{Listener: loopback(t), errs: []error{emfile, emfile, emfile, syscall.ENFILE, syscall.ECONNABORTED}}
	l := newGuardedListener(inner, 0, quiet())
	var waits []time.Duration
	l.sleep = func(d time.Duration) { waits = append(waits, d) }
	go func() {
		if c, err := net.Dial("tcp", inner.Addr().String()); err == nil {
			defer c.Close()
			time.Sleep(time.Second)
		}
	}()
	c, err := l.Accept()
	if err != nil {
		t.Fatalf("Accept returned %v; want a connection after the failures", err)
	}
	c.Close()
	if l.retries.Load() != 5 || len(waits) != 5 {
		t.Fatalf("retries %d, waits %v; want 5 each", l.retries.Load(), waits)
	}
	for i := 1; i < len(waits); i++ {
		if waits[i] < waits[i-1] || waits[i] > acceptBackoffMax {
			t.Fatalf("waits %v do not grow within %s", waits, acceptBackoffMax)
		}
	}
	// An unknown error still ends Accept.
	l2 := newGuardedListener(&flakyListener{Listener: loopback(t), errs: []error{errors.New("boom")}}, 0, quiet())
	if _, err := l2.Accept(); err == nil || err.Error() != "boom" {
		t.Fatalf("unknown error: got %v", err)
	}
}

// At the cap, the oldest connection running no handler makes room; when
// every connection runs a handler, the newcomer gets a JSON 503.
func TestConnectionCapEvictsIdleThenRefuses(t *testing.T) {
	inner := loopback(t)
	l := newGuardedListener(inner, 2, quiet())
	dial := func() net.Conn {
		c, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	accept := func() *countedConn {
		c, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		return c.(*countedConn)
	}
	dial()
	first := accept()
	dial()
	second := accept()
	dial()
	third := accept() // over the cap: first, idle and oldest, is closed
	if l.open.Load() != 2 || l.evicted.Load() != 1 {
		t.Fatalf("open %d evicted %d; want 2 and 1", l.open.Load(), l.evicted.Load())
	}
	if _, err := first.Conn.Write([]byte("x")); err == nil {
		t.Fatal("the oldest idle connection is still open")
	}
	second.busy.Add(1)
	third.busy.Add(1)
	refused := dial()
	go func() { _, _ = l.Accept() }() // refuses, then waits for a next connection
	fmt.Fprint(refused, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(refused), nil)
	if err != nil {
		t.Fatalf("refused connection got no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("refusal %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if string(body) != `{"error":{"code":"busy","message":"the server has as many open connections as it allows; retry shortly"}}` {
		t.Fatalf("refusal body %s", body)
	}
	if l.refused.Load() != 1 || l.open.Load() != 2 {
		t.Fatalf("refused %d open %d; want 1 and 2", l.refused.Load(), l.open.Load())
	}
	second.Close()
	second.Close() // closing twice gives back one slot
	if l.open.Load() != 1 {
		t.Fatalf("open %d after a close; want 1", l.open.Load())
	}
}
