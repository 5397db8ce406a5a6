package metrics

import (
	"slices"
	"strings"
	"time"
)

// Rollup is a pre-aggregation declared in the model: a source's measures
// aggregated by some dimensions at a time grain, kept as a table. A query
// that a rollup answers exactly is compiled against it instead of the
// source's rows (see docs/semantic-model.md).
type Rollup struct {
	Name       string   `yaml:"name"`
	Source     string   `yaml:"source"`
	Grain      string   `yaml:"grain"`
	Dimensions []string `yaml:"dimensions"`
	Measures   []string `yaml:"measures"`
	// Refresh is on_load (the default: every load of a table it reads
	// refreshes it in the same transaction) or manual (only
	// `beacon rollups build`; until then queries read the base tables).
	Refresh string `yaml:"refresh"`

	Line int `yaml:"-"`
}

// rollupDef is a validated rollup.
type rollupDef struct {
	*Rollup
	source   *source
	dims     []*Dimension
	measures []*measure
	// tables are the warehouse tables the rollup reads: its source's and
	// those of the sources its dimensions are joined from.
	tables []string
}

// RollupTablePrefix names the tables rollups are kept in: Beacon's own,
// hidden from the table list and refused as load targets.
const RollupTablePrefix = "beacon_rollup_"

// Table is the warehouse table a rollup is kept in.
func (r *rollupDef) Table() string { return RollupTablePrefix + r.Name }

var rollupRefresh = []string{"on_load", "manual"}

// rollups validates the model's rollups against its sources.
func (v *validator) rollups(c *Catalog) {
	seen := map[string]bool{}
	for _, r := range v.m.Rollups {
		if !v.name(r.Line, "rollup", r.Name) {
			continue
		}
		if seen[r.Name] {
			v.fail(r.Line, "rename one of them", "duplicate rollup %q", r.Name)
			continue
		}
		seen[r.Name] = true
		if rd := v.rollup(c, r); rd != nil {
			c.rollups = append(c.rollups, rd)
		}
	}
}

func (v *validator) rollup(c *Catalog, r *Rollup) *rollupDef {
	what := "rollup " + r.Name
	s, ok := c.sources[r.Source]
	if !ok {
		v.fail(r.Line, suggest(r.Source, sourceNames(c)), "%s: unknown source %q", what, r.Source)
		return nil
	}
	if s.Time == nil || s.timeType == "" {
		v.fail(r.Line, "give the source a time: column, or drop the rollup", "%s: source %s has no time column to roll up by", what, s.Name)
		return nil
	}
	if r.Refresh != "" && !slices.Contains(rollupRefresh, r.Refresh) {
		v.fail(r.Line, suggest(r.Refresh, rollupRefresh), "%s: unknown refresh %q", what, r.Refresh)
		return nil
	}
	if grainIndex(r.Grain) < 0 {
		v.fail(r.Line, suggest(r.Grain, grains), "%s: unknown grain %q", what, r.Grain)
		return nil
	}
	if grainIndex(r.Grain) < grainIndex(s.Time.Grain) {
		v.fail(r.Line, "use grain: "+s.Time.Grain+" or coarser", "%s: source %s is recorded by %s, finer grains cannot be rolled up", what, s.Name, s.Time.Grain)
		return nil
	}
	rd := &rollupDef{Rollup: r, source: s, tables: []string{s.Table}}
	for _, name := range r.Dimensions {
		path, _, ok := c.dimPath(s, name)
		if !ok {
			v.fail(r.Line, suggest(name, reachableDims(c, s)), "%s: dimension %s does not apply to source %s", what, name, s.Name)
			return nil
		}
		if slices.Contains(r.Dimensions[:slices.Index(r.Dimensions, name)], name) {
			v.fail(r.Line, "list it once", "%s: dimension %s is listed twice", what, name)
			return nil
		}
		for _, st := range path {
			if !slices.Contains(rd.tables, st.to.Table) {
				rd.tables = append(rd.tables, st.to.Table)
			}
		}
		rd.dims = append(rd.dims, c.dims[name])
	}
	if len(r.Measures) == 0 {
		v.fail(r.Line, "list the measures it keeps", "%s has no measures", what)
		return nil
	}
	for _, name := range r.Measures {
		ms := c.measures[s.Name+"."+name]
		if ms == nil {
			var names []string
			for _, m := range s.Measures {
				names = append(names, m.Name)
			}
			v.fail(r.Line, suggest(name, names), "%s: source %s has no measure %q", what, s.Name, name)
			return nil
		}
		if _, ok := rollupReagg[ms.Agg]; !ok {
			v.fail(r.Line, "keep the sum and the count as two measures and define the average as a ratio metric", "%s: measure %s (agg %s) cannot be re-aggregated from a rollup", what, name, ms.Agg)
			return nil
		}
		rd.measures = append(rd.measures, ms)
	}
	return rd
}

// rollupReagg is how each aggregation is aggregated again from a
// rollup's stored values: sums and counts add up ("sum0" is a sum that is
// 0, not NULL, over no values, as a count is), minima and maxima keep
// theirs. A distinct count adds up only over groups that share no member:
// where the query's groups are the rollup's own (see answers).
var rollupReagg = map[string]string{"sum": "sum", "count": "sum0", "min": "min", "max": "max", "count_distinct": "sum0"}

// RollupAvailability is the rollups a query may be routed to: those
// built and current, by name, with their row counts (the smallest wins).
type RollupAvailability map[string]int64

// routeRollups is the routing pass: each source whose measures a built
// rollup answers exactly is replaced by a source over that rollup's table
// (the smallest that answers); the others read their base tables. It
// records in out the rollups used and where the answer is served from.
func (c *Catalog) routeRollups(p *plan, srcs []*source, bySource map[*source][]*measure, windows []window, out *Compiled) ([]*source, map[*source][]*measure) {
	out.ServedFrom = ServedBase
	if len(p.rollups) == 0 || len(c.rollups) == 0 {
		return srcs, bySource
	}
	var used []string
	outSrcs := make([]*source, len(srcs))
	outBy := make(map[*source][]*measure, len(bySource))
	for i, s := range srcs {
		outSrcs[i], outBy[s] = s, bySource[s]
		var best *rollupDef
		for _, r := range c.rollups {
			rows, ok := p.rollups[r.Name]
			if !ok || r.source != s || !r.answers(c, p, bySource[s], windows) {
				continue
			}
			if best == nil || rows < p.rollups[best.Name] {
				best = r
			}
		}
		if best == nil {
			continue
		}
		vs, vms := best.asSource(s, bySource[s])
		delete(outBy, s)
		outSrcs[i], outBy[vs] = vs, vms
		used = append(used, best.Name)
	}
	out.Rollups = used
	switch {
	case len(used) == len(srcs) && len(used) > 0:
		out.ServedFrom = ServedRollup
	case len(used) > 0:
		out.ServedFrom = ServedMixed
	}
	return outSrcs, outBy
}

// answers reports whether r gives exactly the rows the source's base
// table would for these measures under plan p.
func (r *rollupDef) answers(c *Catalog, p *plan, measures []*measure, windows []window) bool {
	for _, m := range measures {
		if !slices.Contains(r.measures, m) {
			return false
		}
	}
	// Every dimension grouped, filtered or scoped by is one the rollup keeps.
	has := func(d *Dimension) bool { return slices.Contains(r.dims, d) }
	for _, d := range p.dims {
		if !has(d) {
			return false
		}
	}
	for _, f := range p.filters {
		if !has(f.dim) {
			return false
		}
	}
	for k := range p.scope {
		if !slices.ContainsFunc(r.dims, func(d *Dimension) bool { return d.Name == k }) {
			return false
		}
	}
	if p.grain != "" && grainIndex(p.grain) < grainIndex(r.Grain) {
		return false
	}
	// A window must hold whole rollup periods.
	for _, w := range windows {
		if w.win.IsZero() {
			continue
		}
		if !w.win.isAligned(r.Grain) {
			return false
		}
	}
	// Buckets of a zoned time column are the model zone's.
	if isZoned(r.source.timeType) && p.loc != nil && c.Location != nil && p.loc.String() != c.Location.String() {
		return false
	}
	for _, m := range measures {
		if m.Agg == "count_distinct" && !r.distinctExact(p) {
			return false
		}
	}
	return true
}

// distinctExact: distinct counts add up only where each of the query's
// groups is exactly one rollup row: the same grain and the same
// dimensions, filters and scope picking whole rows.
func (r *rollupDef) distinctExact(p *plan) bool {
	if p.grain != r.Grain || len(p.dims) != len(r.dims) {
		return false
	}
	for _, f := range p.filters {
		if !slices.Contains(p.dims, f.dim) {
			return false
		}
	}
	for k := range p.scope {
		if !slices.ContainsFunc(p.dims, func(d *Dimension) bool { return d.Name == k }) {
			return false
		}
	}
	return true
}

// rowPerGroup reports whether each group of plan p is exactly one row
// of r: p groups by r's grain and by all of r's dimensions (routing has
// checked it names no others), so re-aggregating would only cost time.
// Filters and scope then pick whole rows.
func (r *rollupDef) rowPerGroup(p *plan) bool {
	if p.grain == "" || grainIndex(p.grain) != grainIndex(r.Grain) || len(p.dims) != len(r.dims) {
		return false
	}
	for _, d := range r.dims {
		if !slices.Contains(p.dims, d) {
			return false
		}
	}
	return true
}

// oneRowSQL is aggregation agg over the single stored value expr: the
// value itself, a count's NULL read as 0.
func oneRowSQL(agg, expr string) string {
	if agg == "sum0" {
		return "coalesce(" + expr + ", 0)"
	}
	return expr
}

func isZoned(t string) bool {
	t = strings.ToUpper(t)
	return t == "TIMESTAMP WITH TIME ZONE" || t == "TIMESTAMPTZ"
}

// asSource is the rollup seen as a source: its table, its period column
// at its grain, its dimensions as plain columns, and each measure
// re-aggregating its stored column. The source's and measures' names are
// kept, so the rest of the compiler is unchanged.
func (r *rollupDef) asSource(s *source, measures []*measure) (*source, []*measure) {
	vs := &source{
		Source: &Source{Name: s.Name, Table: r.Table(), Time: &TimeColumn{Column: "period", Grain: r.Grain}, Line: s.Line},
		dims:   map[string]*Dimension{}, timeType: "DATE", rollup: r,
	}
	for _, d := range r.dims {
		vs.dims[d.Name] = &Dimension{Name: d.Name, Column: d.Name, Label: d.Label}
	}
	out := make([]*measure, len(measures))
	for i, m := range measures {
		out[i] = &measure{Measure: &Measure{Name: m.Name, Agg: rollupReagg[m.Agg], Expr: quoteIdent(s.Name + "__" + m.Name),
			TimeAggregation: m.TimeAggregation, Line: m.Line}, source: vs}
	}
	return vs, out
}

// rollupPeriods are the windows of whole rollup periods holding the
// partitions a load wrote.
func rollupPeriods(grain string, parts []time.Time) []Window {
	var out []Window
	for _, p := range parts {
		start := truncate(p, grain)
		w := Window{Start: start, End: addDate(start, 1, grain)}
		if !slices.ContainsFunc(out, func(x Window) bool { return x.Start.Equal(w.Start) }) {
			out = append(out, w)
		}
	}
	return out
}
