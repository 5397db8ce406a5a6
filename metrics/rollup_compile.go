package metrics

import (
	"slices"
	"time"
)

// CompileRouted is Compile with rollup routing: each source a rollup in
// avail answers exactly is read from that rollup; Compiled.Rollups names
// those used.
func (c *Catalog) CompileRouted(d Dialect, q Query, now time.Time, scope Scope, lim Limits, avail RollupAvailability) (*Compiled, error) {
	p, err := c.check(q, now, scope, lim)
	if err != nil {
		return nil, err
	}
	p.rollups = avail
	return c.compile(d, p, c.extents.Load())
}

// CompileTotalsRouted is CompileTotals with rollup routing.
func (c *Catalog) CompileTotalsRouted(d Dialect, q Query, now time.Time, scope Scope, lim Limits, avail RollupAvailability) (*Compiled, error) {
	q.Dimensions, q.Order, q.Limit = nil, nil, 1
	p, err := c.check(q, now, scope, lim)
	if err != nil {
		return nil, err
	}
	p.shiftGrain, p.grain, p.time.Grain = p.grain, "", ""
	p.rollups = avail
	return c.compile(d, p, c.extents.Load())
}

// tablesRead are the base tables an answer over srcs depends on: each
// source's table and every table joined from it (a superset of what one
// query joins, which only makes cache entries drop more often).
func (c *Catalog) tablesRead(srcs []*source) []string {
	var out []string
	for _, s := range srcs {
		seen := map[string]bool{}
		queue := []*source{s}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			if seen[n.Name] {
				continue
			}
			seen[n.Name] = true
			if !slices.Contains(out, n.Table) {
				out = append(out, n.Table)
			}
			for _, j := range n.Joins {
				if t := c.sources[j.To]; t != nil {
					queue = append(queue, t)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// Rollups lists the model's rollup names, in model order.
func (c *Catalog) Rollups() []string {
	out := make([]string, len(c.rollups))
	for i, r := range c.rollups {
		out[i] = r.Name
	}
	return out
}

func (c *Catalog) rollup(name string) *rollupDef {
	for _, r := range c.rollups {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// TimePartitioning is how loads of table are split in time: the time
// column and grain of the model's source over it, for the overlap check
// of appends. ok is false for a table without time.
func (c *Catalog) TimePartitioning(table string) (column, grain string, ok bool) {
	for _, s := range c.Model.Sources {
		src := c.sources[s.Name]
		if src != nil && src.Source == s && src.Table == table && src.Time != nil {
			return src.Time.Column, src.Time.Grain, true
		}
	}
	return "", "", false
}
