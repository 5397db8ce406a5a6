package metrics

import (
	"context"
	"fmt"
	"sync"
)

// flight runs one execution per key for concurrent callers, and cancels
// it only when every caller waiting for it has gone. It is written here
// rather than taken from x/sync/singleflight because that runs the shared
// work on the first caller's context: one client hanging up failed all
// the others asking the same question.
type flight struct {
	mu    sync.Mutex
	calls map[string]*flightCall
}

type flightCall struct {
	done    chan struct{}
	res     *Result
	err     error
	waiters int
	cancel  context.CancelFunc
}

// do returns fn's result for key, starting fn unless a call for key is
// under way. It returns ctx's error if ctx ends first.
func (f *flight) do(ctx context.Context, key string, fn func(ctx context.Context) (*Result, error)) (*Result, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]*flightCall{}
	}
	c, ok := f.calls[key]
	if !ok {
		run, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &flightCall{done: make(chan struct{}), cancel: cancel}
		f.calls[key] = c
		go func() {
			func() {
				// The work runs outside the request's goroutine, beyond the
				// server's recover: a panic becomes this call's error.
				defer func() {
					if r := recover(); r != nil {
						c.res, c.err = nil, fmt.Errorf("query panicked: %v", r)
					}
				}()
				c.res, c.err = fn(run)
			}()
			cancel()
			f.mu.Lock()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
			f.mu.Unlock()
			close(c.done)
		}()
	}
	c.waiters++
	f.mu.Unlock()

	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			// Nobody is left to read the answer: stop the query, and let the
			// next caller start afresh rather than join a cancelled call.
			c.cancel()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
		}
		f.mu.Unlock()
		return nil, ctx.Err()
	}
}
