package export

import (
	"context"
	"slices"

	"github.com/beaconbi/beacon/metrics"
)

// Runner runs a governed metric query under a row scope; *metrics.Engine
// is one.
type Runner interface {
	Run(ctx context.Context, q metrics.Query, scope metrics.Scope) (*metrics.Result, error)
}

// WithTotals runs q and the governed totals its sheet shows: q without
// dimensions (合计), and for two dimensions q by each alone (subtotals).
// A query with a limit has no totals: a total of the top rows would read
// as a total of all of them.
func WithTotals(ctx context.Context, rn Runner, name, title string, q metrics.Query, scope metrics.Scope) (Sheet, error) {
	s := Sheet{Name: name, Title: title}
	var err error
	if s.Result, err = rn.Run(ctx, q, scope); err != nil {
		return s, err
	}
	if len(q.Dimensions) == 0 || q.Limit > 0 {
		return s, nil
	}
	by := func(dims ...string) (*metrics.Result, error) {
		t := q
		t.Dimensions = dims
		t.Order = slices.DeleteFunc(slices.Clone(q.Order), func(o metrics.Order) bool {
			return slices.Contains(q.Dimensions, o.By) && !slices.Contains(dims, o.By)
		})
		return rn.Run(ctx, t, scope)
	}
	if s.Total, err = by(); err != nil {
		return s, err
	}
	if len(q.Dimensions) == 2 {
		if s.ByFirst, err = by(q.Dimensions[0]); err != nil {
			return s, err
		}
		if s.BySecond, err = by(q.Dimensions[1]); err != nil {
			return s, err
		}
	}
	return s, nil
}
