package notify

import (
	"context"
	"net/http"
	"time"
)

// Clock tells the time and waits. Channels, the rate limiter and the retry
// policy take one so that tests run on a fake clock and never really sleep.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, whichever comes first.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx is done.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Options is what a channel needs from its surroundings. The zero value is
// usable: every nil field gets a default.
type Options struct {
	// HTTP sends the requests; nil means NewHTTPClient().
	HTTP *http.Client
	// Clock gives the time for signatures and waits; nil means SystemClock.
	Clock Clock
	// Limits holds the rate limiters per destination. Share one Limits
	// between every notifier of a process so that two rules posting to the
	// same robot count against the same quota; nil gives the notifier its
	// own.
	Limits *Limits
}

// WithDefaults fills the nil fields.
func (o Options) WithDefaults() Options {
	if o.HTTP == nil {
		o.HTTP = NewHTTPClient()
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Limits == nil {
		o.Limits = NewLimits()
	}
	return o
}
