package metrics

import (
	"fmt"
	"slices"
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
)

// rollsUp are the aggregations whose per-bucket results aggregate again
// to the period's: the outer aggregation of each.
var rollsUp = map[string]string{"sum": "sum", "count": "sum", "min": "min", "max": "max"}

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
	if m.Agg == "count" || m.Agg == "count_distinct" {
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
