package notify

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// Policy bounds the retries of one delivery: exponential backoff with full
// jitter (a wait drawn uniformly from zero to the capped exponential), so
// that many deliveries failing together do not come back together.
type Policy struct {
	// MaxAttempts counts the first attempt; at least 1.
	MaxAttempts int
	// BaseDelay is the cap of the first wait; it doubles at each attempt.
	BaseDelay time.Duration
	// MaxDelay caps any one backoff wait (a provider's Retry-After may be
	// longer and is honoured).
	MaxDelay time.Duration
	// MaxElapsed bounds the whole delivery, waits included: a retry that
	// would start later is not made, and the last error is returned.
	MaxElapsed time.Duration
	// Clock measures and waits; nil means SystemClock.
	Clock Clock
	// Jitter returns a number in [0, 1); nil means math/rand.
	Jitter func() float64
}

// DefaultPolicy is five attempts within fifteen minutes, waits starting
// under one second and capped at one minute: long enough to ride out a
// provider's brief outage or a DingTalk mute, short enough that an outbox
// worker is not held for long.
func DefaultPolicy() Policy {
	return Policy{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: time.Minute, MaxElapsed: 15 * time.Minute}
}

// Attempt is one try at a delivery, for the delivery log.
type Attempt struct {
	Channel  string
	Number   int // from 1
	Start    time.Time
	Duration time.Duration
	Status   int    // HTTP status, SMTP code, or 0 for a network error
	Answer   string // the provider's answer, clipped
	Err      error  // nil when delivered
	// Retry says whether another attempt follows, after Wait.
	Retry bool
	Wait  time.Duration
}

// Deliver sends msg through n, retrying retryable failures under p (the
// caller waits in between: for a send that must not hold its caller, a
// durable queue such as the alerts outbox records each attempt and asks
// Policy.Next when to try again), and
// reports every attempt to onAttempt (which may be nil) before waiting for
// the next. It returns the receipt of the delivered attempt, or the last
// error: a *SendError whose Retry field tells the caller whether trying
// again later (after a restart, say) may still succeed.
func Deliver(ctx context.Context, n Notifier, msg Message, p Policy, onAttempt func(Attempt)) (Receipt, error) {
	p = p.WithDefaults()
	start := p.Clock.Now()
	for num := 1; ; num++ {
		t0 := p.Clock.Now()
		rec, err := n.Send(ctx, msg)
		a := Attempt{Channel: n.Channel(), Number: num, Start: t0, Duration: p.Clock.Now().Sub(t0), Status: rec.Status, Answer: rec.Answer, Err: err}
		if err == nil {
			report(onAttempt, a)
			return rec, nil
		}
		var se *SendError
		if errors.As(err, &se) {
			a.Status, a.Answer = se.Status, se.Answer
		}
		wait, again := p.Next(num, err, p.Clock.Now().Sub(start))
		if ctx.Err() != nil {
			again = false
		}
		a.Retry, a.Wait = again, 0
		if again {
			a.Wait = wait
		}
		report(onAttempt, a)
		if !again {
			return Receipt{}, err
		}
		if serr := p.Clock.Sleep(ctx, wait); serr != nil {
			return Receipt{}, err
		}
	}
}

// Next decides whether attempt num (from 1), which failed with err when
// elapsed had passed since the first attempt began, is followed by
// another, and after how long. Only a *SendError marked Retry is retried;
// p must have its defaults (WithDefaults).
func (p Policy) Next(num int, err error, elapsed time.Duration) (time.Duration, bool) {
	var se *SendError
	if !errors.As(err, &se) || !se.Retry || num >= p.MaxAttempts {
		return 0, false
	}
	ceiling := p.BaseDelay << (num - 1)
	if ceiling > p.MaxDelay || ceiling <= 0 {
		ceiling = p.MaxDelay
	}
	wait := time.Duration(p.Jitter() * float64(ceiling))
	if se.RetryAfter > wait {
		wait = se.RetryAfter
	}
	if elapsed+wait > p.MaxElapsed {
		return 0, false
	}
	return wait, true
}

// WithDefaults fills in the zero fields from DefaultPolicy, the system
// clock and math/rand.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	if p.MaxAttempts < 1 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.MaxElapsed <= 0 {
		p.MaxElapsed = d.MaxElapsed
	}
	if p.Clock == nil {
		p.Clock = SystemClock{}
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

func report(f func(Attempt), a Attempt) {
	if f != nil {
		f(a)
	}
}
