package risk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// Period is one side of an explained change: a named range (last_month,
// 2026-10, this_quarter...) or inclusive start and end dates.
type Period struct {
	Range string `json:"range,omitempty"`
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

func (p Period) isZero() bool { return p == Period{} }

// ExplainRequest asks why a governed metric changed between two periods.
type ExplainRequest struct {
	Metric string `json:"metric"`
	// Dimensions to split the change by, 1 to MaxExplainDimensions. Each is
	// decomposed on its own; the biggest driver of the first is then split
	// by the second (the drill-down).
	Dimensions []string `json:"dimensions"`
	// Current is the period explained; Baseline the one it is compared
	// with. Without a baseline, Compare picks it: previous_period (the
	// default) or same_period_last_year.
	Current  Period           `json:"current"`
	Baseline *Period          `json:"baseline,omitempty"`
	Compare  string           `json:"compare,omitempty"`
	Filters  []metrics.Filter `json:"filters,omitempty"`
	TimeZone string           `json:"time_zone,omitempty"`
	// Language of the narrative: zh (default) or en.
	Language string `json:"language,omitempty"`
	// Top bounds the drivers listed per breakdown (default 10); the
	// contributions of those left out are summed in Rest.
	Top int `json:"top,omitempty"`
}

// Explain limits.
const (
	MaxExplainDimensions = 4
	defaultExplainTop    = 10
	maxExplainTop        = 100
)

// Explanation is the answer: the change, one breakdown per dimension,
// the drill-down into the biggest driver, and a sentence.
type Explanation struct {
	Metric   string         `json:"metric"`
	Label    string         `json:"label"`
	Format   string         `json:"format"`
	Kind     string         `json:"kind"` // ratio or additive
	Current  ResolvedPeriod `json:"current"`
	Baseline ResolvedPeriod `json:"baseline"`
	// Baseline, Current and Change of the metric over all rows in scope.
	BaselineValue float64      `json:"baseline_value"`
	CurrentValue  float64      `json:"current_value"`
	Change        float64      `json:"change"`
	Breakdowns    []*Breakdown `json:"breakdowns"`
	Drill         *Breakdown   `json:"drill,omitempty"`
	Narrative     string       `json:"narrative"`
	Language      string       `json:"language"`
	// Queries are the governed metric queries run, for the record.
	Queries   []metrics.Query `json:"queries"`
	ElapsedMS float64         `json:"elapsed_ms"`
}

// ResolvedPeriod is a resolved period, inclusive dates.
type ResolvedPeriod struct {
	Start    string `json:"start"`
	End      string `json:"end"`
	TimeZone string `json:"time_zone"`
}

// Breakdown is the change split by one dimension, optionally within one
// value of another (the drill-down).
type Breakdown struct {
	Dimension string `json:"dimension"`
	// Within is set for a drill-down: the driver it looks inside.
	Within *metrics.Filter `json:"within,omitempty"`
	Decomposition
	// Rest sums the contributions of drivers beyond Top.
	Rest *Rest `json:"rest,omitempty"`
}

// Rest is what the drivers left out of a breakdown add up to.
type Rest struct {
	Groups       int     `json:"groups"`
	Contribution float64 `json:"contribution"`
}

// explainer holds what one explanation needs while it runs.
type explainer struct {
	engine  *metrics.Engine
	scope   metrics.Scope
	metric  *metrics.Metric
	kind    string
	parts   []string // metrics queried: the additive metric, or numerator and denominator
	req     ExplainRequest
	cur     Period
	base    Period
	mu      sync.Mutex
	queries []metrics.Query
}

// Explain decomposes the change of req.Metric between two periods across
// req.Dimensions, through the governed metric engine and under the
// caller's row scope, so it sees exactly the rows the caller may see.
func Explain(ctx context.Context, engine *metrics.Engine, req ExplainRequest, scope metrics.Scope) (*Explanation, error) {
	start := time.Now()
	x, err := newExplainer(engine, req, scope)
	if err != nil {
		return nil, err
	}
	out := &Explanation{Metric: req.Metric, Kind: x.kind, Format: x.metric.Format, Language: x.req.Language}
	out.Label = labelOf(x.metric.Label, x.req.Language)
	if out.Current, out.Baseline, err = x.windows(); err != nil {
		return nil, err
	}
	top := make([]*Breakdown, len(req.Dimensions))
	errs := make([]error, len(req.Dimensions))
	var wg sync.WaitGroup
	for i, dim := range req.Dimensions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			top[i], errs[i] = x.breakdown(ctx, dim, nil)
		}()
	}
	wg.Wait()
	if err := firstError(errs); err != nil {
		return nil, err
	}
	out.Breakdowns = top
	first := top[0]
	out.BaselineValue, out.CurrentValue, out.Change = first.Baseline, first.Current, first.Change
	if len(req.Dimensions) > 1 && len(first.Drivers) > 0 && math.Abs(first.Change) > shareEpsilon {
		lead := first.Drivers[0]
		within := &metrics.Filter{Dimension: req.Dimensions[0], Op: "eq", Value: lead.Value}
		drill, err := x.breakdown(ctx, req.Dimensions[1], within)
		if err != nil {
			return nil, err
		}
		out.Drill = drill
	}
	for _, b := range append(slices.Clone(out.Breakdowns), out.Drill) {
		if b != nil {
			x.label(b)
			b.trim(x.req.Top)
		}
	}
	out.Queries = x.queries
	out.Narrative = Narrate(out, x.engine.Catalog())
	out.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return out, nil
}

// firstError returns the first non-nil error, keeping its *beacon.Error type.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func newExplainer(engine *metrics.Engine, req ExplainRequest, scope metrics.Scope) (*explainer, error) {
	cat := engine.Catalog()
	m, ok := cat.Metric(req.Metric)
	if !ok {
		return nil, beacon.Invalid("metric", cat.Names(), "unknown metric %q", clipText(req.Metric))
	}
	switch req.Language {
	case "":
		req.Language = "zh"
	case "zh", "en":
	default:
		return nil, beacon.Invalid("language", []string{"zh", "en"}, "unknown language %q", clipText(req.Language))
	}
	switch {
	case req.Top == 0:
		req.Top = defaultExplainTop
	case req.Top < 1 || req.Top > maxExplainTop:
		return nil, beacon.Invalid("top", nil, "top must be between 1 and %d, got %d", maxExplainTop, req.Top)
	}
	if len(req.Dimensions) == 0 || len(req.Dimensions) > MaxExplainDimensions {
		return nil, beacon.Invalid("dimensions", cat.DimensionNames(), "give 1 to %d dimensions to split the change by, got %d", MaxExplainDimensions, len(req.Dimensions))
	}
	for i, d := range req.Dimensions {
		if _, ok := cat.Dimension(d); !ok {
			return nil, beacon.Invalid(fmt.Sprintf("dimensions[%d]", i), cat.DimensionNames(), "unknown dimension %q", clipText(d))
		}
		if slices.Index(req.Dimensions, d) != i {
			return nil, beacon.Invalid(fmt.Sprintf("dimensions[%d]", i), nil, "dimension %q is listed twice", d)
		}
	}
	if req.Current.isZero() {
		return nil, beacon.Invalid("current", nil, "give the period to explain: current.range (e.g. last_month) or current.start and current.end")
	}
	x := &explainer{engine: engine, scope: scope, metric: m, req: req, cur: req.Current}
	switch m.Type {
	case "ratio":
		num, den := simpleMetricOf(cat, m.Numerator), simpleMetricOf(cat, m.Denominator)
		if num == "" || den == "" {
			return nil, beacon.Invalid("metric", nil, "metric %s is a ratio of measures %s and %s, and explain needs each as a simple metric in the model; add them (type: simple) to explain it",
				m.Name, m.Numerator, m.Denominator)
		}
		x.kind, x.parts = "ratio", []string{num, den}
	case "simple", "derived":
		x.kind, x.parts = "additive", []string{m.Name}
	default:
		return nil, beacon.Invalid("metric", nil, "metric %s is a %s metric, which does not split into parts by group; explain a simple, derived or ratio metric (e.g. the one it is built on)", m.Name, m.Type)
	}
	return x, nil
}

// simpleMetricOf finds the simple metric that publishes a measure.
func simpleMetricOf(cat *metrics.Catalog, measure string) string {
	bare := measure[strings.LastIndex(measure, ".")+1:]
	for _, n := range cat.Names() {
		m, _ := cat.Metric(n)
		if m.Type == "simple" && (m.Measure == measure || m.Measure == bare) {
			return n
		}
	}
	return ""
}

// windows resolves both periods through the engine, so that relative
// ranges mean what they mean in a metric query (the model's as-of date,
// the zone), and fixes the baseline as explicit dates.
func (x *explainer) windows() (ResolvedPeriod, ResolvedPeriod, error) {
	q := x.query(x.cur, nil, nil)
	compare := x.req.Compare
	if x.req.Baseline == nil {
		if compare == "" {
			compare = "previous_period"
		}
		q.Compare = compare
	} else if compare != "" {
		return ResolvedPeriod{}, ResolvedPeriod{}, beacon.Invalid("compare", nil, "give either baseline or compare, not both")
	}
	comp, err := x.engine.Compile(q, x.scope)
	if err != nil {
		return ResolvedPeriod{}, ResolvedPeriod{}, renameField(err, "time", "current")
	}
	cur := ResolvedPeriod{Start: comp.Time.Start, End: comp.Time.End, TimeZone: comp.Time.TimeZone}
	if x.req.Baseline == nil {
		c := comp.Time.Comparison
		x.base = Period{Start: c.Start, End: c.End}
		return cur, ResolvedPeriod{Start: c.Start, End: c.End, TimeZone: cur.TimeZone}, nil
	}
	if x.req.Baseline.isZero() {
		return ResolvedPeriod{}, ResolvedPeriod{}, beacon.Invalid("baseline", nil, "baseline is empty: give baseline.range or baseline.start and baseline.end, or leave it out for the previous period")
	}
	x.base = *x.req.Baseline
	bc, err := x.engine.Compile(x.query(x.base, nil, nil), x.scope)
	if err != nil {
		return ResolvedPeriod{}, ResolvedPeriod{}, renameField(err, "time", "baseline")
	}
	return cur, ResolvedPeriod{Start: bc.Time.Start, End: bc.Time.End, TimeZone: bc.Time.TimeZone}, nil
}

// query is the governed query for the metric's parts over one period.
func (x *explainer) query(p Period, dims []string, within *metrics.Filter) metrics.Query {
	q := metrics.Query{
		Metrics:    x.parts,
		Dimensions: dims,
		Filters:    slices.Clone(x.req.Filters),
		Time:       &metrics.TimeSpec{Range: p.Range, Start: p.Start, End: p.End, TimeZone: x.req.TimeZone},
		Totals:     len(dims) > 0,
		Limit:      x.engine.Limits().MaxRows,
	}
	if within != nil {
		q.Filters = append(q.Filters, *within)
	}
	return q
}

// run runs one governed query and records it.
func (x *explainer) run(ctx context.Context, q metrics.Query, side string) (*metrics.Result, error) {
	x.mu.Lock()
	x.queries = append(x.queries, q)
	x.mu.Unlock()
	res, err := x.engine.Run(ctx, q, x.scope)
	if err != nil {
		return nil, renameField(renameField(err, "time", side), "dimensions[0]", "dimensions")
	}
	if res.Truncated {
		return nil, beacon.Invalid("dimensions", nil, "dimension %s has more than %d values in %s; filter it first", q.Dimensions[0], len(res.Rows), side)
	}
	return res, nil
}

// breakdown splits the change by dim, optionally within one driver.
func (x *explainer) breakdown(ctx context.Context, dim string, within *metrics.Filter) (*Breakdown, error) {
	var res [2]*metrics.Result
	var errs [2]error
	var wg sync.WaitGroup
	for i, p := range []Period{x.base, x.cur} {
		side := []string{"baseline", "current"}[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = x.run(ctx, x.query(p, []string{dim}, within), side)
		}()
	}
	wg.Wait()
	if err := firstError(errs[:]); err != nil {
		return nil, err
	}
	groups, err := x.groups(dim, res[0], res[1])
	if err != nil {
		return nil, err
	}
	b := &Breakdown{Dimension: dim, Within: within}
	if x.kind == "additive" {
		b.Decomposition = DecomposeAdditive(groups)
	} else {
		d, ok := DecomposeRatio(groups)
		if !ok {
			return nil, beacon.Errorf(beacon.EINVALID, "%s has no %s in one of the periods (in the rows you may see), so its change cannot be explained", x.metric.Name, x.parts[1])
		}
		b.Decomposition = d
	}
	return b, nil
}

// groups pairs the rows of both periods by the dimension's value, and
// checks that the groups add up to the governed total: a measure that
// does not (a distinct count of customers who sit in several groups)
// cannot be split into parts that sum to the change.
func (x *explainer) groups(dim string, base, cur *metrics.Result) ([]GroupFigures, error) {
	byValue := map[string]*GroupFigures{}
	var order []string
	for side, res := range []*metrics.Result{base, cur} {
		sums := make([]float64, len(x.parts))
		for i := range res.Rows {
			v := valueKey(res.Value(i, dim))
			g, ok := byValue[v]
			if !ok {
				g = &GroupFigures{Value: v, MissingBaseline: true, MissingCurrent: true}
				byValue[v] = g
				order = append(order, v)
			}
			vals := make([]float64, len(x.parts))
			for j, p := range x.parts {
				vals[j] = cellFloat(res.Value(i, p))
				sums[j] += vals[j]
			}
			if side == 0 {
				g.MissingBaseline = false
				g.Baseline = vals[0]
				if x.kind == "ratio" {
					g.BaselineNum, g.BaselineDen = vals[0], vals[1]
				}
			} else {
				g.MissingCurrent = false
				g.Current = vals[0]
				if x.kind == "ratio" {
					g.CurrentNum, g.CurrentDen = vals[0], vals[1]
				}
			}
		}
		for j, p := range x.parts {
			total := cellFloat(res.Totals[p])
			if math.Abs(sums[j]-total) > 1e-6*math.Max(1, math.Abs(total)) {
				return nil, beacon.Invalid("dimensions", nil, "the groups of %s by %s add up to %v but its total is %v: it is not additive over %s (a rate, or a distinct count of customers in several groups), so its change cannot be split into parts that add up; explain the ratio or sums it is built on",
					p, dim, sums[j], total, dim)
			}
		}
	}
	out := make([]GroupFigures, 0, len(order))
	for _, v := range order {
		out = append(out, *byValue[v])
	}
	return out, nil
}

// label names each driver in the request's language.
func (x *explainer) label(b *Breakdown) {
	for i := range b.Drivers {
		b.Drivers[i].Label = ValueLabel(x.engine.Catalog(), b.Dimension, b.Drivers[i].Value, x.req.Language)
	}
}

// trim keeps the top n drivers and sums the rest.
func (b *Breakdown) trim(n int) {
	if len(b.Drivers) <= n {
		return
	}
	rest := &Rest{Groups: len(b.Drivers) - n}
	for _, d := range b.Drivers[n:] {
		rest.Contribution += d.Contribution
	}
	b.Drivers, b.Rest = b.Drivers[:n], rest
}

// valueKey is a group's dimension value as text; "" for none.
func valueKey(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// num reads a result cell as a float; an empty cell is 0.
func cellFloat(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int:
		return float64(x)
	case int32:
		return float64(x)
	}
	return 0
}

// renameField moves an error about the internal query's field to the
// request's own name for it (time.range → current.range).
func renameField(err error, from, to string) error {
	var be *beacon.Error
	if !errors.As(err, &be) || be.Field == "" {
		return err
	}
	if be.Field == from || strings.HasPrefix(be.Field, from+".") {
		c := *be
		c.Field = to + strings.TrimPrefix(be.Field, from)
		return &c
	}
	return err
}

// labelOf picks a label in the language, falling back to the other.
func labelOf(t metrics.Text, lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	if t.ZH != "" {
		return t.ZH
	}
	return t.EN
}

// ValueLabel is a dimension value's name in lang: its label in the model
// when it has one, otherwise the value itself.
func ValueLabel(cat *metrics.Catalog, dim, value, lang string) string {
	if value == "" {
		if lang == "en" {
			return "(none)"
		}
		return "（空）"
	}
	d, ok := cat.Dimension(dim)
	if !ok {
		return value
	}
	for _, v := range d.Values {
		if v.Value == value {
			if l := labelOf(v.Label, lang); l != "" && (lang == "en" || v.Label.ZH != "") {
				return l
			}
		}
	}
	return value
}

// clip shortens a client string before it is echoed in an error.
func clipText(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
