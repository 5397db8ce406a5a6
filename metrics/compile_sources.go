package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/beaconbi/beacon"
)

// measureSources is the sources pass: the measures the needed metrics
// read, grouped by source in a stable order, with each source checked
// against the query's time grain and windows.
func (c *Catalog) measureSources(p *plan, needed []*Metric, windows []window) ([]*source, map[*source][]*measure, error) {
	var srcs []*source
	bySource := map[*source][]*measure{}
	for _, m := range needed {
		for _, ref := range []string{m.Measure, m.Numerator, m.Denominator} {
			if ref == "" || m.Type == "derived" || m.Type == "share" || m.Type == "period_over_period" {
				continue
			}
			ms := c.measures[ref]
			if ms == nil {
				continue
			}
			if _, ok := bySource[ms.source]; !ok {
				srcs = append(srcs, ms.source)
			}
			if !slices.Contains(bySource[ms.source], ms) {
				bySource[ms.source] = append(bySource[ms.source], ms)
			}
		}
	}
	for _, s := range srcs {
		if p.grain != "" || !p.window.IsZero() {
			if s.Time == nil {
				return nil, nil, invalid("time", nil, "source %s has no time column, so its metrics cannot be grouped or filtered by time", s.Name)
			}
			for _, win := range windows {
				if win.win.IsZero() || truncate(win.win.Start, s.Time.Grain).Equal(win.win.Start) {
					continue
				}
				st, _ := formatWindow(win.win)
				what := "the range"
				if win.compare != "" {
					what = "the comparison window (" + win.compare + ")"
				}
				return nil, nil, invalid("time", nil, "source %s is recorded by %s, but %s starts on %s, inside a %s; use a range of whole %ss (e.g. this_%s or last_%s)",
					s.Name, s.Time.Grain, what, st, s.Time.Grain, s.Time.Grain, s.Time.Grain, s.Time.Grain)
			}
			if p.grain != "" && grainIndex(p.grain) < grainIndex(s.Time.Grain) {
				return nil, nil, invalid("time.grain", grains[grainIndex(s.Time.Grain):], "source %s is recorded by %s; it cannot be grouped by %s", s.Name, s.Time.Grain, p.grain)
			}
		}
	}

	return srcs, bySource, nil
}

func nodeAlias(s, root *source) string {
	if s == root {
		return "f"
	}
	return "j_" + s.Name
}

func reachableDims(c *Catalog, s *source) []string {
	var out []string
	for _, n := range c.dimNames {
		if _, _, ok := c.dimPath(s, n); ok {
			out = append(out, n)
		}
	}
	return out
}

func dimExpr(d Dialect, dm *Dimension) string {
	if dm.Expr != "" {
		return "(" + dm.Expr + ")"
	}
	return d.Quote(dm.Column)
}

func filterSQL(w *sqlWriter, col string, f filterPlan) string {
	switch f.op {
	case "eq":
		return col + " = " + w.param(f.values[0])
	case "neq":
		return w.d.NullSafeNotEqual(col, w.param(f.values[0]))
	case "neq_known": // a column known to hold no NULL (sqlWriter.valuesKnown)
		return col + " <> " + w.param(f.values[0])
	case "gt":
		return col + " > " + w.param(f.values[0])
	case "gte":
		return col + " >= " + w.param(f.values[0])
	case "lt":
		return col + " < " + w.param(f.values[0])
	case "lte":
		return col + " <= " + w.param(f.values[0])
	case "between":
		return col + " BETWEEN " + w.param(f.values[0]) + " AND " + w.param(f.values[1])
	case "contains":
		return w.d.Contains(col, w.param(f.values[0]))
	}
	ps := make([]string, len(f.values))
	for i, v := range f.values {
		ps[i] = w.param(v)
	}
	switch f.op {
	case "not_in":
		return "(" + col + " IS NULL OR " + col + " NOT IN (" + strings.Join(ps, ", ") + "))"
	case "not_in_known":
		return col + " NOT IN (" + strings.Join(ps, ", ") + ")" // NULL NOT IN (...) is not true
	}
	return col + " IN (" + strings.Join(ps, ", ") + ")"
}

// joinStep is one many-to-one hop in a source's join tree.
type joinStep struct {
	from *source
	join *Join
	to   *source
}

// dimPath finds the nearest source holding dimension name, walking joins
// breadth-first from s; it returns the hops to get there.
func (c *Catalog) dimPath(s *source, name string) ([]joinStep, *source, bool) {
	type item struct {
		src  *source
		path []joinStep
	}
	queue := []item{{src: s}}
	seen := map[string]bool{s.Name: true}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if _, ok := it.src.dims[name]; ok {
			return it.path, it.src, true
		}
		for _, j := range it.src.Joins {
			t := c.sources[j.To]
			if t == nil || seen[t.Name] {
				continue
			}
			seen[t.Name] = true
			path := append(slices.Clip(it.path), joinStep{from: it.src, join: j, to: t})
			queue = append(queue, item{src: t, path: path})
		}
	}
	return nil, nil, false
}

// dimRef is where a dimension a query reads comes from: its definition
// and the source (the root or a joined one) that holds it.
type dimRef struct {
	dim  *Dimension
	node *source
}

// sourceDims resolves, for source s, every dimension the plan groups,
// filters or scopes by: where each comes from, the join hops that reach
// them (each hop once, in the order first needed) and the scope's
// dimensions in a stable order. Both SQL writers read sources through it.
func (c *Catalog) sourceDims(p *plan, s *source) (map[string]dimRef, []joinStep, []string, error) {
	refs := map[string]dimRef{}
	var steps []joinStep
	need := func(dimName, why string) error {
		if _, ok := refs[dimName]; ok {
			return nil
		}
		path, node, ok := c.dimPath(s, dimName)
		if !ok {
			if why == "scope" {
				return beacon.Errorf(beacon.EFORBIDDEN, "metrics from %s cannot be limited to your row scope on %s, so they are not shown to you", s.Name, dimName)
			}
			return invalid(why, reachableDims(c, s), "dimension %s does not apply to metrics from source %s", dimName, s.Name)
		}
		for _, st := range path {
			if !slices.ContainsFunc(steps, func(x joinStep) bool { return x.to == st.to }) {
				steps = append(steps, st)
			}
		}
		refs[dimName] = dimRef{dim: node.dims[dimName], node: node}
		return nil
	}
	for i, dm := range p.dims {
		if err := need(dm.Name, fmt.Sprintf("dimensions[%d]", i)); err != nil {
			return nil, nil, nil, err
		}
	}
	for i, f := range p.filters {
		if err := need(f.dim.Name, fmt.Sprintf("filters[%d].dimension", i)); err != nil {
			return nil, nil, nil, err
		}
	}
	scopeDims := make([]string, 0, len(p.scope))
	for k := range p.scope {
		scopeDims = append(scopeDims, k)
	}
	slices.Sort(scopeDims)
	for _, k := range scopeDims {
		if err := need(k, "scope"); err != nil {
			return nil, nil, nil, err
		}
	}
	return refs, steps, scopeDims, nil
}

// sourceCTEs writes the aggregate CTE of one source for one window, and
// its bounds CTE when a semi-additive measure needs the first or last time
// bucket of each period.
func (c *Catalog) sourceCTEs(w *sqlWriter, p *plan, s *source, measures []*measure, win window, tzParam *string) ([]string, error) {
	d := w.d
	name := win.name + "__" + s.Name

	// Which dimensions come from where: the root or a joined source.
	refs, steps, scopeDims, err := c.sourceDims(p, s)
	if err != nil {
		return nil, err
	}

	// Projections of each node: dims, join keys, and at the root time and measures.
	proj := map[*source][]string{}
	addProj := func(n *source, expr string) {
		if !slices.Contains(proj[n], expr) {
			proj[n] = append(proj[n], expr)
		}
	}
	col := func(name string) string { return d.Quote(name) }
	for _, st := range steps {
		addProj(st.from, col(st.join.On)+" AS "+col("k__"+st.join.On))
		addProj(st.to, col(st.join.ToColumn)+" AS "+col("k__"+st.join.ToColumn))
	}
	dimNames := make([]string, 0, len(refs))
	for k := range refs {
		dimNames = append(dimNames, k)
	}
	slices.Sort(dimNames)
	for _, k := range dimNames {
		r := refs[k]
		addProj(r.node, dimExpr(d, r.dim)+" AS "+col("d__"+k))
	}

	mode := semiModeOf(p, s, measures)
	known, side := knownBounds{}, ""
	if mode != semiNone {
		var ok bool
		if known, ok = knownBoundsOf(w.extents, p, s, win.win); ok {
			mode, side = semiKnown, oneSide(measures)
			w.usedExtents = true
		}
	}
	timeFilter, tExpr, local := "", "", ""
	if s.Time != nil {
		local = d.LocalTime(col(s.Time.Column), s.timeType, "")
		if local != col(s.Time.Column) {
			if *tzParam == "" {
				*tzParam = w.param(p.loc.String())
			}
			local = d.LocalTime(col(s.Time.Column), s.timeType, *tzParam)
		}
		tExpr = d.TruncDate(s.Time.Grain, local)
		rows := win.win
		if mode == semiKnown && p.grain == "" && side != "" {
			// Only the first (or last) bucket is read: a range on the time
			// column, which DuckDB answers by skipping row groups.
			b := known.first
			if side == "last" {
				b = known.last
			}
			rows = Window{Start: b, End: addDate(b, 1, s.Time.Grain)}
		}
		if !rows.IsZero() {
			timeFilter = fmt.Sprintf(" WHERE %s >= %s AND %s < %s", local,
				d.DateParam(w.param(rows.Start.Format("2006-01-02")), s.timeType), local,
				d.DateParam(w.param(rows.End.Format("2006-01-02")), s.timeType))
		}
		if p.grain != "" || readsBucket(mode, side) {
			addProj(s, tExpr+" AS "+col("t__"))
		}
	}
	fast := map[*measure]string{}
	for _, m := range measures {
		form, proj := w.fastAggregate(s, m, wrapsValue(m, mode, side))
		if form != "" {
			fast[m] = form
			if proj != "" {
				addProj(s, "("+proj+") AS "+col("m__"+m.Name))
			}
			continue
		}
		expr := m.Expr
		if m.Filter != "" {
			inner := expr
			if inner == "" {
				inner = "1"
			}
			expr = "CASE WHEN (" + m.Filter + ") THEN (" + inner + ") END"
		}
		if expr == "" {
			expr = "1"
		}
		addProj(s, "("+expr+") AS "+col("m__"+m.Name))
	}

	if len(proj[s]) == 0 {
		addProj(s, "1 AS "+col("one__")) // only rows counted: no column read
	}
	var from strings.Builder
	fmt.Fprintf(&from, "(SELECT %s FROM %s%s) AS f", strings.Join(proj[s], ", "), col(s.Table), timeFilter)
	for _, st := range steps {
		fmt.Fprintf(&from, "\n  %s (SELECT %s FROM %s) AS %s ON %s.%s = %s.%s", w.joinKind(st),
			strings.Join(proj[st.to], ", "), col(st.to.Table), nodeAlias(st.to, s),
			nodeAlias(st.from, s), col("k__"+st.join.On), nodeAlias(st.to, s), col("k__"+st.join.ToColumn))
	}

	var out []string
	bname := name + "__bounds"
	if mode != semiNone && mode != semiKnown {
		// The same window's parameters again, bound anew for this CTE.
		btf := ""
		if !win.win.IsZero() {
			btf = fmt.Sprintf(" WHERE %s >= %s AND %s < %s", local,
				d.DateParam(w.param(win.win.Start.Format("2006-01-02")), s.timeType), local,
				d.DateParam(w.param(win.win.End.Format("2006-01-02")), s.timeType))
		}
		out = append(out, boundsCTE(d, bname, p, s, local, col(s.Table), btf))
	}
	t := "f." + col("t__")
	period := ""
	if p.grain != "" {
		period = d.TruncDate(p.grain, t)
		if grainIndex(p.grain) == grainIndex(s.Time.Grain) {
			period = t // already truncated to the grain
		}
	}
	if mode == semiJoin {
		fmt.Fprintf(&from, "\n  JOIN %s AS b ON b.bucket = %s", d.Quote(bname), period)
	}

	// Rows are grouped by period (or, to roll up, by bucket) and
	// dimensions, except where each group is one row of a rollup already.
	oneRow := s.rollup != nil && mode == semiNone && len(steps) == 0 && s.rollup.rowPerGroup(p)
	var sel, group []string
	switch {
	case mode == semiRollup:
		sel = append(sel, t+" AS "+col("t__"))
		group = append(group, "1")
	case period != "":
		sel = append(sel, d.AddDate(period, win.shiftN, win.unit)+" AS "+col("period"))
		group = append(group, "1")
	}
	for _, dm := range p.dims {
		r := refs[dm.Name]
		sel = append(sel, nodeAlias(r.node, s)+"."+col("d__"+dm.Name)+" AS "+col(dm.Name))
		group = append(group, fmt.Sprint(len(sel)))
	}
	for _, m := range measures {
		v := "f." + col("m__"+m.Name)
		switch mode {
		case semiWhole:
			v = semiValue(m, v, t, func(c string) string { return "(SELECT " + c + " FROM " + d.Quote(bname) + ")" })
		case semiJoin:
			v = semiValue(m, v, t, func(c string) string { return "b." + c })
		case semiKnown:
			if side == "" {
				v = known.semiCase(w, p, s, m, v, t)
			}
		}
		alias := col(s.Name + "__" + m.Name)
		if mode == semiRollup {
			alias = col("m__" + m.Name)
		}
		if oneRow {
			sel = append(sel, oneRowSQL(m.Agg, v)+" AS "+alias)
			continue
		}
		if form, ok := fast[m]; ok {
			sel = append(sel, strings.ReplaceAll(form, "{v}", v)+" AS "+alias)
			continue
		}
		sel = append(sel, aggSQL(m.Agg, v)+" AS "+alias)
	}

	var where []string
	if mode == semiKnown && side != "" && p.grain != "" {
		// Every measure reads one bucket per period: the other rows are left out.
		where = append(where, known.cond(w, p, s, t, side))
	}
	for _, f := range p.filters {
		r := refs[f.dim.Name]
		where = append(where, filterSQL(w, nodeAlias(r.node, s)+"."+col("d__"+f.dim.Name), w.valuesKnown(s, r, f)))
	}
	for _, k := range scopeDims {
		r := refs[k]
		vals := make([]any, len(p.scope[k]))
		for i, v := range p.scope[k] {
			vals[i] = v
		}
		where = append(where, filterSQL(w, nodeAlias(r.node, s)+"."+col("d__"+k), filterPlan{op: "in", values: vals}))
	}

	if mode == semiRollup {
		var inner strings.Builder
		fmt.Fprintf(&inner, "SELECT %s\n    FROM %s", strings.Join(sel, ", "), strings.ReplaceAll(from.String(), "\n  ", "\n    "))
		if len(where) > 0 {
			fmt.Fprintf(&inner, "\n    WHERE %s", strings.Join(where, " AND "))
		}
		fmt.Fprintf(&inner, "\n    GROUP BY %s", strings.Join(group, ", "))
		sel, group, where = rollupSelect(d, p, s, measures, win), nil, nil
		for i := 0; i < len(p.dims)+1; i++ {
			group = append(group, fmt.Sprint(i+1))
		}
		from.Reset()
		fmt.Fprintf(&from, "(%s) AS f\n  JOIN %s AS b ON b.bucket = %s", inner.String(), d.Quote(bname), d.TruncDate(p.grain, t))
	}

	var q strings.Builder
	fmt.Fprintf(&q, "%s AS (\n  SELECT %s\n  FROM %s", d.Quote(name), strings.Join(sel, ", "), from.String())
	if len(where) > 0 {
		fmt.Fprintf(&q, "\n  WHERE %s", strings.Join(where, " AND "))
	}
	if len(group) > 0 && !oneRow {
		fmt.Fprintf(&q, "\n  GROUP BY %s", strings.Join(group, ", "))
	}
	q.WriteString(")")
	return append(out, q.String()), nil
}
