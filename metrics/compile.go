package metrics

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon"
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
	return c.compile(d, p)
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
	return c.compile(d, p)
}

// compareGrain is the grain comparison windows move by: the query's, or
// for totals the grain of the rows they total.
func (p *plan) compareGrain() string {
	if p.shiftGrain != "" {
		return p.shiftGrain
	}
	return p.grain
}

// sqlWriter accumulates SQL text and numbered parameters.
type sqlWriter struct {
	d    Dialect
	args []any
}

func (w *sqlWriter) param(v any) string {
	w.args = append(w.args, v)
	return w.d.Param(len(w.args))
}

// window is one time window the query computes over: the current one and,
// for comparisons, shifted ones whose periods are moved forward to align.
type window struct {
	name    string // CTE prefix: cur, or prev_<mode>
	compare string
	win     Window
	shiftN  int
	unit    string
}

func (c *Catalog) compile(d Dialect, p *plan) (*Compiled, error) {
	w := &sqlWriter{d: d}
	out := &Compiled{Time: p.time, Limit: p.limit, EstimatedRows: estimateRows(p)}

	// Every metric the query needs, dependencies first.
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
	out.Definitions = needed

	// A share is taken of the whole: filters on the dimension it is broken
	// down by pick rows of the result after the shares are computed
	// (高净值's share of all segments), instead of shrinking the whole.
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

	// Windows: the current one, then one per comparison mode in use.
	windows := []window{{name: "cur", win: p.window}}
	modes := []string{}
	if p.compare != "" {
		modes = append(modes, p.compare)
	}
	for _, m := range needed {
		if m.Type == "period_over_period" && !slices.Contains(modes, m.Compare) {
			modes = append(modes, m.Compare)
		}
	}
	grain := p.compareGrain()
	for _, mode := range modes {
		win := window{name: "prev_" + mode, compare: mode}
		switch {
		case mode == "same_period_last_year" && grain == "week":
			// 52 weeks keeps Mondays on Mondays, so weeks line up with last year's.
			win.shiftN, win.unit = 52, "week"
		case mode == "same_period_last_year":
			win.shiftN, win.unit = 1, "year"
		case grain != "":
			win.shiftN, win.unit = 1, grain
		default:
			win.shiftN, win.unit = previousShift(p.time.Range, p.window)
		}
		win.win = p.window.Shift(-win.shiftN, win.unit)
		if grain == "" && mode == "previous_period" && win.win.End.After(p.window.Start) {
			win.win.End = p.window.Start // the previous period never overlaps this one
		}
		windows = append(windows, win)
		if mode == p.compare {
			s, e := formatWindow(win.win)
			out.Time.Comparison = &ResolvedWindow{Compare: mode, Start: s, End: e}
		}
	}

	// Measures by source, in a stable order.
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
				return nil, invalid("time", nil, "source %s has no time column, so its metrics cannot be grouped or filtered by time", s.Name)
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
				return nil, invalid("time", nil, "source %s is recorded by %s, but %s starts on %s, inside a %s; use a range of whole %ss (e.g. this_%s or last_%s)",
					s.Name, s.Time.Grain, what, st, s.Time.Grain, s.Time.Grain, s.Time.Grain, s.Time.Grain)
			}
			if p.grain != "" && grainIndex(p.grain) < grainIndex(s.Time.Grain) {
				return nil, invalid("time.grain", grains[grainIndex(s.Time.Grain):], "source %s is recorded by %s; it cannot be grouped by %s", s.Name, s.Time.Grain, p.grain)
			}
		}
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
	var cols []string
	for _, k := range keys {
		cols = append(cols, "c."+d.Quote(k))
	}
	for _, k := range keys {
		col := Column{Name: k, Role: "dimension", Type: "string"}
		if k == "period" {
			col.Role, col.Type = "time", "date"
			col.Label = Text{EN: "Period", ZH: "期间"}
		} else {
			dm := c.dims[k]
			col.Label = dm.Label
			col.Type = columnKind(c.dimType(dm))
		}
		out.Columns = append(out.Columns, col)
	}
	alias := func(mode string) string { return "p_" + mode }
	for _, m := range p.metrics {
		q := d.Quote(m.Name)
		if m.Type == "period_over_period" {
			base := d.Quote(m.Metric)
			prev := alias(m.Compare) + "." + base
			cols = append(cols, compareSQL(d, m.Output, "c."+base, prev)+" AS "+q)
		} else {
			cols = append(cols, "c."+q)
		}
		out.Columns = append(out.Columns, Column{Name: m.Name, Role: "metric", Type: "number", Format: m.Format, Label: m.Label})
		if p.compare == "" || m.Type == "period_over_period" {
			continue
		}
		prev := alias(p.compare) + "." + q
		for _, o := range compareOutputs {
			cols = append(cols, compareSQL(d, o, "c."+q, prev)+" AS "+d.Quote(m.Name+"_"+o))
			f := m.Format
			if o == "pct_change" {
				f = "percent"
			}
			out.Columns = append(out.Columns, Column{Name: m.Name + "_" + o, Role: "comparison", Metric: m.Name, Type: "number", Format: f,
				Label: Text{EN: m.Label.EN + " " + strings.ReplaceAll(o, "_", " "), ZH: m.Label.ZH + compareZH[o]}})
		}
	}
	var sb strings.Builder
	sb.WriteString("WITH ")
	sb.WriteString(strings.Join(ctes, ",\n"))
	sb.WriteString("\nSELECT ")
	sb.WriteString(strings.Join(cols, ", "))
	sb.WriteString("\nFROM \"cur\" AS c")
	for _, mode := range modes {
		a := alias(mode)
		if len(keys) == 0 {
			fmt.Fprintf(&sb, "\nCROSS JOIN %s AS %s", d.Quote("prev_"+mode), a)
			continue
		}
		fmt.Fprintf(&sb, "\nLEFT JOIN %s AS %s ON %s", d.Quote("prev_"+mode), a, joinOn(d, "c", a, keys))
	}
	var where []string
	for _, f := range post {
		where = append(where, filterSQL(w, "c."+d.Quote(f.dim.Name), f))
	}
	for _, h := range p.having {
		where = append(where, havingSQL(w, "c."+d.Quote(h.metric), h))
	}
	if len(where) > 0 {
		sb.WriteString("\nWHERE " + strings.Join(where, " AND "))
	}
	sb.WriteString("\nORDER BY ")
	var order []string
	for _, o := range p.order {
		dir := "ASC"
		if o.Desc {
			dir = "DESC"
		}
		order = append(order, d.Quote(o.By)+" "+dir+" NULLS LAST")
	}
	for _, k := range keys {
		if !slices.ContainsFunc(p.order, func(o Order) bool { return o.By == k }) {
			order = append(order, d.Quote(k)+" ASC NULLS LAST")
		}
	}
	if len(order) == 0 {
		order = append(order, "1")
	}
	sb.WriteString(strings.Join(order, ", "))
	fmt.Fprintf(&sb, "\nLIMIT %d", p.limit+1)
	out.SQL = sb.String()
	out.Args = w.args
	return out, nil
}

var compareZH = map[string]string{"previous": "（对比期）", "delta": "变动", "pct_change": "变动率"}

func compareSQL(d Dialect, output, cur, prev string) string {
	switch output {
	case "previous":
		return prev
	case "delta":
		return "(" + cur + " - " + prev + ")"
	default:
		return "(" + d.ToDouble(cur+" - "+prev) + " / NULLIF(abs(" + prev + "), 0))"
	}
}

func joinOn(d Dialect, a, b string, keys []string) string {
	var conds []string
	for _, k := range keys {
		conds = append(conds, a+"."+d.Quote(k)+" IS NOT DISTINCT FROM "+b+"."+d.Quote(k))
	}
	return strings.Join(conds, " AND ")
}

func columnKind(duckType string) string {
	t := strings.ToUpper(duckType)
	switch {
	case t == "DATE" || strings.HasPrefix(t, "TIMESTAMP"):
		return "date"
	case t == "BOOLEAN":
		return "boolean"
	case isIntType(t):
		return "integer"
	case isFloatType(t):
		return "number"
	}
	return "string"
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

func nodeAlias(s, root *source) string {
	if s == root {
		return "f"
	}
	return "j_" + s.Name
}

// sourceCTEs writes the aggregate CTE of one source for one window, and
// its bounds CTE when a semi-additive measure needs the first or last time
// bucket of each period.
func (c *Catalog) sourceCTEs(w *sqlWriter, p *plan, s *source, measures []*measure, win window, tzParam *string) ([]string, error) {
	d := w.d
	name := win.name + "__" + s.Name

	// Which dimensions come from where: the root or a joined source.
	type dimRef struct {
		dim  *Dimension
		node *source
	}
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
			return nil, err
		}
	}
	for i, f := range p.filters {
		if err := need(f.dim.Name, fmt.Sprintf("filters[%d].dimension", i)); err != nil {
			return nil, err
		}
	}
	scopeDims := make([]string, 0, len(p.scope))
	for k := range p.scope {
		scopeDims = append(scopeDims, k)
	}
	slices.Sort(scopeDims)
	for _, k := range scopeDims {
		if err := need(k, "scope"); err != nil {
			return nil, err
		}
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
		if !win.win.IsZero() {
			timeFilter = fmt.Sprintf(" WHERE %s >= %s AND %s < %s", local,
				d.DateParam(w.param(win.win.Start.Format("2006-01-02")), s.timeType), local,
				d.DateParam(w.param(win.win.End.Format("2006-01-02")), s.timeType))
		}
		addProj(s, tExpr+" AS "+col("t__"))
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
		addProj(s, "("+expr+") AS "+col("m__"+m.Name))
	}

	var from strings.Builder
	fmt.Fprintf(&from, "(SELECT %s FROM %s%s) AS f", strings.Join(proj[s], ", "), col(s.Table), timeFilter)
	for _, st := range steps {
		fmt.Fprintf(&from, "\n  LEFT JOIN (SELECT %s FROM %s) AS %s ON %s.%s = %s.%s",
			strings.Join(proj[st.to], ", "), col(st.to.Table), nodeAlias(st.to, s),
			nodeAlias(st.from, s), col("k__"+st.join.On), nodeAlias(st.to, s), col("k__"+st.join.ToColumn))
	}

	var out []string
	mode := semiModeOf(p, s, measures)
	bname := name + "__bounds"
	if mode != semiNone {
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

	// Rows are grouped by period (or, to roll up, by bucket) and dimensions.
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
		}
		alias := col(s.Name + "__" + m.Name)
		if mode == semiRollup {
			alias = col("m__" + m.Name)
		}
		sel = append(sel, aggSQL(m.Agg, v)+" AS "+alias)
	}

	var where []string
	for _, f := range p.filters {
		r := refs[f.dim.Name]
		where = append(where, filterSQL(w, nodeAlias(r.node, s)+"."+col("d__"+f.dim.Name), f))
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
	if len(group) > 0 {
		fmt.Fprintf(&q, "\n  GROUP BY %s", strings.Join(group, ", "))
	}
	q.WriteString(")")
	return append(out, q.String()), nil
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
		return col + " IS DISTINCT FROM " + w.param(f.values[0])
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
		return "contains(CAST(" + col + " AS VARCHAR), " + w.param(f.values[0]) + ")"
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
			return d.ToDouble(measureCol(m.Numerator)) + " / NULLIF(" + measureCol(m.Denominator) + ", 0)"
		case "derived":
			e, _ := parseExpr(m.Expr)
			return e.sql(func(ref string) string { return "(" + metricSQL(c.metrics[ref]) + ")" })
		case "share":
			x := metricSQL(c.metrics[m.Metric])
			return d.ToDouble(x) + " / NULLIF(sum(" + x + ") OVER (" + partition + "), 0)"
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
				conds = append(conds, left+" IS NOT DISTINCT FROM "+a+"."+d.Quote(k))
			}
			from += fmt.Sprintf("\n  FULL JOIN %s AS %s ON %s", d.Quote(parts[i]), a, strings.Join(conds, " AND "))
		}
		from += ") AS j"
	}
	return fmt.Sprintf("%s AS (\n  SELECT %s\n  FROM %s)", d.Quote(name), strings.Join(sel, ", "), from)
}
