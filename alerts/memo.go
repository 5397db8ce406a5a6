package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/beaconbi/beacon/metrics"
)

// tickQuerier runs each distinct (query, scope) once per tick: rules that
// share a governed query (the same metric, breakdown and window under the
// same scope, differing only in their condition or channels) and band
// rules' history queries share one run. The engine's cache would also
// answer a repeat, but only after compiling it and checking its coverage
// again; here a repeat costs a map lookup. Results are read, never changed.
//
// It also folds: rules that differ only in the value of one equality
// filter (one rule per branch: branch = 南京路支行, branch = 徐汇支行, ...)
// are answered by one query broken down by that dimension, each rule
// reading its own group. This is done only where it cannot change the
// answer: simple and ratio metrics (an aggregate over the rows of each
// group, which is what the filter keeps), no order, limit, having or
// totals, no comparison without a breakdown, and a group that has rows;
// otherwise the rule's own query runs. Sums may differ in their last bits
// (1e-14) from the rule's own query, as two runs of one parallel
// aggregation may.
type tickQuerier struct {
	q     Querier
	cat   *metrics.Catalog // nil: no folding
	mu    sync.Mutex
	calls map[string]*memoCall
	// folded counts the answers read from a folded query.
	folded atomic.Int64
}

type memoCall struct {
	once sync.Once
	res  *metrics.Result
	err  error
}

func newTickQuerier(q Querier) *tickQuerier {
	t := &tickQuerier{q: q, calls: map[string]*memoCall{}}
	if c, ok := q.(interface{ Catalog() *metrics.Catalog }); ok {
		t.cat = c.Catalog()
	}
	return t
}

// Run answers q under scope from a folded query, from the tick's earlier
// run of the same query, or by running it (once, however many rules ask
// at the same time).
func (t *tickQuerier) Run(ctx context.Context, q metrics.Query, scope metrics.Scope) (*metrics.Result, error) {
	if fq, f, ok := t.foldable(q); ok {
		res, err := t.once(ctx, fq, scope)
		if err == nil && !res.Truncated {
			if sub, ok := group(res, q, f); ok {
				t.folded.Add(1)
				return sub, nil
			}
		}
	}
	return t.once(ctx, q, scope)
}

func (t *tickQuerier) once(ctx context.Context, q metrics.Query, scope metrics.Scope) (*metrics.Result, error) {
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

// foldable returns q without its one equality filter and broken down by
// the filter's dimension instead, when that gives the same answer.
func (t *tickQuerier) foldable(q metrics.Query) (metrics.Query, metrics.Filter, bool) {
	if t.cat == nil || len(q.Filters) != 1 || q.Filters[0].Op != "eq" || q.Filters[0].Value == nil ||
		slices.Contains(q.Dimensions, q.Filters[0].Dimension) || q.Limit != 0 || len(q.Order) > 0 || q.Totals || len(q.Having) > 0 ||
		// Without a breakdown, q compares with a previous period that may
		// have no rows (a count of 0), where a folded group is absent (NULL).
		(len(q.Dimensions) == 0 && q.Compare != "") {
		return q, metrics.Filter{}, false
	}
	for _, name := range q.Metrics {
		m, ok := t.cat.Metric(name)
		if !ok || (m.Type != "simple" && m.Type != "ratio") {
			return q, metrics.Filter{}, false
		}
	}
	f := q.Filters[0]
	fq := q
	fq.Filters = nil
	fq.Dimensions = append(slices.Clone(q.Dimensions), f.Dimension)
	return fq, f, true
}

// group is the folded result's rows of the filter's value, without the
// filter's column: the result q would have given. False when the group
// has no rows (q on its own may still answer a row, e.g. a count of 0).
func group(res *metrics.Result, q metrics.Query, f metrics.Filter) (*metrics.Result, bool) {
	j := slices.IndexFunc(res.Columns, func(c metrics.Column) bool { return c.Name == f.Dimension })
	if j < 0 {
		return nil, false
	}
	want := fmt.Sprint(f.Value)
	out := *res
	out.Query = &q
	out.Columns = slices.Delete(slices.Clone(res.Columns), j, j+1)
	out.Rows = nil
	for _, row := range res.Rows {
		if row[j] != nil && fmt.Sprint(row[j]) == want {
			out.Rows = append(out.Rows, slices.Delete(slices.Clone(row), j, j+1))
		}
	}
	return &out, len(out.Rows) > 0
}

// distinct is how many different queries the tick ran.
func (t *tickQuerier) distinct() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls)
}
