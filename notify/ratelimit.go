package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Limits holds one Window per destination (a robot, a webhook), created on
// first use. It is safe for concurrent use.
type Limits struct {
	mu      sync.Mutex
	windows map[string]*Window
}

// NewLimits returns an empty set of limiters.
func NewLimits() *Limits {
	return &Limits{windows: map[string]*Window{}}
}

// Window returns the limiter of one destination, allowing n sends per
// period. The key is hashed so that a robot's token is not kept in the map.
func (l *Limits) Window(key string, n int, per time.Duration) *Window {
	sum := sha256.Sum256([]byte(key))
	k := hex.EncodeToString(sum[:])
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[k]
	if !ok {
		w = &Window{n: n, per: per}
		l.windows[k] = w
	}
	return w
}

// Window allows at most n sends in any period of length per. It keeps the
// times of the last n sends (a sliding log) rather than a token bucket:
// a bucket of n refilled at n per period lets almost 2n through in one
// period after an idle spell, which is exactly what mutes a DingTalk robot.
type Window struct {
	mu    sync.Mutex
	n     int
	per   time.Duration
	sent  []time.Time
	until time.Time // the provider asked us to hold off until then
}

// QuotaError says a send would have to wait for its destination's quota
// longer than its context allows. No request was made.
type QuotaError struct {
	Wait time.Duration
	// Held says the provider asked every sender to hold off (DingTalk's
	// 130101, for one); otherwise it is Beacon's own pacing, N requests
	// per Per, which counts every request made, failed ones included.
	Held bool
	N    int
	Per  time.Duration
}

// Error says which of the two holds the send back, so that a delivery log
// does not read as if the provider had refused it.
func (e *QuotaError) Error() string {
	wait := e.Wait.Round(time.Second)
	if e.Held {
		return fmt.Sprintf("not sent, no request made: the provider asked to hold off every message to this destination; the next is allowed in %v", wait)
	}
	return fmt.Sprintf("not sent, no request made: Beacon paces this destination at %d requests per %v (failed attempts count, as the provider counts them); the next is allowed in %v",
		e.N, e.Per, wait)
}

// Wait blocks until a send is allowed and books it. A caller over the limit
// waits rather than dropping its message: the queue is the set of callers
// waiting here. When ctx's deadline comes before the turn, it returns a
// *QuotaError at once instead of sleeping to the deadline for nothing.
func (w *Window) Wait(ctx context.Context, c Clock) error {
	for {
		wait, held := w.reserve(c.Now())
		if wait <= 0 {
			return nil
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return &QuotaError{Wait: wait, Held: held, N: w.n, Per: w.per}
		}
		if err := c.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// QuotaSendError is the SendError of a failed Wait: retryable, after the
// wait the quota asked for when it said.
func QuotaSendError(channel string, err error) *SendError {
	se := &SendError{Channel: channel, Retry: true, Err: err}
	var qe *QuotaError
	if errors.As(err, &qe) {
		se.RetryAfter = qe.Wait
	}
	return se
}

// reserve books a send at now and returns 0, or returns how long to wait
// and whether a provider's hold (rather than the window) is the reason.
func (w *Window) reserve(now time.Time) (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if now.Before(w.until) {
		return w.until.Sub(now), true
	}
	for len(w.sent) > 0 && now.Sub(w.sent[0]) >= w.per {
		w.sent = w.sent[1:]
	}
	if len(w.sent) < w.n {
		w.sent = append(w.sent, now)
		return 0, false
	}
	return w.sent[0].Add(w.per).Sub(now), false
}

// Hold stops every send until t, for when the provider says we went too
// fast (another process may share the robot).
func (w *Window) Hold(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if t.After(w.until) {
		w.until = t
	}
}
