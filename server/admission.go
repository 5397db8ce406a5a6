package server

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/queries"
)

// Classes of work, each admitted through its own gate so that one kind of
// work cannot crowd out the others: results from the cache and catalog
// reads; governed queries that must run on DuckDB; analysts' free SQL;
// ChatBI questions (which may wait on an LLM, then run queries).
const (
	ClassCheap = "cheap"
	ClassQuery = "query"
	ClassSQL   = "sql"
	ClassChat  = "chat"
)

var classes = []string{ClassCheap, ClassQuery, ClassSQL, ClassChat}

// Limit bounds one class: how many requests run at once, and how many more
// may wait for a turn. Beyond both, a request is refused at once with 503.
type Limit struct {
	Running int `json:"running"`
	Queued  int `json:"queued"`
}

// AdmissionConfig sets the gates. Zero values take DefaultAdmission.
type AdmissionConfig struct {
	// Limits by class name; a missing class keeps its default.
	Limits map[string]Limit
	// MaxWait is the longest a request waits in a queue before it is
	// refused with 503 (default 10s).
	MaxWait time.Duration
}

// DefaultAdmission is sized to the machine: governed queries run as many at
// once as the warehouse has read connections (2 per CPU) and queue 8 per
// connection; free SQL runs as many as the SQL guard allows at once.
func DefaultAdmission() AdmissionConfig {
	n := runtime.NumCPU()
	return AdmissionConfig{MaxWait: 10 * time.Second, Limits: map[string]Limit{
		ClassCheap: {Running: 16 * n, Queued: 256},
		ClassQuery: {Running: 2 * n, Queued: 16 * n},
		ClassSQL:   {Running: queries.MaxConcurrentSQL, Queued: 8},
		ClassChat:  {Running: 2 * n, Queued: 16 * n},
	}}
}

// ParseAdmission reads "class=running/queued,..." (e.g. "query=8/64,sql=1/4")
// over the defaults.
func ParseAdmission(spec string) (AdmissionConfig, error) {
	cfg := DefaultAdmission()
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		run, queue, ok2 := strings.Cut(val, "/")
		r, err1 := strconv.Atoi(run)
		q, err2 := strconv.Atoi(queue)
		if !ok || !ok2 || err1 != nil || err2 != nil || r < 1 || q < 0 {
			return cfg, fmt.Errorf("admission %q: want class=running/queued with running >= 1 and queued >= 0, e.g. query=8/64", part)
		}
		if _, known := cfg.Limits[name]; !known {
			return cfg, fmt.Errorf("admission %q: unknown class %q (classes: %s)", part, name, strings.Join(classes, ", "))
		}
		cfg.Limits[name] = Limit{Running: r, Queued: q}
	}
	return cfg, nil
}

// admission holds one gate per class.
type admission struct {
	gates   map[string]*gate
	maxWait time.Duration
}

func newAdmission(cfg AdmissionConfig) *admission {
	def := DefaultAdmission()
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = def.MaxWait
	}
	a := &admission{gates: map[string]*gate{}, maxWait: cfg.MaxWait}
	for _, c := range classes {
		lim, ok := cfg.Limits[c]
		if !ok || lim.Running < 1 {
			lim = def.Limits[c]
		}
		a.gates[c] = &gate{class: c, limit: lim, slots: make(chan struct{}, lim.Running)}
	}
	return a
}

// gate is a counting semaphore with a bounded queue.
type gate struct {
	class    string
	limit    Limit
	slots    chan struct{}
	queued   atomic.Int64
	admitted atomic.Int64
	refused  atomic.Int64
	// avgNanos is a moving average of how long admitted work ran, for Retry-After.
	avgNanos atomic.Int64
}

// enter waits for a turn. It returns a *busyError when the queue is full or
// the wait passes maxWait, and ctx's error when the caller leaves first.
func (g *gate) enter(ctx context.Context, maxWait time.Duration) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
		return g.admit(), nil
	default:
	}
	if g.queued.Add(1) > int64(g.limit.Queued) {
		g.queued.Add(-1)
		return nil, g.busy("the queue is full")
	}
	t := time.NewTimer(maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		g.queued.Add(-1)
		return g.admit(), nil
	case <-t.C:
		// Out of the queue first, so that "waiting" counts the others.
		g.queued.Add(-1)
		return nil, g.busy(fmt.Sprintf("no turn came free within %s", maxWait))
	case <-ctx.Done():
		g.queued.Add(-1)
		return nil, ctx.Err()
	}
}

func (g *gate) admit() func() {
	g.admitted.Add(1)
	start := time.Now()
	return func() {
		d := time.Since(start).Nanoseconds()
		// An exponential moving average, weight 1/8; races only blur it.
		old := g.avgNanos.Load()
		g.avgNanos.Store(old + (d-old)/8)
		<-g.slots
	}
}

func (g *gate) busy(why string) *busyError {
	g.refused.Add(1)
	running, queued := len(g.slots), int(g.queued.Load())
	// The time for the queue ahead to drain, in whole seconds, 1 to 30.
	avg := time.Duration(g.avgNanos.Load())
	if avg == 0 {
		avg = time.Second // nothing has finished yet: assume a second each
	}
	est := avg * time.Duration(queued+1) / time.Duration(g.limit.Running)
	secs := min(max(int((est+time.Second-1)/time.Second), 1), 30)
	return &busyError{Class: g.class, Why: why, Running: running, Queued: queued, RetryAfter: secs}
}

// busyError refuses work the server has no room for now; it becomes a 503
// with a Retry-After header.
type busyError struct {
	Class           string
	Why             string
	Running, Queued int
	RetryAfter      int // seconds
}

// Error reads as one sentence: "the server is busy: 4 query requests
// running and 1 waiting; no turn came free within 10s; retry after 2 s".
// Why is a whole clause ("the queue is full").
func (e *busyError) Error() string {
	return fmt.Sprintf("the server is busy: %s running and %d waiting; %s; retry after %d s",
		plural(e.Running, e.Class+" request"), e.Queued, e.Why, e.RetryAfter)
}

// plural writes a count with its noun: 1 query request, 4 query requests.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// Load is one class's figures, for /healthz.
type Load struct {
	Running  int   `json:"running"`
	Queued   int   `json:"queued"`
	Limit    Limit `json:"limit"`
	Admitted int64 `json:"admitted"`
	Refused  int64 `json:"refused"`
}

func (a *admission) load() map[string]Load {
	out := map[string]Load{}
	for c, g := range a.gates {
		out[c] = Load{Running: len(g.slots), Queued: int(g.queued.Load()), Limit: g.limit, Admitted: g.admitted.Load(), Refused: g.refused.Load()}
	}
	return out
}

// admit is middleware that runs the rest of the route inside class's gate.
func (s *Server) admit(class string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		release, err := s.enter(c, class)
		if err != nil {
			return err
		}
		defer release()
		return c.Next()
	}
}

// enter takes a turn in class's gate for the request.
func (s *Server) enter(c *fiber.Ctx, class string) (func(), error) {
	release, err := s.admission.gates[class].enter(c.UserContext(), s.admission.maxWait)
	if err != nil && c.UserContext().Err() != nil {
		return nil, &beacon.Error{Code: beacon.ECANCELED, Message: "the request was cancelled while it waited for a turn", Err: err}
	}
	return release, err
}
