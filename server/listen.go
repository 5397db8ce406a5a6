package server

import (
	"container/list"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// guardedListener is the server's listener. It keeps the accept loop alive
// when accepting fails for want of resources, and holds open connections
// under a cap.
//
// fasthttp's accept loop returns on any accept error but a timeout, and
// Serve's return ends the process: one burst of "too many open files"
// used to take the server down for good.
//
// At the cap, or out of descriptors, the oldest connection that is not
// running a handler (one still sending its request, or idle between
// requests) is closed to make room: half-sent headers cannot crowd out a
// client that sends a whole request. Only when every connection is running
// a handler is a new one refused, with a JSON 503.
type guardedListener struct {
	net.Listener
	log *slog.Logger
	// max caps open connections; 0 means no cap.
	max      int64
	open     atomic.Int64
	refused  atomic.Int64
	evicted  atomic.Int64
	retries  atomic.Int64
	mu       sync.Mutex
	conns    list.List // *countedConn, oldest first
	closing  atomic.Bool
	refusing chan struct{} // bounds refusals still being written
	// sleep waits between retries; tests replace it.
	sleep func(time.Duration)
}

// Accept backoff: from acceptBackoffMin, doubling, up to acceptBackoffMax.
const (
	acceptBackoffMin = 5 * time.Millisecond
	acceptBackoffMax = time.Second
)

func newGuardedListener(ln net.Listener, maxConns int, log *slog.Logger) *guardedListener {
	return &guardedListener{Listener: ln, log: log, max: int64(maxConns), refusing: make(chan struct{}, 64), sleep: time.Sleep}
}

// Accept returns the next connection under the cap. Errors that a wait
// can cure (descriptors or buffers exhausted, a connection aborted before
// it was accepted) are retried with backoff; only a closed listener or an
// unknown error is returned.
func (l *guardedListener) Accept() (net.Conn, error) {
	var delay time.Duration
	var lastLog time.Time
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if l.closing.Load() || !retryable(err) {
				return nil, err
			}
			l.retries.Add(1)
			if outOfDescriptors(err) && l.evictOne() {
				continue // a descriptor is free again
			}
			delay = min(max(2*delay, acceptBackoffMin), acceptBackoffMax)
			if time.Since(lastLog) > 10*time.Second {
				l.log.Warn("accepting connections failed; retrying with backoff", "err", err, "delay_ms", delay.Milliseconds(), "open_connections", l.open.Load())
				lastLog = time.Now()
			}
			l.sleep(delay)
			continue
		}
		delay = 0
		if l.max > 0 && l.open.Load() >= l.max && !l.evictOne() {
			l.refuse(c)
			continue
		}
		cc := &countedConn{Conn: c, l: l}
		l.mu.Lock()
		cc.elem = l.conns.PushBack(cc)
		l.mu.Unlock()
		l.open.Add(1)
		return cc, nil
	}
}

// evictOne closes the oldest connection that runs no handler, and reports
// whether there was one.
func (l *guardedListener) evictOne() bool {
	l.mu.Lock()
	var victim *countedConn
	for e := l.conns.Front(); e != nil; e = e.Next() {
		if c := e.Value.(*countedConn); c.busy.Load() == 0 {
			victim = c
			break
		}
	}
	l.mu.Unlock()
	if victim == nil {
		return false
	}
	l.evicted.Add(1)
	_ = victim.Close()
	return true
}

func outOfDescriptors(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE)
}

// Close stops accepting; Accept then returns the listener's error.
func (l *guardedListener) Close() error {
	l.closing.Store(true)
	return l.Listener.Close()
}

// retryable reports whether an accept error is a shortage that passes:
// descriptors (EMFILE, ENFILE), kernel memory (ENOBUFS, ENOMEM), or a peer
// that gave up before accept (ECONNABORTED), or a timeout.
func retryable(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// refusal is the whole answer to a connection over the cap.
var refusal = func() []byte {
	body := `{"error":{"code":"busy","message":"the server has as many open connections as it allows; retry shortly"}}`
	return fmt.Appendf(nil, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}()

// refuse answers c with a 503 and closes it. The answer is written at once
// (a new socket's send buffer holds it); closing waits briefly for the
// client's request so that unread bytes do not turn the close into a reset
// that would lose the answer. Past 64 such closes at a time, c is simply
// closed.
func (l *guardedListener) refuse(c net.Conn) {
	l.refused.Add(1)
	_ = c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	_, _ = c.Write(refusal)
	select {
	case l.refusing <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		if tc, ok := c.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
		_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		buf := make([]byte, 4096)
		for {
			if _, err := c.Read(buf); err != nil {
				break
			}
		}
		_ = c.Close()
	}()
}

// countedConn gives its slot back when closed.
type countedConn struct {
	net.Conn
	l    *guardedListener
	elem *list.Element
	// busy counts handlers running for this connection's requests.
	busy atomic.Int32
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.conns.Remove(c.elem)
		c.l.mu.Unlock()
		c.l.open.Add(-1)
	})
	return c.Conn.Close()
}

// SyscallConn exposes the socket, for the hang-up watch.
func (c *countedConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, errors.New("not a socket")
	}
	return sc.SyscallConn()
}
