package alerts

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/beaconbi/beacon/metrics"
)

// tickQuerier runs each distinct (query, scope) once per tick: rules that
// share a governed query (the same metric, breakdown and window under the
// same scope, differing only in their condition or channels) and band
// rules' history queries share one run. The engine's cache would also
// answer a repeat, but only after compiling it and checking its coverage
// again; here a repeat costs a map lookup. Results are read, never changed.
type tickQuerier struct {
	q     Querier
	mu    sync.Mutex
	calls map[string]*memoCall
}

type memoCall struct {
	once sync.Once
	res  *metrics.Result
	err  error
}

func newTickQuerier(q Querier) *tickQuerier {
	return &tickQuerier{q: q, calls: map[string]*memoCall{}}
}

// Run answers from the tick's earlier run of the same query and scope, or
// runs it (once, however many rules ask at the same time).
func (t *tickQuerier) Run(ctx context.Context, q metrics.Query, scope metrics.Scope) (*metrics.Result, error) {
	b, err := json.Marshal(struct {
		Q metrics.Query `json:"q"`
		S metrics.Scope `json:"s"`
	}{q, scope})
	if err != nil {
		return t.q.Run(ctx, q, scope)
	}
	t.mu.Lock()
	c, ok := t.calls[string(b)]
	if !ok {
		c = &memoCall{}
		t.calls[string(b)] = c
	}
	t.mu.Unlock()
	c.once.Do(func() { c.res, c.err = t.q.Run(ctx, q, scope) })
	return c.res, c.err
}

// distinct is how many different queries the tick ran.
func (t *tickQuerier) distinct() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls)
}
