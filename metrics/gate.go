package metrics

import (
	"context"
	"time"
)

// Gate is asked, before a query runs, about each table it reads over time
// and the query's window [from, to) of civil dates (its comparison window
// too; zero bounds are open). An error refuses the query: a table whose
// rows for part of the window are still being computed (the churn scores
// after a start) must not answer with the older rows it holds.
type Gate func(ctx context.Context, table string, from, to time.Time) error

// gateQuery asks the engine's gate about every time source of q's metrics.
func (e *Engine) gateQuery(ctx context.Context, cat *Catalog, q Query, comp *Compiled) error {
	if e.gate == nil {
		return nil
	}
	var spans [][2]time.Time
	if w := comp.Time.window; !w.IsZero() {
		spans = append(spans, [2]time.Time{civil(w.Start), civil(w.End)})
	} else {
		spans = append(spans, [2]time.Time{})
	}
	if c := comp.Time.Comparison; c != nil {
		s, err1 := time.Parse("2006-01-02", c.Start)
		end, err2 := time.Parse("2006-01-02", c.End)
		if err1 == nil && err2 == nil {
			spans = append(spans, [2]time.Time{s, end.AddDate(0, 0, 1)})
		}
	}
	seen := map[string]bool{}
	for _, m := range q.Metrics {
		for _, name := range cat.TimeSources(m) {
			src := cat.sources[name]
			if src == nil || seen[src.Table] {
				continue
			}
			seen[src.Table] = true
			for _, sp := range spans {
				if err := e.gate(ctx, src.Table, sp[0], sp[1]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
