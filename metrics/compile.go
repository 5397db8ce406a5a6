package metrics

import (
	"time"
)

// Compiled is a metric query compiled to one SQL statement with its bound
// parameters, and what is needed to read and explain its result.
type Compiled struct {
	SQL     string
	Args    []any
	Columns []Column
	Time    ResolvedTime
	// Definitions are the metrics asked for and those they are built from.
	Definitions []*Metric
	// Limit is the row cap; the SQL fetches one row more to detect truncation.
	Limit int
	// EstimatedRows bounds the rows the SQL can return, from the
	// dimensions' known values and the periods, before it runs.
	EstimatedRows int
	// UsesExtents is set when the SQL names period-end buckets from the
	// sources' data extents read at data version ExtentsVersion: its answer
	// is exact only when it runs on the data of that version.
	UsesExtents    bool
	ExtentsVersion uint64
	// Rollups are the rollups the SQL reads instead of base tables,
	// ServedFrom says whether any or all sources were, and Tables are the
	// base tables the answer depends on (rollup.go).
	Rollups    []string
	ServedFrom string
	Tables     []string
}

// Column describes one result column.
type Column struct {
	Name   string `json:"name"`
	Type   string `json:"type"`             // date, string, number, integer, boolean
	Role   string `json:"role"`             // time, dimension, metric, comparison
	Metric string `json:"metric,omitempty"` // for comparison columns, the metric compared
	Format string `json:"format,omitempty"`
	Label  Text   `json:"label"`
}

// Compile checks q against the catalog and compiles it for the dialect.
// now fixes "today" for relative ranges; scope is the caller's row policy.
func (c *Catalog) Compile(d Dialect, q Query, now time.Time, scope Scope, lim Limits) (*Compiled, error) {
	p, err := c.check(q, now, scope, lim)
	if err != nil {
		return nil, err
	}
	return c.compile(d, p, c.extents.Load())
}

// CompileTotals compiles the totals of q: the same metrics, filters and
// range with no dimensions and no time grain, so ratios are recomputed
// over the whole, not summed. The previous totals of a comparison cover
// the comparison window the rows' answer echoes (the range moved back by
// one period of q's grain), not a window of their own.
func (c *Catalog) CompileTotals(d Dialect, q Query, now time.Time, scope Scope, lim Limits) (*Compiled, error) {
	q.Dimensions, q.Order, q.Limit = nil, nil, 1
	p, err := c.check(q, now, scope, lim)
	if err != nil {
		return nil, err
	}
	p.shiftGrain, p.grain, p.time.Grain = p.grain, "", ""
	return c.compile(d, p, c.extents.Load())
}

// compile runs the passes over a checked plan: the metrics needed, the
// share filters set aside, the time windows (compile_window.go), the
// measures by source (compile_sources.go, with semi-additive measures in
// compile_semi.go), one aggregate CTE per source and window, the combine
// CTE of each window (compile_combine.go), and the final select
// (compile_sql.go). Engine syntax comes only from the Dialect.
func (c *Catalog) compile(d Dialect, p *plan, ext *extents) (*Compiled, error) {
	if ch, ok := d.(ClickHouse); ok {
		return c.compileNested(ch, p) // no CTEs nor window functions there
	}
	w := &sqlWriter{d: d, extents: ext}
	out := &Compiled{Time: p.time, Limit: p.limit, EstimatedRows: estimateRows(p)}

	needed := c.neededMetrics(p)
	out.Definitions = needed

	p, post := splitShareFilters(p, needed)

	windows, modes, cmp := planWindows(p, needed)
	if cmp != nil {
		out.Time.Comparison = cmp
	}

	srcs, bySource, err := c.measureSources(p, needed, windows)
	if err != nil {
		return nil, err
	}
	out.Tables = c.tablesRead(srcs)
	srcs, bySource = c.routeRollups(p, srcs, bySource, windows, out)
	if sql, ok := c.flatRollup(w, p, out, windows, modes, post, srcs, bySource, needed); ok {
		out.SQL, out.Args = sql, w.args // one SELECT over the rollup's rows (rollup_flat.go)
		return out, nil
	}

	keys := []string{}
	if p.grain != "" {
		keys = append(keys, "period")
	}
	for _, dm := range p.dims {
		keys = append(keys, dm.Name)
	}

	var measureCols []string
	for _, s := range srcs {
		for _, m := range bySource[s] {
			measureCols = append(measureCols, d.Quote(s.Name+"__"+m.Name))
		}
	}
	var ctes []string
	tzParam := ""
	for _, win := range windows {
		var parts []string
		for _, s := range srcs {
			b, err := c.sourceCTEs(w, p, s, bySource[s], win, &tzParam)
			if err != nil {
				return nil, err
			}
			ctes = append(ctes, b...)
			parts = append(parts, win.name+"__"+s.Name)
		}
		ctes = append(ctes, c.combineCTE(d, p, win.name, parts, keys, measureCols, needed))
	}

	// Final select: the current window, joined to each comparison window.
	out.SQL = c.writeSelect(w, p, out, ctes, keys, modes, post)
	out.Args = w.args
	if w.usedExtents {
		out.UsesExtents, out.ExtentsVersion = true, w.extents.version
	}
	return out, nil
}
