package server

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

// cancelOnDisconnect cancels a request's context when its client hangs up,
// so that DuckDB stops a query nobody will read. Fiber v2 (fasthttp) does
// not do this: its request context ends only at server shutdown.
func (s *Server) cancelOnDisconnect(c *fiber.Ctx) error {
	ctx, cancel := context.WithCancel(c.UserContext())
	defer cancel()
	// Work still running when the shutdown grace runs out is stopped too.
	defer context.AfterFunc(s.work, cancel)()
	stop := watchHangUp(c.Context().Conn(), cancel)
	defer stop()
	c.SetUserContext(ctx)
	return c.Next()
}

// hangUpPoll is how often a connection is checked while its request runs.
const hangUpPoll = 50 * time.Millisecond

// watchHangUp calls hangUp once conn's peer has closed it. It peeks at the
// socket without consuming anything, so pipelined requests are untouched;
// stop ends the watch and returns once the watcher has let go of the socket.
func watchHangUp(conn net.Conn, hangUp func()) (stop func()) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return func() {} // in-memory connections (tests) have no socket
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return func() {}
	}
	// Past the server's read deadline the runtime stops polling the socket,
	// and a hang-up would go unseen; fasthttp sets a new deadline before it
	// next reads.
	_ = conn.SetReadDeadline(time.Time{})
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(hangUpPoll)
		defer t.Stop()
		buf := make([]byte, 1)
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			closed := false
			_ = raw.Read(func(fd uintptr) bool {
				n, _, err := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
				closed = n == 0 && err == nil || err != nil && !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EINTR)
				return true
			})
			if closed {
				hangUp()
				return
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
