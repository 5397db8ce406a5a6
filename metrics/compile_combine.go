package metrics

import (
	"fmt"
	"slices"
	"strings"
)

// neededMetrics is every metric the query needs, dependencies first.
func (c *Catalog) neededMetrics(p *plan) []*Metric {
	var needed []*Metric
	have := map[string]bool{}
	var add func(m *Metric)
	add = func(m *Metric) {
		if have[m.Name] {
			return
		}
		have[m.Name] = true
		for _, dep := range c.metricDeps[m.Name] {
			add(c.metrics[dep])
		}
		needed = append(needed, m)
	}
	for _, m := range p.metrics {
		add(m)
	}
	return needed
}

// splitShareFilters: a share is taken of the whole, so filters on the
// dimension it is broken down by pick rows of the result after the shares
// are computed (高净值's share of all segments) instead of shrinking the
// whole. It returns the plan without those filters, and the filters.
func splitShareFilters(p *plan, needed []*Metric) (*plan, []filterPlan) {
	var post []filterPlan
	if slices.ContainsFunc(needed, func(m *Metric) bool { return m.Type == "share" }) {
		pre := *p
		pre.filters = nil
		for _, f := range p.filters {
			if slices.Contains(p.dims, f.dim) {
				post = append(post, f)
			} else {
				pre.filters = append(pre.filters, f)
			}
		}
		p = &pre
	}
	return p, post
}

// combineCTE joins the sources' aggregates of one window and computes every
// needed metric over them.
func (c *Catalog) combineCTE(d Dialect, p *plan, name string, parts, keys, measureCols []string, needed []*Metric) string {
	var sel []string
	for _, k := range keys {
		sel = append(sel, d.Quote(k))
	}
	partition := ""
	if p.grain != "" {
		partition = "PARTITION BY " + d.Quote("period")
	}
	var dimKeys []string
	for _, dm := range p.dims {
		dimKeys = append(dimKeys, d.Quote(dm.Name))
	}
	var metricSQL func(m *Metric) string
	metricSQL = func(m *Metric) string {
		measureCol := func(ref string) string {
			ms := c.measures[ref]
			return d.Quote(ms.source.Name + "__" + ms.Name)
		}
		switch m.Type {
		case "simple":
			return measureCol(m.Measure)
		case "ratio":
			return d.Divide(measureCol(m.Numerator), measureCol(m.Denominator))
		case "derived":
			e, _ := parseExpr(m.Expr)
			return e.sql(func(ref string) string { return "(" + metricSQL(c.metrics[ref]) + ")" })
		case "share":
			x := metricSQL(c.metrics[m.Metric])
			return d.Divide(x, "sum("+x+") OVER ("+partition+")")
		case "cumulative":
			x := ""
			if m.Measure != "" {
				x = measureCol(m.Measure)
			} else {
				x = metricSQL(c.metrics[m.Metric])
			}
			if p.grain == "" {
				return x
			}
			over := "ORDER BY " + d.Quote("period") + " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
			if len(dimKeys) > 0 {
				over = "PARTITION BY " + strings.Join(dimKeys, ", ") + " " + over
			}
			return "sum(" + x + ") OVER (" + over + ")"
		}
		return "NULL" // period_over_period: computed in the final select
	}
	for _, m := range needed {
		if m.Type == "period_over_period" {
			continue
		}
		sel = append(sel, metricSQL(m)+" AS "+d.Quote(m.Name))
	}
	from := d.Quote(parts[0])
	if len(parts) > 1 {
		// The sources are joined in a subquery first, so that the metrics'
		// window functions see one "period" column, not one per source.
		var inner []string
		for _, k := range keys {
			var co []string
			for i := range parts {
				co = append(co, fmt.Sprintf("s%d.%s", i, d.Quote(k)))
			}
			inner = append(inner, "COALESCE("+strings.Join(co, ", ")+") AS "+d.Quote(k))
		}
		inner = append(inner, measureCols...)
		from = "(SELECT " + strings.Join(inner, ", ") + " FROM " + d.Quote(parts[0]) + " AS s0"
		for i := 1; i < len(parts); i++ {
			a := fmt.Sprintf("s%d", i)
			if len(keys) == 0 {
				from += fmt.Sprintf(" CROSS JOIN %s AS %s", d.Quote(parts[i]), a)
				continue
			}
			// Keys of earlier parts may be NULL where only a later source has the row.
			var conds []string
			for _, k := range keys {
				var prev []string
				for j := 0; j < i; j++ {
					prev = append(prev, fmt.Sprintf("s%d.%s", j, d.Quote(k)))
				}
				left := prev[0]
				if len(prev) > 1 {
					left = "COALESCE(" + strings.Join(prev, ", ") + ")"
				}
				conds = append(conds, d.NullSafeEqual(left, a+"."+d.Quote(k)))
			}
			from += fmt.Sprintf("\n  FULL JOIN %s AS %s ON %s", d.Quote(parts[i]), a, strings.Join(conds, " AND "))
		}
		from += ") AS j"
	}
	return fmt.Sprintf("%s AS (\n  SELECT %s\n  FROM %s)", d.Quote(name), strings.Join(sel, ", "), from)
}
