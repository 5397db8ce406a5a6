package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beaconbi/beacon"
)

// Query is a metric query, the one request shape every surface uses: the
// API, ChatBI, alerts and reports.
type Query struct {
	Metrics    []string  `json:"metrics" yaml:"metrics,omitempty"`
	Dimensions []string  `json:"dimensions,omitempty" yaml:"dimensions,omitempty"`
	Filters    []Filter  `json:"filters,omitempty" yaml:"filters,omitempty"`
	Time       *TimeSpec `json:"time,omitempty" yaml:"time,omitempty"`
	// Compare adds previous value, delta and pct change columns:
	// previous_period or same_period_last_year. It needs a time range.
	Compare string  `json:"compare,omitempty" yaml:"compare,omitempty"`
	Order   []Order `json:"order,omitempty" yaml:"order,omitempty"`
	Limit   int     `json:"limit,omitempty" yaml:"limit,omitempty"`
	Totals  bool    `json:"totals,omitempty" yaml:"totals,omitempty"`
	// Having keeps only the rows whose metric values meet conditions.
	Having []MetricFilter `json:"having,omitempty" yaml:"having,omitempty"`
}

// TimeSpec is the time part of a query: a grain to group by and a range,
// either named (Range) or absolute (Start and End, inclusive dates).
type TimeSpec struct {
	Grain    string `json:"grain,omitempty" yaml:"grain,omitempty"`
	Range    string `json:"range,omitempty" yaml:"range,omitempty"`
	Start    string `json:"start,omitempty" yaml:"start,omitempty"`
	End      string `json:"end,omitempty" yaml:"end,omitempty"`
	TimeZone string `json:"time_zone,omitempty" yaml:"time_zone,omitempty"`
}

// Filter restricts a dimension. Value is for single-valued operators,
// Values for in, not_in and between.
type Filter struct {
	Dimension string `json:"dimension" yaml:"dimension,omitempty"`
	Op        string `json:"op" yaml:"op,omitempty"`
	Value     any    `json:"value,omitempty" yaml:"value,omitempty"`
	Values    []any  `json:"values,omitempty" yaml:"values,omitempty"`
}

// Order sorts the result by a column.
type Order struct {
	By   string `json:"by" yaml:"by,omitempty"`
	Desc bool   `json:"desc,omitempty" yaml:"desc,omitempty"`
}

// FilterOps are the filter operators.
var FilterOps = []string{"eq", "neq", "in", "not_in", "not_in_known", "gt", "gte", "lt", "lte", "between", "contains"}

// Scope is a row policy: dimension → the values the caller may see. It is
// added to every source of every query in the compiled SQL.
type Scope map[string][]string

// Limits bound what a query may ask for.
type Limits struct {
	MaxRows       int // largest limit a query may set
	DefaultRows   int // limit when the query sets none
	MaxMetrics    int
	MaxDimensions int
	MaxFilters    int
	MaxValues     int // values in one in/not_in filter
}

// DefaultLimits are sensible bounds for an interactive API.
var DefaultLimits = Limits{MaxRows: 100_000, DefaultRows: 10_000, MaxMetrics: 20, MaxDimensions: 6, MaxFilters: 50, MaxValues: 1000}

// ResolvedTime is the time part of a query as it was evaluated: always
// echoed so the reader sees which dates a relative range meant.
type ResolvedTime struct {
	Grain    string `json:"grain,omitempty"`
	Range    string `json:"range,omitempty"`
	Start    string `json:"start,omitempty"` // inclusive
	End      string `json:"end,omitempty"`   // inclusive
	TimeZone string `json:"time_zone"`
	// Comparison is the window the comparison columns were computed over.
	Comparison *ResolvedWindow `json:"comparison,omitempty"`

	window Window
}

// ResolvedWindow is a comparison window, inclusive dates.
type ResolvedWindow struct {
	Compare string `json:"compare"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

func formatWindow(w Window) (string, string) {
	return w.Start.Format("2006-01-02"), w.End.AddDate(0, 0, -1).Format("2006-01-02")
}

// filterPlan is a validated filter.
type filterPlan struct {
	dim    *Dimension
	op     string
	values []any
}

// plan is a query checked against the catalog, ready to compile.
type plan struct {
	q       Query
	metrics []*Metric
	dims    []*Dimension
	filters []filterPlan
	having  []havingPlan
	scope   Scope
	grain   string
	// shiftGrain, set for totals, is the grain of the rows they total,
	// by which comparison windows move.
	shiftGrain string
	window     Window
	loc        *time.Location
	time       ResolvedTime
	compare    string
	order      []Order
	limit      int
	// rollups are those the query may be routed to (rollup.go).
	rollups RollupAvailability
}

func invalid(field string, valid []string, format string, args ...any) error {
	return beacon.Invalid(field, valid, format, args...)
}

// check validates q and resolves its names and dates.
func (c *Catalog) check(q Query, now time.Time, scope Scope, lim Limits) (*plan, error) {
	p := &plan{q: q, scope: scope, loc: c.Location}
	if len(q.Metrics) == 0 {
		return nil, invalid("metrics", c.names, "give at least one metric")
	}
	if len(q.Metrics) > lim.MaxMetrics {
		return nil, invalid("metrics", nil, "at most %d metrics per query, got %d", lim.MaxMetrics, len(q.Metrics))
	}
	seen := map[string]bool{}
	for i, name := range q.Metrics {
		m, ok := c.metrics[name]
		if !ok {
			return nil, beacon.Invalid(fmt.Sprintf("metrics[%d]", i), c.names, "unknown metric %q; %s", clip(name), suggest(name, c.names))
		}
		if seen[name] {
			return nil, invalid(fmt.Sprintf("metrics[%d]", i), nil, "metric %q is listed twice", name)
		}
		seen[name] = true
		p.metrics = append(p.metrics, m)
	}
	if len(q.Dimensions) > lim.MaxDimensions {
		return nil, invalid("dimensions", nil, "at most %d dimensions per query, got %d", lim.MaxDimensions, len(q.Dimensions))
	}
	for i, name := range q.Dimensions {
		d, ok := c.dims[name]
		if !ok {
			return nil, invalid(fmt.Sprintf("dimensions[%d]", i), c.dimNames, "unknown dimension %q; %s", clip(name), suggest(name, c.dimNames))
		}
		if seen[name] {
			return nil, invalid(fmt.Sprintf("dimensions[%d]", i), nil, "dimension %q is listed twice", name)
		}
		seen[name] = true
		p.dims = append(p.dims, d)
	}
	for i, d := range p.dims {
		for _, m := range p.metrics {
			if len(m.Dimensions) > 0 && !slices.Contains(m.Dimensions, d.Name) {
				return nil, invalid(fmt.Sprintf("dimensions[%d]", i), m.Dimensions, "metric %s is not defined by %s", m.Name, d.Name)
			}
		}
	}
	if err := c.checkTime(p, q.Time, now); err != nil {
		return nil, err
	}
	if len(q.Filters) > lim.MaxFilters {
		return nil, invalid("filters", nil, "at most %d filters per query, got %d", lim.MaxFilters, len(q.Filters))
	}
	for i, f := range q.Filters {
		fp, err := c.checkFilter(fmt.Sprintf("filters[%d]", i), f, lim)
		if err != nil {
			return nil, err
		}
		p.filters = append(p.filters, fp)
	}
	for dim, values := range scope {
		if _, ok := c.dims[dim]; !ok {
			return nil, beacon.Errorf(beacon.EFORBIDDEN, "your row scope names dimension %q, which this model does not have", dim)
		}
		if len(values) == 0 {
			return nil, beacon.Errorf(beacon.EFORBIDDEN, "your row scope on %s allows no values", dim)
		}
	}
	if q.Compare != "" {
		if !slices.Contains(compareModes, q.Compare) {
			return nil, invalid("compare", compareModes, "unknown comparison %q", clip(q.Compare))
		}
		if p.window.IsZero() {
			return nil, invalid("compare", nil, "a comparison needs a time range: set time.range (e.g. this_quarter) or time.start and time.end")
		}
		p.compare = q.Compare
	}
	for _, m := range p.metrics {
		if m.Type == "period_over_period" && p.window.IsZero() {
			return nil, invalid("time", nil, "metric %s compares periods and needs a time range", m.Name)
		}
	}
	if err := c.checkHaving(p, q); err != nil {
		return nil, err
	}
	if err := c.checkOrder(p, q.Order); err != nil {
		return nil, err
	}
	switch {
	case q.Limit == 0:
		p.limit = lim.DefaultRows
	case q.Limit < 0 || q.Limit > lim.MaxRows:
		return nil, invalid("limit", nil, "limit must be between 1 and %d, got %d", lim.MaxRows, q.Limit)
	default:
		p.limit = q.Limit
	}
	return p, nil
}

func (c *Catalog) checkTime(p *plan, t *TimeSpec, now time.Time) error {
	p.time.TimeZone = c.Location.String()
	if t == nil {
		return nil
	}
	if t.TimeZone != "" {
		loc, err := time.LoadLocation(t.TimeZone)
		if err != nil || strings.ContainsAny(t.TimeZone, "'\\;") || t.TimeZone == "Local" {
			return invalid("time.time_zone", nil, "unknown time zone %q; use an IANA name such as Asia/Shanghai or UTC", clip(t.TimeZone))
		}
		p.loc = loc
		p.time.TimeZone = loc.String()
	}
	if t.Grain != "" {
		if grainIndex(t.Grain) < 0 {
			return invalid("time.grain", grains, "unknown grain %q", clip(t.Grain))
		}
		p.grain = t.Grain
		p.time.Grain = t.Grain
	}
	localNow := now.In(p.loc)
	switch {
	case t.Range != "" && (t.Start != "" || t.End != ""):
		return invalid("time", nil, "give either range or start and end, not both")
	case t.Range != "":
		w, err := ResolveRange(t.Range, localNow)
		if err != nil {
			return invalid("time.range", RelativeRanges, "%v", err)
		}
		p.window = w
		p.time.Range = t.Range
	case t.Start != "" || t.End != "":
		if t.Start == "" || t.End == "" {
			return invalid("time", nil, "give both start and end (inclusive dates, YYYY-MM-DD)")
		}
		s, err := ParseDate(t.Start, p.loc)
		if err != nil {
			return invalid("time.start", nil, "%v", err)
		}
		e, err := ParseDate(t.End, p.loc)
		if err != nil {
			return invalid("time.end", nil, "%v", err)
		}
		if e.Before(s) {
			return invalid("time.end", nil, "end %s is before start %s", t.End, t.Start)
		}
		p.window = Window{Start: s, End: e.AddDate(0, 0, 1)}
	}
	if !p.window.IsZero() {
		p.time.Start, p.time.End = formatWindow(p.window)
	}
	p.time.window = p.window
	return nil
}

func (c *Catalog) checkFilter(field string, f Filter, lim Limits) (filterPlan, error) {
	d, ok := c.dims[f.Dimension]
	if !ok {
		return filterPlan{}, invalid(field+".dimension", c.dimNames, "unknown dimension %q; %s", clip(f.Dimension), suggest(f.Dimension, c.dimNames))
	}
	if !slices.Contains(FilterOps, f.Op) {
		return filterPlan{}, invalid(field+".op", FilterOps, "unknown operator %q", clip(f.Op))
	}
	fp := filterPlan{dim: d, op: f.Op}
	switch f.Op {
	case "in", "not_in", "not_in_known":
		if f.Value != nil {
			return fp, invalid(field+".values", nil, "operator %s takes values: [...], not value", f.Op)
		}
		if len(f.Values) == 0 || len(f.Values) > lim.MaxValues {
			return fp, invalid(field+".values", nil, "operator %s needs 1 to %d values, got %d", f.Op, lim.MaxValues, len(f.Values))
		}
		fp.values = slices.Clone(f.Values)
	case "between":
		if len(f.Values) != 2 {
			return fp, invalid(field+".values", nil, "between takes values: [low, high], got %d values", len(f.Values))
		}
		fp.values = slices.Clone(f.Values)
	default:
		if f.Value == nil || len(f.Values) > 0 {
			return fp, invalid(field+".value", nil, "operator %s takes one value: value: ...", f.Op)
		}
		fp.values = []any{f.Value}
	}
	for i, v := range fp.values {
		cv, err := c.coerce(d, f.Op, v)
		if err != nil {
			sub := field + ".value"
			if len(f.Values) > 0 {
				sub = fmt.Sprintf("%s.values[%d]", field, i)
			}
			return fp, invalid(sub, nil, "%v", err)
		}
		fp.values[i] = cv
	}
	return fp, nil
}

// dimType is the DuckDB type of a dimension, from the first source that has it.
func (c *Catalog) dimType(d *Dimension) string {
	for _, s := range c.Model.Sources {
		src := c.sources[s.Name]
		if src == nil || src.dims[d.Name] != d {
			continue
		}
		if d.Column != "" {
			return strings.ToUpper(src.columns[d.Column])
		}
		if t, ok := src.exprTypes[d.Name]; ok {
			return strings.ToUpper(t)
		}
	}
	return "VARCHAR"
}

// coerce checks a filter value against the dimension's type; the value is
// bound as a parameter, never written into the SQL.
func (c *Catalog) coerce(d *Dimension, op string, v any) (any, error) {
	typ := c.dimType(d)
	isNum := isIntType(typ) || isFloatType(typ)
	switch {
	case op == "contains":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("contains takes a string, got %s", jsonKind(v))
		}
		if len(s) > 1000 {
			return nil, fmt.Errorf("value is longer than 1000 characters")
		}
		return s, nil
	case isNum:
		text := ""
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("not a finite number")
			}
			text = strconv.FormatFloat(x, 'f', -1, 64)
		case json.Number:
			text = x.String()
		case int:
			text = strconv.Itoa(x)
		case string:
			text = x // the GET form sends every value as text
		default:
			return nil, fmt.Errorf("dimension %s is numeric (%s); got %s", d.Name, typ, jsonKind(v))
		}
		// Whole numbers on integer columns stay exact: IDs above 2^53 must
		// not be rounded through float64.
		if isIntType(typ) {
			n, err := strconv.ParseInt(text, 10, 64)
			if err == nil {
				return n, nil
			}
			if _, ferr := strconv.ParseFloat(text, 64); ferr == nil && strings.ContainsAny(text, ".eE") {
				return nil, fmt.Errorf("dimension %s holds whole numbers (%s); got %q", d.Name, typ, clip(text))
			}
			if ferr := err.(*strconv.NumError); ferr.Err == strconv.ErrRange {
				return nil, fmt.Errorf("%q is out of range for dimension %s", clip(text), d.Name)
			}
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("dimension %s is numeric (%s); got %q", d.Name, typ, clip(text))
		}
		return f, nil
	case typ == "BOOLEAN":
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if x == "true" || x == "false" {
				return x == "true", nil
			}
		}
		return nil, fmt.Errorf("dimension %s is true/false; got %s", d.Name, jsonKind(v))
	case typ == "DATE":
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("dimension %s is a date; give YYYY-MM-DD, got %s", d.Name, jsonKind(v))
		}
		t, err := ParseDate(s, time.UTC)
		if err != nil {
			return nil, err
		}
		return t.Format("2006-01-02"), nil
	case strings.HasPrefix(typ, "TIMESTAMP"):
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("dimension %s is a timestamp; give YYYY-MM-DD or RFC 3339, got %s", d.Name, jsonKind(v))
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC().Format("2006-01-02 15:04:05"), nil
		}
		t, err := ParseDate(s, time.UTC)
		if err != nil {
			return nil, fmt.Errorf("dimension %s is a timestamp; give YYYY-MM-DD or RFC 3339, got %q", d.Name, clip(s))
		}
		return t.Format("2006-01-02"), nil
	default:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("dimension %s takes strings; got %s", d.Name, jsonKind(v))
		}
		if len(s) > 1000 {
			return nil, fmt.Errorf("value is longer than 1000 characters")
		}
		return s, nil
	}
}

// isIntType reports whether a DuckDB type holds whole numbers.
func isIntType(t string) bool {
	switch strings.ToUpper(t) {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
		return true
	}
	return false
}

// isFloatType reports whether a DuckDB type holds fractional numbers.
func isFloatType(t string) bool {
	t = strings.ToUpper(t)
	return t == "DOUBLE" || t == "FLOAT" || t == "REAL" || strings.HasPrefix(t, "DECIMAL")
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, json.Number, int:
		return "a number"
	case bool:
		return "true/false"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func (c *Catalog) checkOrder(p *plan, order []Order) error {
	var valid []string
	if p.grain != "" {
		valid = append(valid, "period")
	}
	for _, d := range p.dims {
		valid = append(valid, d.Name)
	}
	for _, m := range p.metrics {
		valid = append(valid, m.Name)
		if p.compare != "" && m.Type != "period_over_period" {
			valid = append(valid, m.Name+"_previous", m.Name+"_delta", m.Name+"_pct_change")
		}
	}
	if len(order) > len(valid) {
		return invalid("order", valid, "more order entries (%d) than columns (%d)", len(order), len(valid))
	}
	for i, o := range order {
		if !slices.Contains(valid, o.By) {
			return invalid(fmt.Sprintf("order[%d].by", i), valid, "cannot order by %q: it is not a column of this result", clip(o.By))
		}
	}
	p.order = order
	return nil
}

// clip shortens a client string before it is echoed in an error.
func clip(s string) string {
	if len(s) <= 80 {
		return s
	}
	r := []rune(s)
	if len(r) > 80 {
		r = r[:80]
	}
	return string(r) + "…"
}
