package metrics

import (
	"fmt"
	"slices"
	"time"
)

// semiMode is how a source's semi-additive measures (time_aggregation
// first or last) find the first or last time bucket of each period.
type semiMode int

const (
	// semiNone: no semi-additive measure, or the query's grain is the
	// source's own, so every bucket is its period's first and last.
	semiNone semiMode = iota
	// semiWhole: no grain; one first and one last bucket for the whole
	// window, read as scalar subqueries of a one-row bounds CTE (a CROSS
	// JOIN of the bounds onto every row costs ten times more in DuckDB).
	semiWhole
	// semiRollup: a grain coarser than the source's; the rows are first
	// aggregated to the source's own grain and the buckets are picked in
	// that small result.
	semiRollup
	// semiJoin: a coarser grain with a measure that cannot be aggregated
	// twice (avg, count_distinct): the bounds are joined to every row.
	semiJoin
	// semiKnown: the buckets are named from the source's data extent
	// (knownBounds), as a hand-written query names them: no bounds CTE, and
	// with no grain a range on the time column that skips every other bucket.
	semiKnown
)

// knownBounds are the first and last buckets, at the source's grain, that
// hold data inside a window: with no window the data extent's own; inside
// a window, clipped to it, which is exact where the source has a row in
// every bucket (Extent.Dense). At a coarser grain each period's first
// bucket is the later of the period's start and first, its last the
// earlier of the period's last bucket and last; that too needs density
// and periods made of whole buckets.
type knownBounds struct{ first, last time.Time }

// knownBoundsOf names the buckets of s in win from the extents in set, or
// returns false when they must be found in the data.
func knownBoundsOf(set *extents, p *plan, s *source, win Window) (knownBounds, bool) {
	if set == nil || s.Time == nil {
		return knownBounds{}, false
	}
	x, ok := set.bySource[s.Name]
	if !ok {
		return knownBounds{}, false
	}
	g := s.Time.Grain
	if p.grain != "" && (!x.Dense || !nests(g, p.grain)) {
		return knownBounds{}, false
	}
	b := knownBounds{first: truncate(x.First, g), last: truncate(x.Last, g)}
	if !win.IsZero() {
		if !truncate(win.End, g).Equal(win.End) || !truncate(win.Start, g).Equal(win.Start) {
			return knownBounds{}, false // a bucket cut by the window: its rows decide
		}
		if win.Start.After(b.first) {
			b.first = win.Start
			if !x.Dense {
				return knownBounds{}, false
			}
		}
		if end := addDate(win.End, -1, g); end.Before(b.last) {
			b.last = end
			if !x.Dense {
				return knownBounds{}, false
			}
		}
	}
	if b.first.After(b.last) {
		return knownBounds{}, false // no data in the window
	}
	return b, true
}

// nests reports whether every period of grain is made of whole buckets of
// the source grain g (months do not split into weeks).
func nests(g, grain string) bool {
	switch {
	case g == grain || g == "day":
		return true
	case g == "week":
		return false
	}
	return grainIndex(grain) >= grainIndex(g) && grain != "week"
}

// cond is the condition that the bucket expression t is the first (side
// "first") or the last bucket of its period: equality with a parameter
// with no grain; otherwise the later of the period's start and the first
// known bucket, and for the last, the known last bucket or a bucket whose
// next one starts the next period (no row's bucket is after the last).
func (b knownBounds) cond(w *sqlWriter, p *plan, s *source, t, side string) string {
	d := w.d
	if side == "first" {
		lo := d.DateParam(w.param(b.first.Format("2006-01-02")), "DATE")
		if p.grain == "" {
			return t + " = " + lo
		}
		return t + " = greatest(" + d.TruncDate(p.grain, t) + ", " + lo + ")"
	}
	hi := d.DateParam(w.param(b.last.Format("2006-01-02")), "DATE")
	if p.grain == "" {
		return t + " = " + hi
	}
	return "(" + t + " = " + hi + " OR " + d.AddDate(t, 1, s.Time.Grain) + " = " + d.AddDate(d.TruncDate(p.grain, t), 1, p.grain) + ")"
}

// semiCase is the value a semi-additive measure aggregates in one row:
// v where the row's bucket is its period's first (or last), else NULL.
func (b knownBounds) semiCase(w *sqlWriter, p *plan, s *source, m *measure, v, t string) string {
	if m.TimeAggregation == "" {
		return v
	}
	return "CASE WHEN " + b.cond(w, p, s, t, m.TimeAggregation) + " THEN " + v + " END"
}

// oneSide is "first" or "last" when every measure reads only its period's
// first (or every one only its last) bucket, so rows of other buckets can
// be left out instead of aggregated as NULL; otherwise "".
func oneSide(measures []*measure) string {
	side := measures[0].TimeAggregation
	for _, m := range measures {
		if m.TimeAggregation != side {
			return ""
		}
	}
	return side
}

// rollsUp are the aggregations whose per-bucket results aggregate again
// to the period's: the outer aggregation of each.
var rollsUp = map[string]string{"sum": "sum", "count": "sum", "min": "min", "max": "max", "sum0": "sum"}

// semiModeOf picks the semi-additive plan of one source's measures.
func semiModeOf(p *plan, s *source, measures []*measure) semiMode {
	if !slices.ContainsFunc(measures, func(m *measure) bool { return m.TimeAggregation != "" }) {
		return semiNone
	}
	switch {
	case p.grain == "":
		return semiWhole
	case grainIndex(p.grain) == grainIndex(s.Time.Grain):
		return semiNone
	}
	for _, m := range measures {
		if _, ok := rollsUp[m.Agg]; !ok && m.TimeAggregation == "" {
			return semiJoin
		}
	}
	return semiRollup
}

// boundsCTE writes the first and last bucket (at the source's grain) of
// each period of the window. With no grain it is one row read from min
// and max of the time column, which DuckDB answers from its statistics
// when no window narrows the table. With a grain the distinct raw times
// are read first, so the truncations run on a few values, not on every row.
func boundsCTE(d Dialect, name string, p *plan, s *source, local, table, where string) string {
	if p.grain == "" {
		return fmt.Sprintf("%s AS (SELECT %s AS first_t, %s AS last_t FROM %s%s)", d.Quote(name),
			d.TruncDate(s.Time.Grain, "min("+local+")"), d.TruncDate(s.Time.Grain, "max("+local+")"), table, where)
	}
	return fmt.Sprintf("%s AS (SELECT %s AS bucket, min(t) AS first_t, max(t) AS last_t FROM (SELECT %s AS t FROM (SELECT DISTINCT %s AS raw FROM %s%s)) GROUP BY 1)",
		d.Quote(name), d.TruncDate(p.grain, "t"), d.TruncDate(s.Time.Grain, "raw"), local, table, where)
}

// semiValue is the value a measure aggregates in one row: for a
// semi-additive measure only in its period's first or last bucket. t is
// the row's bucket; bound reads the bounds' first_t or last_t.
func semiValue(m *measure, v, t string, bound func(col string) string) string {
	switch m.TimeAggregation {
	case "first":
		return "CASE WHEN " + t + " = " + bound("first_t") + " THEN " + v + " END"
	case "last":
		return "CASE WHEN " + t + " = " + bound("last_t") + " THEN " + v + " END"
	}
	return v
}

// rollupAgg is the outer aggregation of a measure aggregated per bucket:
// a semi-additive measure keeps its one bucket's value (none is 0 for
// counts, as a count over no rows is), others aggregate again.
func rollupAgg(m *measure, v string) string {
	if m.TimeAggregation == "" {
		return rollsUp[m.Agg] + "(" + v + ")"
	}
	if m.Agg == "count" || m.Agg == "count_distinct" || m.Agg == "sum0" {
		return "coalesce(sum(" + v + "), 0)"
	}
	return "sum(" + v + ")"
}

// rollupSelect is the outer select of a rolled-up source: the period,
// the dimensions and each measure re-aggregated from its buckets, with
// semi-additive measures read only in their period's first or last bucket.
func rollupSelect(d Dialect, p *plan, s *source, measures []*measure, win window) []string {
	t := "f." + d.Quote("t__")
	sel := []string{d.AddDate(d.TruncDate(p.grain, t), win.shiftN, win.unit) + " AS " + d.Quote("period")}
	for _, dm := range p.dims {
		sel = append(sel, "f."+d.Quote(dm.Name)+" AS "+d.Quote(dm.Name))
	}
	for _, m := range measures {
		v := semiValue(m, "f."+d.Quote("m__"+m.Name), t, func(c string) string { return "b." + c })
		sel = append(sel, rollupAgg(m, v)+" AS "+d.Quote(s.Name+"__"+m.Name))
	}
	return sel
}
