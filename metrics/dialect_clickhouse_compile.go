package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/beaconbi/beacon"
)

// The nested writer: the same plan, windows, sources, metric dependencies,
// filters and semi-additive bounds as the CTE writer, written for an engine
// without common table expressions, window functions, positional GROUP BY
// or more than one JOIN per SELECT (ClickHouse 18.16). Each CTE becomes a
// subquery written where it is read; each window function becomes a join:
//   - a share divides by its period's total, joined on the period;
//   - a cumulative metric sums, per dimension values, the periods up to
//     each period: the periods are joined to themselves on the dimensions
//     and filtered on period order, then joined back;
//   - first/last (semi-additive) measures join each row to its period's
//     first and last bucket, computed by GROUP BY, as the CTE writer does.
//
// Every relation lists its columns by name (a SELECT * over a join repeats
// the USING keys on 18.16), and the keys of every join have the same type
// on both sides: 18.16 crashes on a join of Nullable(Date) with Date.
// Dimensions are therefore always toNullable, periods always Date.

// relation is a subquery and the names of its columns.
type relation struct {
	sql  string
	cols []string
}

func (r relation) list(d Dialect) string {
	q := make([]string, len(r.cols))
	for i, c := range r.cols {
		q[i] = d.Quote(c)
	}
	return strings.Join(q, ", ")
}

// joinUsing joins r to right on keys (a CROSS JOIN when there are none),
// keeping r's columns and right's others.
func joinUsing(d Dialect, r relation, kind string, right relation, keys []string) relation {
	out := relation{cols: slices.Clone(r.cols)}
	for _, c := range right.cols {
		if !slices.Contains(keys, c) && !slices.Contains(out.cols, c) {
			out.cols = append(out.cols, c)
		}
	}
	if len(keys) == 0 {
		out.sql = fmt.Sprintf("SELECT %s\nFROM (%s)\nCROSS JOIN (%s)", out.list(d), indent(r.sql), indent(right.sql))
		return out
	}
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = d.Quote(k)
	}
	out.sql = fmt.Sprintf("SELECT %s\nFROM (%s)\nALL %s JOIN (%s) USING %s", out.list(d), indent(r.sql), kind, indent(right.sql), strings.Join(q, ", "))
	return out
}

func indent(s string) string { return "\n  " + strings.ReplaceAll(s, "\n", "\n  ") + "\n" }

// clickHouseRefusal names what the nested writer cannot compile.
func (c *Catalog) clickHouseRefusal(needed []*Metric) error {
	for _, m := range needed {
		if m.Type != MetricDerived {
			continue
		}
		e, _ := parseExpr(m.Expr)
		for _, ref := range e.refs() {
			if dep := c.metrics[ref]; dep != nil && dep.Type == MetricPoP {
				return beacon.Errorf(beacon.EINVALID, "metric %s is computed from the period-over-period metric %s, which the ClickHouse engine cannot compile; ask for %s itself", m.Name, ref, ref)
			}
		}
	}
	return nil
}

// compileNested compiles a checked plan with the nested writer.
func (c *Catalog) compileNested(d ClickHouse, p *plan) (*Compiled, error) {
	w := &sqlWriter{d: d}
	// Rollups are tables in the DuckDB file: on ClickHouse every source is
	// read from its base table, and the answer says so.
	out := &Compiled{Time: p.time, Limit: p.limit, EstimatedRows: estimateRows(p), ServedFrom: ServedBase}
	needed := c.neededMetrics(p)
	out.Definitions = needed
	if err := c.clickHouseRefusal(needed); err != nil {
		return nil, err
	}
	p, post := splitShareFilters(p, needed)
	windows, modes, cmp := planWindows(p, needed)
	if cmp != nil {
		out.Time.Comparison = cmp
	}
	srcs, bySource, err := c.measureSources(p, needed, windows)
	if err != nil {
		return nil, err
	}
	var keys, dimKeys []string
	if p.grain != "" {
		keys = append(keys, "period")
	}
	for _, dm := range p.dims {
		keys = append(keys, dm.Name)
		dimKeys = append(dimKeys, dm.Name)
	}
	rels := map[string]relation{}
	for _, win := range windows {
		var parts []relation
		for _, s := range srcs {
			r, err := c.nestedSource(w, p, s, bySource[s], win)
			if err != nil {
				return nil, err
			}
			parts = append(parts, r)
		}
		rels[win.name] = c.nestedCombine(d, p, parts, keys, dimKeys, needed)
	}
	// The result's columns are described as the CTE writer describes them.
	described := &Compiled{}
	c.writeSelect(&sqlWriter{d: d}, p, described, nil, keys, modes, post)
	out.Columns = described.Columns
	out.SQL = c.nestedSelect(w, p, rels, keys, modes, post)
	out.Args = d.Args(w.args)
	return out, nil
}

// nestedSource is one source's aggregate for one window: its rows
// filtered to the window, joined one hop at a time to the sources its
// dimensions come from, filtered, and grouped by period and dimensions.
func (c *Catalog) nestedSource(w *sqlWriter, p *plan, s *source, measures []*measure, win window) (relation, error) {
	d := w.d
	col := d.Quote
	if _, _, _, err := c.sourceDims(p, s); err != nil {
		return relation{}, err // refused as for the whole plan
	}
	var pushed []string
	pushed, p = c.pushFilters(w, p, s)
	refs, steps, scopeDims, err := c.sourceDims(p, s)
	if err != nil {
		return relation{}, err
	}

	// Projections of each node, as (expression, name).
	type proj struct{ expr, name string }
	projs := map[*source][]proj{}
	add := func(n *source, expr, name string) {
		if !slices.ContainsFunc(projs[n], func(x proj) bool { return x.name == name }) {
			projs[n] = append(projs[n], proj{expr, name})
		}
	}
	for i, st := range steps {
		l, r := col(st.join.On), col(st.join.ToColumn)
		if st.from.columns[st.join.On] != st.to.columns[st.join.ToColumn] {
			l, r = "toString("+l+")", "toString("+r+")" // equal key types on both sides
		}
		k := fmt.Sprintf("k%d__", i)
		add(st.from, "toNullable("+l+")", k)
		add(st.to, "toNullable("+r+")", k)
	}
	dimNames := make([]string, 0, len(refs))
	for k := range refs {
		dimNames = append(dimNames, k)
	}
	slices.Sort(dimNames)
	for _, k := range dimNames {
		add(refs[k].node, "toNullable("+dimExpr(d, refs[k].dim)+")", "d__"+k)
	}
	timeFilter := func() string { return "" }
	local := ""
	if s.Time != nil {
		local = d.LocalTime(col(s.Time.Column), s.timeType, "")
		if local != col(s.Time.Column) {
			local = d.LocalTime(col(s.Time.Column), s.timeType, w.param(p.loc.String()))
		}
		timeFilter = func() string {
			if win.win.IsZero() {
				return ""
			}
			return fmt.Sprintf(" WHERE %s >= %s AND %s < %s", local,
				d.DateParam(w.param(win.win.Start.Format("2006-01-02")), s.timeType), local,
				d.DateParam(w.param(win.win.End.Format("2006-01-02")), s.timeType))
		}
		add(s, d.TruncDate(s.Time.Grain, local), "t__")
	}
	for _, m := range measures {
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
		add(s, "("+expr+")", "m__"+m.Name)
	}
	nodeRel := func(n *source, where string) relation {
		var sel []string
		r := relation{}
		for _, x := range projs[n] {
			sel = append(sel, x.expr+" AS "+col(x.name))
			r.cols = append(r.cols, x.name)
		}
		r.sql = fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(sel, ", "), col(n.Table), where)
		return r
	}
	mode := semiModeOf(p, s, measures)
	// A source read alone (no joined dimension, no first/last bounds) is
	// aggregated in the SELECT that reads its table, so that on a
	// Distributed table each shard aggregates its own rows and sends only
	// partial aggregates. Its key aliases are prefixed (g__), since an
	// alias equal to a column name it reads fails on 18.16, and renamed
	// outside. Otherwise the rows are read, joined, then aggregated.
	direct := len(steps) == 0 && mode == semiNone
	// A source joined to others is aggregated first in the SELECT that
	// reads its table, by everything it projects but its measures (join
	// keys, its own dimensions, its time bucket), so that the shards send
	// partial aggregates, not rows; the join then reads those, and the
	// outer aggregate combines them as a rollup's are (rollupReagg). A
	// distinct count does not combine, so its source sends rows.
	preAgg := !direct && !slices.ContainsFunc(measures, func(m *measure) bool { return rollupReagg[m.Agg] == "" || m.Agg == "count_distinct" })
	partials := func(cols []string, where string) relation {
		var sel, keys []string
		for _, x := range projs[s] {
			if name, ok := strings.CutPrefix(x.name, "m__"); ok {
				agg := ""
				for _, m := range measures {
					if m.Name == name {
						agg = m.Agg
					}
				}
				sel = append(sel, aggSQL(agg, x.expr)+" AS "+col(x.name))
				continue
			}
			sel = append(sel, x.expr+" AS "+col(x.name))
			keys = append(keys, col(x.name))
		}
		r := relation{cols: cols, sql: fmt.Sprintf("SELECT %s FROM %s%s", strings.Join(sel, ", "), col(s.Table), where)}
		if len(keys) > 0 {
			r.sql += " GROUP BY " + strings.Join(keys, ", ")
		}
		return r
	}
	var rows relation
	if !direct {
		conds := slices.Clone(pushed)
		if tf := timeFilter(); tf != "" {
			conds = append([]string{strings.TrimPrefix(tf, " WHERE ")}, conds...)
		}
		where := ""
		if len(conds) > 0 {
			where = " WHERE " + strings.Join(conds, " AND ")
		}
		rows = nodeRel(s, where)
		if preAgg {
			rows = partials(rows.cols, where)
		}
		for i, st := range steps {
			rows = joinUsing(d, rows, "LEFT", nodeRel(st.to, ""), []string{fmt.Sprintf("k%d__", i)})
		}
	}

	// First/last measures: with no grain the window's first and last
	// bucket are scalar subqueries; with a grain coarser than the source's
	// each row is joined to its period's bounds.
	t := col("t__")
	period := ""
	if p.grain != "" {
		period = d.TruncDate(p.grain, t)
		if grainIndex(p.grain) == grainIndex(s.Time.Grain) {
			period = t
		}
	}
	bound := func(string) string { return "" }
	switch mode {
	case semiWhole:
		bound = func(which string) string {
			agg := map[string]string{"first_t": "min", "last_t": "max"}[which]
			return fmt.Sprintf("(SELECT %s FROM %s%s)", d.TruncDate(s.Time.Grain, agg+"("+local+")"), col(s.Table), timeFilter())
		}
	case semiRollup, semiJoin:
		withBucket := relation{cols: append(slices.Clone(rows.cols), "bucket__")}
		withBucket.sql = fmt.Sprintf("SELECT %s, %s AS %s FROM (%s)", rows.list(d), period, col("bucket__"), indent(rows.sql))
		bounds := relation{cols: []string{"bucket__", "first_t", "last_t"}}
		bounds.sql = fmt.Sprintf("SELECT %s AS %s, min(t) AS first_t, max(t) AS last_t FROM (SELECT %s AS t FROM (SELECT DISTINCT %s AS raw FROM %s%s)) GROUP BY %s",
			d.TruncDate(p.grain, "t"), col("bucket__"), d.TruncDate(s.Time.Grain, "raw"), local, col(s.Table), timeFilter(), col("bucket__"))
		rows = joinUsing(d, withBucket, "INNER", bounds, []string{"bucket__"})
		bound = func(which string) string { return which }
	}

	ref, alias := col, func(name string) string { return name }
	var from string
	var where []string
	if !direct {
		from = "(" + indent(rows.sql) + ")"
	} else {
		exprs := map[string]string{}
		for _, x := range projs[s] {
			exprs[x.name] = x.expr
		}
		ref = func(name string) string { return "(" + exprs[name] + ")" }
		alias = func(name string) string { return "g__" + name }
		from = col(s.Table)
		if tf := timeFilter(); tf != "" {
			where = append(where, strings.TrimPrefix(tf, " WHERE "))
		}
		where = append(where, pushed...)
		if period != "" {
			period = strings.ReplaceAll(period, t, ref("t__"))
		}
	}
	var sel, group, rename []string
	out := relation{}
	if period != "" {
		sel = append(sel, d.AddDate(period, win.shiftN, win.unit)+" AS "+col(alias("period")))
		group = append(group, col(alias("period")))
		out.cols = append(out.cols, "period")
	}
	for _, dm := range p.dims {
		sel = append(sel, ref("d__"+dm.Name)+" AS "+col(alias(dm.Name)))
		group = append(group, col(alias(dm.Name)))
		out.cols = append(out.cols, dm.Name)
	}
	for _, m := range measures {
		v := ref("m__" + m.Name)
		if mode != semiNone {
			v = semiValue(m, v, t, bound)
		}
		name := s.Name + "__" + m.Name
		agg := m.Agg
		if preAgg {
			agg = rollupReagg[m.Agg]
		}
		sel = append(sel, aggSQL(agg, v)+" AS "+col(name))
		out.cols = append(out.cols, name)
	}
	for i, c := range out.cols {
		if i < len(group) {
			rename = append(rename, col(alias(c))+" AS "+col(c))
		} else {
			rename = append(rename, col(c))
		}
	}
	for _, f := range p.filters {
		where = append(where, filterSQL(w, ref("d__"+f.dim.Name), f))
	}
	for _, k := range scopeDims {
		vals := make([]any, len(p.scope[k]))
		for i, v := range p.scope[k] {
			vals[i] = v
		}
		where = append(where, filterSQL(w, ref("d__"+k), filterPlan{op: "in", values: vals}))
	}
	var q strings.Builder
	fmt.Fprintf(&q, "SELECT %s\nFROM %s", strings.Join(sel, ", "), from)
	if len(where) > 0 {
		fmt.Fprintf(&q, "\nWHERE %s", strings.Join(where, " AND "))
	}
	if len(group) > 0 {
		fmt.Fprintf(&q, "\nGROUP BY %s", strings.Join(group, ", "))
	}
	out.sql = q.String()
	if direct {
		out.sql = fmt.Sprintf("SELECT %s FROM (%s)", strings.Join(rename, ", "), indent(out.sql))
	}
	return out, nil
}

// pushFilters moves the filters and row scope on dimensions of joined
// sources that the query does not group by into conditions on source s's
// own rows: its join key GLOBAL IN the keys of the joined rows that pass
// (one level per hop). The shards then send only those rows (a branch
// head's scope reads one branch's rows, not the bank's, to be joined and
// filtered where Beacon asks), and a source left with no join is
// aggregated on the shards. Only conditions that a row without a joined
// row fails are moved (all but neq and not_in, which NULL passes), and
// joins are many-to-one, so the rows kept are those the join would keep.
// It returns the conditions and the plan left to join.
func (c *Catalog) pushFilters(w *sqlWriter, p *plan, s *source) ([]string, *plan) {
	d := w.d
	rest := *p
	rest.filters, rest.scope = nil, nil
	var conds []string
	push := func(name string, f filterPlan) bool {
		if f.op == "neq" || f.op == "not_in" || slices.ContainsFunc(p.dims, func(x *Dimension) bool { return x.Name == name }) {
			return false
		}
		path, node, ok := c.dimPath(s, name)
		if !ok || len(path) == 0 {
			return false
		}
		cond := filterSQL(w, dimExpr(d, node.dims[name]), f)
		for i := len(path) - 1; i >= 0; i-- {
			st := path[i]
			l, r := d.Quote(st.join.On), d.Quote(st.join.ToColumn)
			if st.from.columns[st.join.On] != st.to.columns[st.join.ToColumn] {
				l, r = "toString("+l+")", "toString("+r+")" // equal key types on both sides
			}
			cond = fmt.Sprintf("%s GLOBAL IN (SELECT %s FROM %s WHERE %s)", l, r, d.Quote(st.to.Table), cond)
		}
		conds = append(conds, cond)
		return true
	}
	for _, f := range p.filters {
		if !push(f.dim.Name, f) {
			rest.filters = append(rest.filters, f)
		}
	}
	keys := make([]string, 0, len(p.scope))
	for k := range p.scope {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		vals := make([]any, len(p.scope[k]))
		for i, v := range p.scope[k] {
			vals[i] = v
		}
		if !push(k, filterPlan{op: "in", values: vals}) {
			if rest.scope == nil {
				rest.scope = Scope{}
			}
			rest.scope[k] = p.scope[k]
		}
	}
	return conds, &rest
}

// nestedCombine joins the sources' aggregates of one window on the keys
// and computes the needed metrics over them, one step per metric.
func (c *Catalog) nestedCombine(d Dialect, p *plan, parts []relation, keys, dimKeys []string, needed []*Metric) relation {
	r := parts[0]
	for _, part := range parts[1:] {
		r = joinUsing(d, r, "FULL", part, keys)
	}
	measureCol := func(ref string) string {
		ms := c.measures[ref]
		return d.Quote(ms.source.Name + "__" + ms.Name)
	}
	// extend adds one computed column to r.
	extend := func(expr, name string) {
		r = relation{sql: fmt.Sprintf("SELECT %s, %s AS %s FROM (%s)", r.list(d), expr, d.Quote(name), indent(r.sql)), cols: append(slices.Clone(r.cols), name)}
	}
	for _, m := range needed {
		switch m.Type {
		case MetricSimple:
			extend(measureCol(m.Measure), m.Name)
		case MetricRatio:
			extend(d.Divide(measureCol(m.Numerator), measureCol(m.Denominator)), m.Name)
		case MetricDerived:
			e, _ := parseExpr(m.Expr)
			extend(e.sql(func(ref string) string { return "(" + d.Quote(ref) + ")" }), m.Name)
		case MetricShare:
			x, tot := d.Quote(m.Metric), "tot__"+m.Name
			var totKeys []string
			totSQL := fmt.Sprintf("SELECT sum(%s) AS %s FROM (%s)", x, d.Quote(tot), indent(r.sql))
			totals := relation{cols: []string{tot}}
			if p.grain != "" {
				totKeys = []string{"period"}
				totals.cols = []string{"period", tot}
				totSQL = fmt.Sprintf("SELECT %s, sum(%s) AS %s FROM (%s) GROUP BY %s", d.Quote("period"), x, d.Quote(tot), indent(r.sql), d.Quote("period"))
			}
			totals.sql = totSQL
			r = joinUsing(d, r, "LEFT", totals, totKeys)
			extend(d.Divide(x, d.Quote(tot)), m.Name)
		case MetricCumulative:
			x := ""
			if m.Measure != "" {
				x = measureCol(m.Measure)
			} else {
				x = d.Quote(m.Metric)
			}
			if p.grain == "" {
				extend(x, m.Name)
				continue
			}
			r = c.nestedCumulative(d, r, x, m.Name, keys, dimKeys)
		}
	}
	return r
}

// nestedCumulative adds name, the running sum of x over the periods of
// each combination of dimension values, to r.
func (c *Catalog) nestedCumulative(d Dialect, r relation, x, name string, keys, dimKeys []string) relation {
	on := dimKeys
	left := relation{cols: slices.Clone(keys)}
	right := relation{cols: append(slices.Clone(dimKeys), "cp__", "cx__")}
	var lsel, rsel []string
	for _, k := range keys {
		lsel = append(lsel, d.Quote(k))
	}
	for _, k := range dimKeys {
		rsel = append(rsel, d.Quote(k))
	}
	if len(on) == 0 {
		// Joined on a constant: every period with every period.
		on = []string{"z__"}
		lsel, rsel = append(lsel, "0 AS "+d.Quote("z__")), append(rsel, "0 AS "+d.Quote("z__"))
		left.cols, right.cols = append(left.cols, "z__"), append(right.cols, "z__")
	}
	rsel = append(rsel, d.Quote("period")+" AS "+d.Quote("cp__"), x+" AS "+d.Quote("cx__"))
	left.sql = fmt.Sprintf("SELECT %s FROM (%s)", strings.Join(lsel, ", "), indent(r.sql))
	right.sql = fmt.Sprintf("SELECT %s FROM (%s)", strings.Join(rsel, ", "), indent(r.sql))
	pairs := joinUsing(d, left, "INNER", right, on)
	var ksel []string
	for _, k := range keys {
		ksel = append(ksel, d.Quote(k))
	}
	cum := "cum__" + name
	sums := relation{cols: append(slices.Clone(keys), cum)}
	sums.sql = fmt.Sprintf("SELECT %s, sum(%s) AS %s FROM (%s) WHERE %s <= %s GROUP BY %s",
		strings.Join(ksel, ", "), d.Quote("cx__"), d.Quote(cum), indent(pairs.sql), d.Quote("cp__"), d.Quote("period"), strings.Join(ksel, ", "))
	joined := joinUsing(d, r, "LEFT", sums, keys)
	out := relation{cols: append(slices.Clone(r.cols), name)}
	out.sql = fmt.Sprintf("SELECT %s, %s AS %s FROM (%s)", r.list(d), d.Quote(cum), d.Quote(name), indent(joined.sql))
	return out
}

// nestedSelect is the final select: the current window joined to each
// comparison window, the comparisons, the filters set aside for shares,
// the having conditions, the order and the limit.
func (c *Catalog) nestedSelect(w *sqlWriter, p *plan, rels map[string]relation, keys, modes []string, post []filterPlan) string {
	d := w.d
	r := rels["cur"]
	for _, mode := range modes {
		prev := rels["prev_"+mode]
		renamed := relation{cols: slices.Clone(keys)}
		var sel []string
		for _, k := range keys {
			sel = append(sel, d.Quote(k))
		}
		for _, col := range prev.cols {
			if slices.Contains(keys, col) || c.metrics[col] == nil {
				continue
			}
			sel = append(sel, d.Quote(col)+" AS "+d.Quote("p_"+mode+"__"+col))
			renamed.cols = append(renamed.cols, "p_"+mode+"__"+col)
		}
		renamed.sql = fmt.Sprintf("SELECT %s FROM (%s)", strings.Join(sel, ", "), indent(prev.sql))
		r = joinUsing(d, r, "LEFT", renamed, keys)
	}
	var cols []string
	for _, k := range keys {
		cols = append(cols, d.Quote(k))
	}
	for _, m := range p.metrics {
		q := d.Quote(m.Name)
		if m.Type == MetricPoP {
			prev := d.Quote("p_" + m.Compare + "__" + m.Metric)
			cols = append(cols, compareSQL(d, m.Output, d.Quote(m.Metric), prev)+" AS "+q)
		} else {
			cols = append(cols, q)
		}
		if p.compare == "" || m.Type == MetricPoP {
			continue
		}
		prev := d.Quote("p_" + p.compare + "__" + m.Name)
		for _, o := range compareOutputs {
			cols = append(cols, compareSQL(d, o, q, prev)+" AS "+d.Quote(m.Name+"_"+o))
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "SELECT %s\nFROM (%s)", strings.Join(cols, ", "), indent(r.sql))
	var where []string
	for _, f := range post {
		where = append(where, filterSQL(w, d.Quote(f.dim.Name), f))
	}
	for _, h := range p.having {
		where = append(where, havingSQL(w, d.Quote(h.metric), h))
	}
	if len(where) > 0 {
		sb.WriteString("\nWHERE " + strings.Join(where, " AND "))
	}
	var order []string
	for _, o := range p.order {
		order = append(order, d.OrderBy(d.Quote(o.By), o.Desc))
	}
	for _, k := range keys {
		if !slices.ContainsFunc(p.order, func(o Order) bool { return o.By == k }) {
			order = append(order, d.OrderBy(d.Quote(k), false))
		}
	}
	if len(order) > 0 {
		sb.WriteString("\nORDER BY " + strings.Join(order, ", "))
	}
	fmt.Fprintf(&sb, "\nLIMIT %d\nSETTINGS join_use_nulls = 1", p.limit+1)
	return sb.String()
}
