package queries

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// A model's reading is admitted the way a client's query is checked, and
// more strictly: the answer sentence repeats filter values and the period,
// so nothing the model wrote may reach it unless it is a catalog name, a
// known value the caller may see, or a number the question itself states.
// The admitted query is rebuilt from the catalog's own strings, so not
// even the model's spelling of a matched name survives.

// rejectf is a reason to reject a reading. Reasons are sent back to the
// model for its one retry, so they name fields and catalog names only,
// never the model's text (which may carry values the caller may not see).
func rejectf(format string, args ...any) error { return fmt.Errorf(format, args...) }

var (
	reRangeShape = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,40}$`)
	reDigits     = regexp.MustCompile(`[0-9]+`)
	reQuestionNb = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百]+|\b(?:` + numPattern + `)\b`)
	reThisYear   = regexp.MustCompile(`今年|本年|this year`)
	reLastYear   = regexp.MustCompile(`去年|上年|上一年|last year`)
	reYearBefore = regexp.MustCompile(`前年|year before last`)
)

// admission holds what a reading is checked against: the catalog, the
// caller's scope, and the numbers the question states.
type admission struct {
	engine  *metrics.Engine
	cat     *metrics.Catalog
	scope   metrics.Scope
	numbers map[float64]bool
	// premise is the direction the question asserts (为什么上升了), for an
	// explain route: the answer corrects it when the data disagrees.
	premise string
}

func newAdmission(engine *metrics.Engine, question string, scope metrics.Scope) *admission {
	return &admission{engine: engine, cat: engine.Catalog(), scope: scope, numbers: questionNumbers(question, engine.Now()), premise: premiseWord(question)}
}

// questionNumbers lists the numbers a question states, in digits, Chinese
// or English numerals; N years also stands for 12·N months, and 今年, 去年
// and 前年 (this year, last year) for their calendar years.
func questionNumbers(question string, now time.Time) map[float64]bool {
	norm := normalize(question)
	out := map[float64]bool{}
	for _, m := range reQuestionNb.FindAllString(norm, -1) {
		f, err := strconv.ParseFloat(m, 64)
		if err != nil {
			n, ok := number(m)
			if !ok {
				continue
			}
			f = float64(n)
		}
		out[f], out[12*f] = true, true
	}
	for re, year := range map[*regexp.Regexp]int{reThisYear: now.Year(), reLastYear: now.Year() - 1, reYearBefore: now.Year() - 2} {
		if re.MatchString(norm) {
			out[float64(year)] = true
		}
	}
	return out
}

// grounded reports whether every run of digits in s is a number the
// question states (so 2025-03 needs 2025 and 3, last_30_days needs 30).
func (a *admission) grounded(s string) bool {
	for _, d := range reDigits.FindAllString(s, -1) {
		n, err := strconv.ParseFloat(d, 64)
		if err != nil || !a.numbers[n] {
			return false
		}
	}
	return true
}

// admit checks the model's query and returns it rebuilt from catalog
// strings, or the reason it is rejected.
func (a *admission) admit(q metrics.Query) (metrics.Query, error) {
	out := metrics.Query{}
	if q.Totals {
		return out, rejectf("totals is not a field of plan_metric_query")
	}
	names := a.cat.Names()
	for i, m := range q.Metrics {
		k := slices.Index(names, m)
		if k < 0 {
			return out, rejectf("metrics[%d] is not a metric name of the catalog", i)
		}
		out.Metrics = append(out.Metrics, names[k])
	}
	dims := a.cat.DimensionNames()
	for i, d := range q.Dimensions {
		k := slices.Index(dims, d)
		if k < 0 {
			return out, rejectf("dimensions[%d] is not a dimension name of the catalog", i)
		}
		out.Dimensions = append(out.Dimensions, dims[k])
	}
	for i, f := range q.Filters {
		af, err := a.filter(f)
		if err != nil {
			return out, rejectf("filters[%d]: %v", i, err)
		}
		out.Filters = append(out.Filters, af)
	}
	t, err := a.time(q.Time)
	if err != nil {
		return out, err
	}
	out.Time = t
	switch q.Compare {
	case "", "previous_period", "same_period_last_year":
		out.Compare = q.Compare
	default:
		return out, rejectf("compare must be previous_period or same_period_last_year")
	}
	columns := append(slices.Clone(out.Metrics), out.Dimensions...)
	if out.Time != nil && out.Time.Grain != "" {
		columns = append(columns, "period")
	}
	for i, o := range q.Order {
		k := slices.Index(columns, o.By)
		if k < 0 {
			return out, rejectf("order[%d].by must be one of the query's metrics or dimensions: %s", i, strings.Join(columns, ", "))
		}
		out.Order = append(out.Order, metrics.Order{By: columns[k], Desc: o.Desc})
	}
	if q.Limit != 0 {
		if !a.numbers[float64(q.Limit)] {
			return out, rejectf("limit must be a number the question states (top 5, 前三); leave it out otherwise")
		}
		out.Limit = q.Limit
	}
	return out, nil
}

// time admits the time part: a grain from the list, a named range whose
// digits the question states, or dates the question states.
func (a *admission) time(t *metrics.TimeSpec) (*metrics.TimeSpec, error) {
	if t == nil {
		return nil, nil
	}
	out := &metrics.TimeSpec{}
	if t.TimeZone != "" {
		return nil, rejectf("time.time_zone is not a field of plan_metric_query")
	}
	if t.Grain != "" {
		k := slices.Index(grainNames, t.Grain)
		if k < 0 {
			return nil, rejectf("time.grain must be one of %s", strings.Join(grainNames, ", "))
		}
		out.Grain = grainNames[k]
	}
	if t.Range != "" {
		if !reRangeShape.MatchString(t.Range) {
			return nil, rejectf("time.range must be one of the named ranges")
		}
		if !a.grounded(t.Range) {
			return nil, rejectf("time.range has a number the question does not state; use a named range such as last_month or last_year")
		}
		// Only the engine's range grammar accepts it (checked when the
		// query compiles), so letters cannot carry words either.
		out.Range = t.Range
	}
	for _, d := range []struct {
		field, value string
		dst          *string
	}{{"time.start", t.Start, &out.Start}, {"time.end", t.End, &out.End}} {
		if d.value == "" {
			continue
		}
		day, err := metrics.ParseDate(d.value, time.UTC)
		if err != nil || !a.grounded(d.value) {
			return nil, rejectf("%s must be a date (YYYY-MM-DD) the question states; use a named range otherwise", d.field)
		}
		*d.dst = day.Format("2006-01-02")
	}
	return out, nil
}

var grainNames = []string{"day", "week", "month", "quarter", "year"}

// filter admits one filter: a catalog dimension, an operator, and values
// that are known values the caller may see, or, for numeric and date
// dimensions, numbers and dates the question states.
func (a *admission) filter(f metrics.Filter) (metrics.Filter, error) {
	dims := a.cat.DimensionNames()
	k := slices.Index(dims, f.Dimension)
	if k < 0 {
		return f, rejectf("dimension is not a dimension name of the catalog")
	}
	d, _ := a.cat.Dimension(dims[k])
	kind := a.dimensionKind(d.Name)
	out := metrics.Filter{Dimension: d.Name}
	switch f.Op {
	case "eq", "neq", "in", "not_in":
	case "gt", "gte", "lt", "lte", "between":
		if kind != "integer" && kind != "number" && kind != "date" {
			return f, rejectf("operator %s needs a numeric or date dimension; %s is not", f.Op, d.Name)
		}
	default:
		// contains matches free text, which would be repeated in the answer.
		return f, rejectf("operator must be one of eq, neq, in, not_in, gt, gte, lt, lte, between")
	}
	out.Op = f.Op
	if f.Op == "not_in" {
		// The chat's exclusions count only rows known to lie outside the
		// values (as SQL's <> does), whichever planner read the question.
		out.Op = "not_in_known"
	}
	if f.Value != nil {
		v, err := a.value(d, kind, f.Value)
		if err != nil {
			return f, rejectf("value: %v", err)
		}
		out.Value = v
	}
	for i, raw := range f.Values {
		v, err := a.value(d, kind, raw)
		if err != nil {
			return f, rejectf("values[%d]: %v", i, err)
		}
		out.Values = append(out.Values, v)
	}
	return out, nil
}

// value admits one filter value of dimension d.
func (a *admission) value(d *metrics.Dimension, kind string, v any) (any, error) {
	switch kind {
	case "integer", "number":
		f, ok := v.(float64)
		if s, isStr := v.(string); isStr {
			p, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			f, ok = p, err == nil
		}
		if !ok || math.IsNaN(f) || math.IsInf(f, 0) || !a.numbers[f] {
			return nil, rejectf("%s is numeric; give a number the question states", d.Name)
		}
		return f, nil
	case "date":
		s, _ := v.(string)
		day, err := metrics.ParseDate(s, time.UTC)
		if err != nil || !a.grounded(s) {
			return nil, rejectf("%s is a date; give a date (YYYY-MM-DD) the question states", d.Name)
		}
		return day.Format("2006-01-02"), nil
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, rejectf("%s is true or false", d.Name)
	}
	s, ok := v.(string)
	if !ok {
		return nil, rejectf("%s takes one of its known values", d.Name)
	}
	for _, dv := range visibleValues(d, a.scope) {
		if s == dv.Value || (s != "" && (s == dv.Label.ZH || s == dv.Label.EN)) {
			return dv.Value, nil
		}
	}
	return nil, rejectf("not a known value of %s", d.Name)
}

// dimensionKind is the type of a dimension's result column (string,
// integer, number, date, boolean), found by compiling a breakdown by it:
// the engine is the one place that knows a dimension's column type.
func (a *admission) dimensionKind(dim string) string {
	for _, def := range a.cat.Definitions() {
		if len(def.Dimensions) > 0 && !slices.Contains(def.Dimensions, dim) {
			continue
		}
		comp, err := a.engine.Compile(metrics.Query{Metrics: []string{def.Name}, Dimensions: []string{dim}}, nil)
		if err != nil {
			continue
		}
		for _, c := range comp.Columns {
			if c.Name == dim {
				return c.Type
			}
		}
	}
	return "string"
}

// visibleValues are the known values of d that a caller with scope may
// see, as GET /api/v1/dimensions lists them: for a scoped dimension only
// the allowed values, and for a scoped caller none of the values read from
// the data of other dimensions (the branches of other regions, say).
func visibleValues(d *metrics.Dimension, scope metrics.Scope) []*metrics.DimensionValue {
	allowed, scoped := scope[d.Name]
	switch {
	case scoped:
		var out []*metrics.DimensionValue
		for _, v := range d.Values {
			if slices.Contains(allowed, v.Value) {
				out = append(out, v)
			}
		}
		return out
	case scope != nil && d.ValuesFromData:
		return nil
	}
	return d.Values
}

// visibleQuery is the previous query as the prompt may show it: without
// the filters whose text values the caller's scope does not show, so that
// a name the caller typed for a branch outside their scope is not listed.
func visibleQuery(cat *metrics.Catalog, q metrics.Query, scope metrics.Scope) metrics.Query {
	if scope == nil {
		return q
	}
	var kept []metrics.Filter
	for _, f := range q.Filters {
		d, ok := cat.Dimension(f.Dimension)
		if !ok {
			continue
		}
		if _, scoped := scope[d.Name]; !scoped && !d.ValuesFromData {
			kept = append(kept, f) // all its values are listed anyway
			continue
		}
		visible := true
		for _, v := range append([]any{f.Value}, f.Values...) {
			s, isText := v.(string)
			if isText && !slices.ContainsFunc(visibleValues(d, scope), func(dv *metrics.DimensionValue) bool { return dv.Value == s }) {
				visible = false
			}
		}
		if visible {
			kept = append(kept, f)
		}
	}
	q.Filters = kept
	return q
}
