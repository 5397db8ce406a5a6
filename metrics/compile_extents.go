package metrics

import (
	"context"
	"time"
)

// compileFromData compiles q (or its totals) finding every period-end
// bucket in the data, as when no extents are known: the fallback when the
// data changed after the extents the first compilation used were read.
func (c *Catalog) compileFromData(d Dialect, q Query, now time.Time, scope Scope, lim Limits, totals bool) (*Compiled, error) {
	if totals {
		q.Dimensions, q.Order, q.Limit = nil, nil, 1
	}
	p, err := c.check(q, now, scope, lim)
	if err != nil {
		return nil, err
	}
	if totals {
		p.shiftGrain, p.grain, p.time.Grain = p.grain, "", ""
	}
	return c.compile(d, p, nil)
}

// executeExact runs comp through the cache. When its SQL names period-end
// buckets from extents of another data version than the one it ran on (a
// load finished in between), the answer may be wrong, so the query is
// compiled again without them and run once more.
func (e *Engine) executeExact(ctx context.Context, comp *Compiled, fromData func() (*Compiled, error)) (*Result, bool, error) {
	res, cached, err := e.execute(ctx, comp)
	if err != nil || !comp.UsesExtents || e.extentsHold(res, comp) {
		return res, cached, err
	}
	if comp, err = fromData(); err != nil {
		return nil, false, err
	}
	return e.execute(ctx, comp)
}
