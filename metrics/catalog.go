package metrics

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/beaconbi/beacon/warehouse"
)

// Schema is what the catalog validates a model against: the warehouse's
// tables and a binder for SQL expressions. *warehouse.DB implements it.
type Schema interface {
	Tables(ctx context.Context) (map[string][]warehouse.Column, error)
	CheckExpr(ctx context.Context, table, expr string) (string, error)
}

// Catalog is a validated model: the governed metrics and everything needed
// to compile queries over them. It is immutable once built.
type Catalog struct {
	Model    *Model
	Location *time.Location

	sources    map[string]*source
	measures   map[string]*measure // by "source.measure" and, when unique, by bare name
	metrics    map[string]*Metric
	metricDeps map[string][]string // metric → metrics its expression uses
	dims       map[string]*Dimension
	dimNames   []string
	names      []string // metric names in model order
	defs       map[string]Definition
	rollups    []*rollupDef

	// extents are the time sources' data extents, re-read when the data
	// version changes (the one part of a catalog that follows the data).
	extents  atomic.Pointer[extents]
	extentMu sync.Mutex
}

type source struct {
	*Source
	columns   map[string]string // column → DuckDB type
	exprTypes map[string]string // expression dimension → DuckDB type
	dims      map[string]*Dimension
	timeType  string
	// rollup is the rollup this source reads, nil for a base table.
	rollup *rollupDef
}

type measure struct {
	*Measure
	source *source
}

var identRE = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// reserved names are used by the compiler for output columns.
var reserved = []string{"period", "period_end"}

// Grains from finest to coarsest.
var grains = []string{"day", "week", "month", "quarter", "year"}

func grainIndex(g string) int { return slices.Index(grains, g) }

// NewCatalog validates m against the warehouse and returns the catalog, or
// ModelErrors naming file, line and fix for every problem found.
func NewCatalog(ctx context.Context, m *Model, schema Schema) (*Catalog, error) {
	tables, err := schema.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("validate model: %w", err)
	}
	v := &validator{m: m, schema: schema, tables: tables, ctx: ctx}
	c := v.build()
	if len(v.errs) > 0 {
		sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].Line < v.errs[j].Line })
		return nil, v.errs
	}
	c.defs = make(map[string]Definition, len(c.names))
	for _, n := range c.names {
		c.defs[n] = c.define(c.metrics[n])
	}
	return c, nil
}

// LoadCatalog parses and validates a model file.
func LoadCatalog(ctx context.Context, path string, schema Schema) (*Catalog, error) {
	m, err := ParseModelFile(path)
	if err != nil {
		return nil, err
	}
	return NewCatalog(ctx, m, schema)
}

type validator struct {
	ctx    context.Context
	m      *Model
	schema Schema
	tables map[string][]warehouse.Column
	errs   ModelErrors
}

func (v *validator) fail(line int, fix, format string, args ...any) {
	v.errs = append(v.errs, ModelError{File: v.m.File, Line: line, Message: fmt.Sprintf(format, args...), Fix: fix})
}

func (v *validator) name(line int, kind, name string) bool {
	if !identRE.MatchString(name) {
		if name == "" {
			v.fail(line, "add name: with a lower_snake_case name", "%s has no name", kind)
		} else {
			v.fail(line, "use lower_snake_case: letters, digits and _", "%s name %q is not a valid identifier", kind, name)
		}
		return false
	}
	if slices.Contains(reserved, name) {
		v.fail(line, "choose another name", "%s name %q is reserved for result columns", kind, name)
		return false
	}
	return true
}

func (v *validator) build() *Catalog {
	m := v.m
	c := &Catalog{
		Model:      m,
		sources:    map[string]*source{},
		measures:   map[string]*measure{},
		metrics:    map[string]*Metric{},
		metricDeps: map[string][]string{},
		dims:       map[string]*Dimension{},
	}
	if m.Name == "" {
		v.fail(m.Line, "add name: my_model at the top", "the model has no name")
	}
	tz := m.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		v.fail(m.Line, "use an IANA zone such as Asia/Shanghai", "unknown time_zone %q", m.TimeZone)
		loc = time.UTC
	}
	c.Location = loc
	v.modelCurrency()
	if len(m.Sources) == 0 {
		v.fail(m.Line, "add a sources: list naming your tables", "the model has no sources")
	}
	// Sources first, so joins and dimensions can refer to any of them.
	for _, s := range m.Sources {
		if !v.name(s.Line, "source", s.Name) {
			continue
		}
		if prev, dup := c.sources[s.Name]; dup {
			v.fail(s.Line, "rename one of them", "duplicate source %q (first defined at line %d)", s.Name, prev.Line)
			continue
		}
		if s.Table == "" {
			s.Table = s.Name
		}
		src := &source{Source: s, exprTypes: map[string]string{}, dims: map[string]*Dimension{}}
		if cols, ok := v.tables[s.Table]; ok {
			src.columns = map[string]string{}
			for _, col := range cols {
				src.columns[col.Name] = col.Type
			}
		} else {
			// One error for the table; the source stays, without columns, so
			// that what refers to it is not reported again.
			v.fail(s.Line, suggest(s.Table, tableNames(v.tables)), "source %q: unknown table %q", s.Name, s.Table)
		}
		c.sources[s.Name] = src
	}
	for _, s := range m.Sources {
		src, ok := c.sources[s.Name]
		if !ok || src.Source != s {
			continue
		}
		v.timeColumn(src)
		v.joins(c, src)
		v.dimensions(c, src)
		v.measures(c, src)
		v.dataChecks(src)
	}
	v.joinCycles(c)
	for _, d := range c.dims {
		c.dimNames = append(c.dimNames, d.Name)
	}
	sort.Strings(c.dimNames)
	v.metrics(c)
	v.rollups(c)
	return c
}

func tableNames(t map[string][]warehouse.Column) []string {
	out := make([]string, 0, len(t))
	for k := range t {
		if warehouse.ValidTableName(k) == nil { // not Beacon's own state
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (v *validator) column(src *source, line int, what, col string) bool {
	if _, ok := src.columns[col]; ok || src.columns == nil {
		return true // nil columns: the table is unknown, reported once already
	}
	names := make([]string, 0, len(src.columns))
	for k := range src.columns {
		names = append(names, k)
	}
	sort.Strings(names)
	v.fail(line, suggest(col, names), "%s: unknown column %q in table %q", what, col, src.Table)
	return false
}

func (v *validator) timeColumn(src *source) {
	t := src.Time
	if t == nil {
		return
	}
	if !v.column(src, t.Line, "source "+src.Name+" time", t.Column) {
		return
	}
	typ := strings.ToUpper(src.columns[t.Column])
	if src.columns == nil {
		typ = "DATE" // the table is unknown, reported once already
	}
	if typ != "DATE" && !strings.HasPrefix(typ, "TIMESTAMP") {
		v.fail(t.Line, "point time.column at a DATE or TIMESTAMP column, or cast it in a view", "source %s: time column %q is %s, not a date or timestamp", src.Name, t.Column, typ)
	}
	src.timeType = typ
	if t.Grain == "" {
		t.Grain = "day"
	}
	if grainIndex(t.Grain) < 0 {
		v.fail(t.Line, "use one of: "+strings.Join(grains, ", "), "source %s: unknown grain %q", src.Name, t.Grain)
	}
	v.timeDefaults(src)
}

func (v *validator) joins(c *Catalog, src *source) {
	for _, j := range src.Joins {
		target, ok := c.sources[j.To]
		if !ok {
			v.fail(j.Line, suggest(j.To, sourceNames(c)), "source %s: join to unknown source %q", src.Name, j.To)
			continue
		}
		if j.On == "" {
			v.fail(j.Line, "add on: the_key_column", "source %s: join to %s has no on: column", src.Name, j.To)
			continue
		}
		if j.ToColumn == "" {
			j.ToColumn = j.On
		}
		v.column(src, j.Line, "join "+src.Name+" → "+j.To, j.On)
		v.column(target, j.Line, "join "+src.Name+" → "+j.To, j.ToColumn)
	}
}

// joinCycles rejects join paths that lead back to where they started.
func (v *validator) joinCycles(c *Catalog) {
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(s *source, path []string) bool
	visit = func(s *source, path []string) bool {
		switch state[s.Name] {
		case 1:
			v.fail(s.Line, "joins go from facts to lookups (many-to-one); remove the join back", "join cycle: %s", strings.Join(append(path, s.Name), " → "))
			return false
		case 2:
			return true
		}
		state[s.Name] = 1
		for _, j := range s.Joins {
			if t, ok := c.sources[j.To]; ok && !visit(t, append(path, s.Name)) {
				return false
			}
		}
		state[s.Name] = 2
		return true
	}
	for _, s := range v.m.Sources {
		if src, ok := c.sources[s.Name]; ok && src.Source == s {
			visit(src, nil)
		}
	}
}

func sourceNames(c *Catalog) []string {
	out := make([]string, 0, len(c.sources))
	for k := range c.sources {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// expr checks an expression with DuckDB and returns its type ("" if bad).
func (v *validator) expr(src *source, line int, what, expr string) (string, bool) {
	if strings.Contains(expr, ";") {
		v.fail(line, "write a single SQL expression", "%s: expression %q contains ';'", what, expr)
		return "", false
	}
	if src.columns == nil {
		return "", true // the table is unknown, reported once already
	}
	typ, err := v.schema.CheckExpr(v.ctx, src.Table, expr)
	if err != nil {
		v.fail(line, "the expression must be valid DuckDB SQL over the columns of "+src.Table, "%s: bad expression %q: %s", what, expr, firstLine(err.Error()))
		return "", false
	}
	return typ, true
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func (v *validator) dimensions(c *Catalog, src *source) {
	for _, d := range src.Dimensions {
		if !v.name(d.Line, "dimension", d.Name) {
			continue
		}
		if prev, dup := src.dims[d.Name]; dup {
			v.fail(d.Line, "rename one of them", "duplicate dimension %q in source %s (first defined at line %d)", d.Name, src.Name, prev.Line)
			continue
		}
		what := "dimension " + d.Name
		switch {
		case d.Column != "" && d.Expr != "":
			v.fail(d.Line, "keep one of them", "%s has both column: and expr:", what)
			continue
		case d.Column == "" && d.Expr == "":
			d.Column = d.Name
			fallthrough
		case d.Column != "":
			// A dimension with a problem is still registered, once reported, so
			// that the metrics listing it are not reported too.
			v.column(src, d.Line, what, d.Column)
		default:
			if typ, ok := v.expr(src, d.Line, what, d.Expr); ok {
				src.exprTypes[d.Name] = typ
			}
		}
		if utf8.RuneCountInString(d.Unit) > maxUnitLen || strings.ContainsAny(d.Unit, "\n\r\t") {
			v.fail(d.Line, "use a short unit such as 万元, months or km", "%s: unit %q is longer than %d characters or spans lines", what, d.Unit, maxUnitLen)
		}
		for _, col := range d.ValueSynonymColumns {
			v.column(src, d.Line, what+" value_synonym_columns", col)
		}
		for _, col := range []string{d.ValueLabelColumns.ZH, d.ValueLabelColumns.EN} {
			if col != "" {
				v.column(src, d.Line, what+" value_label_columns", col)
			}
		}
		src.dims[d.Name] = d
		if first, ok := c.dims[d.Name]; ok {
			// A conformed dimension: the same attribute reachable from several sources.
			if first.Label.EN == "" && first.Label.ZH == "" {
				first.Label = d.Label
			}
			continue
		}
		c.dims[d.Name] = d
	}
}

func (v *validator) measures(c *Catalog, src *source) {
	for _, ms := range src.Measures {
		if !v.name(ms.Line, "measure", ms.Name) {
			continue
		}
		key := src.Name + "." + ms.Name
		if prev, dup := c.measures[key]; dup {
			v.fail(ms.Line, "rename one of them", "duplicate measure %q in source %s (first defined at line %d)", ms.Name, src.Name, prev.Line)
			continue
		}
		// A measure with a problem is still registered, once the problem is
		// reported, so that the metrics built on it are not reported too.
		v.measure(src, ms)
		mm := &measure{Measure: ms, source: src}
		c.measures[key] = mm
		if other, ok := c.measures[ms.Name]; ok && other != mm {
			c.measures[ms.Name] = nil // ambiguous bare name: must be qualified
		} else if !ok {
			c.measures[ms.Name] = mm
		}
	}
}

// measure checks one measure against its source's table.
func (v *validator) measure(src *source, ms *Measure) {
	what := "measure " + ms.Name
	if !slices.Contains(aggregations, ms.Agg) {
		v.fail(ms.Line, suggestAgg(ms.Agg), "%s: unknown agg %q", what, ms.Agg)
		return
	}
	if ms.Column != "" && ms.Expr != "" {
		v.fail(ms.Line, "keep one of them", "%s has both column: and expr:", what)
		return
	}
	if ms.Column != "" {
		if !v.column(src, ms.Line, what, ms.Column) {
			return
		}
		ms.Expr = quoteIdent(ms.Column)
	}
	if ms.Expr == "" && ms.Agg != "count" {
		v.fail(ms.Line, "add column: or expr:", "%s: agg %s needs a column or an expression", what, ms.Agg)
		return
	}
	if ms.Expr != "" {
		if _, ok := v.expr(src, ms.Line, what, aggSQL(ms.Agg, ms.Expr)); !ok {
			return
		}
	}
	if ms.Filter != "" {
		if _, ok := v.expr(src, ms.Line, what+" filter", "CAST(("+ms.Filter+") AS BOOLEAN)"); !ok {
			return
		}
	}
	if ms.TimeAggregation != "" {
		if !slices.Contains(timeAggregations, ms.TimeAggregation) {
			v.fail(ms.Line, "use first or last", "%s: unknown time_aggregation %q", what, ms.TimeAggregation)
			return
		}
		if src.Time == nil {
			v.fail(ms.Line, "give source "+src.Name+" a time: column", "%s is semi-additive over time but source %s has no time column", what, src.Name)
			return
		}
	}
}

func aggSQL(agg, expr string) string {
	switch agg {
	case "count_distinct":
		return "count(DISTINCT " + expr + ")"
	case "sum0": // a rollup's stored counts (rollup.go)
		return "coalesce(sum(" + expr + "), 0)"
	default:
		return agg + "(" + expr + ")"
	}
}

func (v *validator) metrics(c *Catalog) {
	if len(v.m.Metrics) == 0 {
		v.fail(v.m.Line, "add a metrics: list", "the model defines no metrics")
	}
	for _, mt := range v.m.Metrics {
		if !v.name(mt.Line, "metric", mt.Name) {
			continue
		}
		if prev, dup := c.metrics[mt.Name]; dup {
			v.fail(mt.Line, "rename one of them", "duplicate metric %q (first defined at line %d)", mt.Name, prev.Line)
			continue
		}
		if _, clash := c.dims[mt.Name]; clash {
			v.fail(mt.Line, "rename the metric or the dimension", "metric %q has the same name as a dimension", mt.Name)
			continue
		}
		c.metrics[mt.Name] = mt
		c.names = append(c.names, mt.Name)
	}
	for _, mt := range v.m.Metrics {
		if c.metrics[mt.Name] != mt {
			continue
		}
		v.metric(c, mt)
	}
	v.metricCycles(c)
	if len(v.errs) == 0 {
		v.metricShapes(c)
	}
}

// metricShapes rejects compositions the compiler cannot compute correctly:
// anything over a period-over-period metric (it exists only after the
// comparison join), windows (share, cumulative) over windows, and a
// cumulative over anything but a simple metric, whose running sum would
// add up rates.
func (v *validator) metricShapes(c *Catalog) {
	for _, name := range c.names {
		mt := c.metrics[name]
		for _, dep := range c.metricDeps[name] {
			d := c.metrics[dep]
			switch {
			case d.Type == "period_over_period":
				v.fail(mt.Line, "compare in the query (compare: previous_period) or define "+mt.Name+" over "+d.Metric, "metric %s is built on %s, a period-over-period metric, which cannot be composed", mt.Name, d.Name)
			case (mt.Type == "share" || mt.Type == "cumulative") && (d.Type == "share" || d.Type == "cumulative"):
				v.fail(mt.Line, "build it on the underlying metric", "metric %s (%s) is built on %s (%s): windows cannot be nested", mt.Name, mt.Type, d.Name, d.Type)
			case mt.Type == "cumulative" && d.Type != "simple":
				v.fail(mt.Line, "give cumulative a measure: (a sum or count), not a "+string(d.Type)+" metric", "metric %s would add up %s, a %s metric, over time", mt.Name, d.Name, d.Type)
			}
		}
	}
}

func (v *validator) metric(c *Catalog, mt *Metric) {
	what := "metric " + mt.Name
	if mt.Type == "" {
		mt.Type = "simple"
	}
	if !slices.Contains(metricTypes, string(mt.Type)) {
		v.fail(mt.Line, suggest(string(mt.Type), metricTypes), "%s: unknown type %q", what, mt.Type)
		return
	}
	if mt.Format == "" {
		mt.Format = "number"
	}
	if !slices.Contains(formats, mt.Format) {
		v.fail(mt.Line, suggest(mt.Format, formats), "%s: unknown format %q", what, mt.Format)
	}
	v.money(mt)
	if mt.Better != "" && !slices.Contains(betterWays, mt.Better) {
		v.fail(mt.Line, "use one of: "+strings.Join(betterWays, ", "), "%s: unknown better %q", what, mt.Better)
	}
	if mt.Description == "" {
		v.fail(mt.Line, "add description: saying exactly what is counted", "%s has no description", what)
	}
	if mt.Owner == "" {
		v.fail(mt.Line, "add owner: the team answerable for it", "%s has no owner", what)
	}
	if mt.Version == 0 {
		mt.Version = 1
	}
	if mt.Label.EN == "" && mt.Label.ZH == "" {
		mt.Label.EN = mt.Name
	}
	measureRef := func(field, ref string) {
		if ref == "" {
			v.fail(mt.Line, "add "+field+": naming a measure", "%s (%s) has no %s", what, mt.Type, field)
			return
		}
		if _, isMetric := c.metrics[ref]; isMetric && c.measures[ref] == nil {
			v.fail(mt.Line, "a ratio takes measures (sums, counts) so that it is recomputed at every grain; for a ratio of metrics write type: derived with expr:", "%s: %s %q is a metric, not a measure", what, field, ref)
			return
		}
		m, ok := c.measures[ref]
		if !ok {
			v.fail(mt.Line, suggest(ref, measureNames(c)), "%s: unknown measure %q in %s", what, ref, field)
			return
		}
		if m == nil {
			v.fail(mt.Line, "write it as source.measure", "%s: measure name %q is defined in several sources", what, ref)
		}
	}
	metricRef := func(ref string) {
		if ref == "" {
			v.fail(mt.Line, "add metric: naming another metric", "%s (%s) has no metric:", what, mt.Type)
			return
		}
		if _, ok := c.metrics[ref]; !ok {
			v.fail(mt.Line, suggest(ref, c.names), "%s: unknown metric %q", what, ref)
			return
		}
		c.metricDeps[mt.Name] = append(c.metricDeps[mt.Name], ref)
	}
	switch mt.Type {
	case "simple":
		measureRef("measure", mt.Measure)
	case "ratio":
		measureRef("numerator", mt.Numerator)
		measureRef("denominator", mt.Denominator)
		if mt.Numerator != "" && mt.Numerator == mt.Denominator {
			v.fail(mt.Line, "use two different measures", "%s: numerator and denominator are the same", what)
		}
	case "derived":
		if mt.Expr == "" {
			v.fail(mt.Line, "add expr: such as 1 - churn_rate", "%s (derived) has no expr", what)
			return
		}
		e, err := parseExpr(mt.Expr)
		if err != nil {
			v.fail(mt.Line, "use metric names, numbers, + - * / and parentheses", "%s: bad expression %q: %v", what, mt.Expr, err)
			return
		}
		for _, ref := range e.refs() {
			metricRef(ref)
		}
	case "cumulative":
		if mt.Measure != "" {
			measureRef("measure", mt.Measure)
		} else {
			metricRef(mt.Metric)
		}
	case "share":
		metricRef(mt.Metric)
	case "period_over_period":
		metricRef(mt.Metric)
		if !slices.Contains(compareModes, mt.Compare) {
			v.fail(mt.Line, "use one of: "+strings.Join(compareModes, ", "), "%s: unknown compare %q", what, mt.Compare)
		}
		if mt.Output == "" {
			mt.Output = "pct_change"
		}
		if !slices.Contains(compareOutputs, mt.Output) {
			v.fail(mt.Line, "use one of: "+strings.Join(compareOutputs, ", "), "%s: unknown output %q", what, mt.Output)
		}
	}
	for _, d := range mt.Dimensions {
		if _, ok := c.dims[d]; !ok {
			v.fail(mt.Line, suggest(d, c.dimNames), "%s: unknown dimension %q", what, d)
		}
	}
}

func measureNames(c *Catalog) []string {
	var out []string
	for k, m := range c.measures {
		if m != nil && !strings.Contains(k, ".") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (v *validator) metricCycles(c *Catalog) {
	state := map[string]int{}
	var visit func(name string, path []string) bool
	visit = func(name string, path []string) bool {
		switch state[name] {
		case 1:
			i := slices.Index(path, name)
			v.fail(c.metrics[name].Line, "a metric cannot depend on itself, directly or through others", "metric cycle: %s", strings.Join(append(path[i:], name), " → "))
			return false
		case 2:
			return true
		}
		state[name] = 1
		for _, d := range c.metricDeps[name] {
			if !visit(d, append(path, name)) {
				return false
			}
		}
		state[name] = 2
		return true
	}
	for _, n := range c.names {
		if state[n] == 0 && !visit(n, nil) {
			return
		}
	}
}

// quoteIdent quotes an identifier; the dialect does the same for compiled SQL.
func quoteIdent(s string) string { return warehouse.QuoteIdent(s) }
