package metrics

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFlightSharesOneRunAndCancelsOnlyWhenAllLeave(t *testing.T) {
	var f flight
	release := make(chan struct{})
	runs := 0
	fn := func(ctx context.Context) (*Result, error) {
		runs++
		select {
		case <-release:
			return &Result{SQL: "done"}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	// A leaves early; B stays and gets the answer of the one shared run.
	actx, acancel := context.WithCancel(context.Background())
	aerr := make(chan error, 1)
	go func() { _, err := f.do(actx, "k", fn); aerr <- err }()
	for f.waiting("k") != 1 {
		time.Sleep(time.Millisecond)
	}
	bres := make(chan *Result, 1)
	go func() { r, _ := f.do(context.Background(), "k", fn); bres <- r }()
	for f.waiting("k") != 2 {
		time.Sleep(time.Millisecond)
	}
	acancel()
	if err := <-aerr; !errors.Is(err, context.Canceled) {
		t.Fatalf("A: %v, want canceled", err)
	}
	close(release)
	if r := <-bres; r == nil || r.SQL != "done" || runs != 1 {
		t.Fatalf("B got %v after %d runs; want the shared result of one run", r, runs)
	}

	// When everyone leaves, the shared run is cancelled.
	stopped := make(chan error, 1)
	slow := func(ctx context.Context) (*Result, error) { <-ctx.Done(); stopped <- ctx.Err(); return nil, ctx.Err() }
	cctx, ccancel := context.WithCancel(context.Background())
	go f.do(cctx, "slow", slow)
	for f.waiting("slow") != 1 {
		time.Sleep(time.Millisecond)
	}
	ccancel()
	if err := <-stopped; !errors.Is(err, context.Canceled) {
		t.Fatalf("the shared run ended with %v, want canceled", err)
	}
}

// waiting reports how many callers wait on key (tests only).
func (f *flight) waiting(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.calls[key]; ok {
		return c.waiters
	}
	return 0
}

func TestFlightTurnsAPanicIntoAnError(t *testing.T) {
	var f flight
	_, err := f.do(context.Background(), "p", func(context.Context) (*Result, error) { panic("boom") })
	if err == nil {
		t.Fatal("a panicking query returned no error")
	}
}
