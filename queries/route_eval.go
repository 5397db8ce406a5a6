package queries

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/risk"
)

// RouteExpect is what a route case must become: the route, and the
// fields of its request that must match (only those the case gives). A
// premise case also names the direction the question asserts and the one
// the data shows.
type RouteExpect struct {
	Route   string           `yaml:"route"`
	Explain *EvalExplain     `yaml:"explain"`
	Risk    *RiskListRequest `yaml:"risk"`
	Uplift  *UpliftRequest   `yaml:"uplift"`
	WhatIf  *EvalWhatIf      `yaml:"whatif"`
	Premise string           `yaml:"premise"`
	Actual  string           `yaml:"actual"`
}

// EvalWhatIf is the part of a what-if request a case names.
type EvalWhatIf struct {
	Segment    string `yaml:"segment"`
	TopN       int    `yaml:"top_n"`
	ActionType string `yaml:"action_type"`
}

// EvalExplain is the part of an explain request a case names.
type EvalExplain struct {
	Metric     string       `yaml:"metric"`
	Dimensions []string     `yaml:"dimensions"`
	Current    *risk.Period `yaml:"current"`
	Baseline   *risk.Period `yaml:"baseline"`
	Compare    string       `yaml:"compare"`
	// Filters are written as the API takes them ([{dimension, op, value}])
	// or as a map of dimension to value.
	Filters any `yaml:"filters"`
}

// routed reports whether the expectation names a route other than a
// metric query.
func (e RouteExpect) routed() bool { return e.Route != "" && e.Route != RouteMetric }

// reference is the turn a conversation continues from when the planner
// missed this one: the reference query, or the route request the case
// names (fields it leaves out stay empty).
func (t EvalTurn) reference() Turn {
	if !t.routed() {
		if t.Query == nil {
			return Turn{}
		}
		q := cloneQuery(*t.Query)
		return Turn{Query: &q}
	}
	req := &RouteRequest{Risk: t.Risk, Uplift: t.Uplift}
	if x := t.Explain; x != nil {
		req.Explain = &risk.ExplainRequest{Metric: x.Metric, Dimensions: x.Dimensions, Baseline: x.Baseline, Compare: x.Compare, Filters: evalFilters(x.Filters)}
		if x.Current != nil {
			req.Explain.Current = *x.Current
		}
	}
	if w := t.WhatIf; w != nil {
		req.WhatIf = &risk.WhatIfRequest{Segment: w.Segment, TopN: w.TopN, ActionType: w.ActionType}
	}
	return Turn{Route: t.Route, Request: req}
}

// judgeRoute scores a plan against a route case: right when the route and
// every named request field match. A plan that answers by another route,
// or with other fields, states numbers that were not asked: silent wrong.
// It returns the turn the conversation continues from.
func judgeRoute(ctx context.Context, engine *metrics.Engine, p *Plan, e RouteExpect, o *EvalOutcome) Turn {
	o.Want = "route " + e.Route + " " + e.describe()
	ref := EvalTurn{RouteExpect: e}.reference()
	if p.Status != "answer" {
		return ref
	}
	if p.Route == "" || p.Route == RouteMetric {
		o.Got = "route metric " + compact(p.Query)
	}
	if p.Route != e.Route {
		o.SilentWrong = true
		o.Detail = "another route"
		return ref
	}
	var why string
	switch e.Route {
	case RouteExplain:
		why = matchExplain(engine, p.Request.Explain, e.Explain)
	case RouteRiskList:
		why = matchRisk(p.Request.Risk, e.Risk)
	case RouteUplift:
		why = matchUplift(p.Request.Uplift, e.Uplift)
	case RouteWhatIf:
		why = matchWhatIf(p.Request.WhatIf, e.WhatIf)
	}
	if why == "" && e.Premise != "" && p.Premise != e.Premise {
		why = fmt.Sprintf("premise read %q, want %q", p.Premise, e.Premise)
	}
	if why != "" {
		o.SilentWrong, o.Detail = true, why
		return ref
	}
	o.Correct, o.Exact = true, true
	if e.Premise != "" && e.Route == RouteExplain {
		o.Detail = premiseVerdict(ctx, engine, p, e)
	}
	return Turn{Route: p.Route, Request: p.Request}
}

// premiseVerdict runs the explanation and says whether the answer
// corrects the premise; the direction on this evaluation's bank may
// differ from the one the case recorded on another bank.
func premiseVerdict(ctx context.Context, engine *metrics.Engine, p *Plan, e RouteExpect) string {
	req := *p.Request.Explain
	x, err := risk.Explain(ctx, engine, req, nil)
	if err != nil {
		return "explain failed: " + err.Error()
	}
	note := premiseNote(p, x)
	s := fmt.Sprintf("premise %s, data here %s", p.Premise, p.PremiseActual)
	if e.Actual != "" && e.Actual != p.PremiseActual {
		s += fmt.Sprintf(" (the case recorded %s on its own bank)", e.Actual)
	}
	if note != "" {
		s += ": corrected"
	}
	return s
}

func (e RouteExpect) describe() string {
	var v any
	switch {
	case e.Explain != nil:
		v = *e.Explain
	case e.Risk != nil:
		v = *e.Risk
	case e.Uplift != nil:
		v = *e.Uplift
	case e.WhatIf != nil:
		v = *e.WhatIf
	}
	if v == nil {
		return ""
	}
	return strings.TrimPrefix(fmt.Sprintf("%+v", v), "&")
}

func requestText(p *Plan) string {
	if p.Request == nil {
		return compact(p.Query)
	}
	switch {
	case p.Request.Explain != nil:
		return fmt.Sprintf("%+v", *p.Request.Explain)
	case p.Request.Risk != nil:
		return fmt.Sprintf("%+v", *p.Request.Risk)
	case p.Request.Uplift != nil:
		return fmt.Sprintf("%+v", *p.Request.Uplift)
	case p.Request.WhatIf != nil:
		return fmt.Sprintf("%+v", *p.Request.WhatIf)
	}
	return ""
}

func matchExplain(engine *metrics.Engine, got *risk.ExplainRequest, want *EvalExplain) string {
	if want == nil {
		return ""
	}
	if want.Metric != "" && got.Metric != want.Metric {
		return fmt.Sprintf("metric %s, want %s", got.Metric, want.Metric)
	}
	if len(want.Dimensions) > 0 && !sameSet(got.Dimensions, want.Dimensions) {
		return fmt.Sprintf("dimensions %v, want %v", got.Dimensions, want.Dimensions)
	}
	if want.Filters != nil && !sameSet(filterKeys(got.Filters), filterKeys(evalFilters(want.Filters))) {
		return fmt.Sprintf("filters %v, want %v", filterKeys(got.Filters), filterKeys(evalFilters(want.Filters)))
	}
	if want.Current == nil && want.Baseline == nil && want.Compare == "" {
		return ""
	}
	metric := want.Metric
	if metric == "" {
		metric = got.Metric
	}
	gc, gb, err := explainWindows(engine, metric, got.Current, got.Baseline, got.Compare)
	if err != nil {
		return "the planner's periods do not resolve: " + err.Error()
	}
	cur := got.Current
	if want.Current != nil {
		cur = *want.Current
	}
	wc, wb, err := explainWindows(engine, metric, cur, want.Baseline, want.Compare)
	if err != nil {
		return "the case's periods do not resolve: " + err.Error()
	}
	if gc != wc {
		return fmt.Sprintf("current %s, want %s", gc, wc)
	}
	if (want.Baseline != nil || want.Compare != "") && gb != wb {
		return fmt.Sprintf("baseline %s, want %s", gb, wb)
	}
	return ""
}

// explainWindows resolves an explain request's two periods as the explain
// endpoint does, through a compiled comparison.
func explainWindows(engine *metrics.Engine, metric string, cur risk.Period, base *risk.Period, compare string) (string, string, error) {
	spec := func(p risk.Period) *metrics.TimeSpec {
		return &metrics.TimeSpec{Range: p.Range, Start: p.Start, End: p.End}
	}
	q := metrics.Query{Metrics: []string{metric}, Time: spec(cur)}
	if base == nil {
		q.Compare = compare
		if q.Compare == "" {
			q.Compare = "previous_period"
		}
	}
	c, err := engine.Compile(q, nil)
	if err != nil {
		return "", "", err
	}
	cw := c.Time.Start + ".." + c.Time.End
	if base == nil {
		return cw, c.Time.Comparison.Start + ".." + c.Time.Comparison.End, nil
	}
	b, err := engine.Compile(metrics.Query{Metrics: []string{metric}, Time: spec(*base)}, nil)
	if err != nil {
		return "", "", err
	}
	return cw, b.Time.Start + ".." + b.Time.End, nil
}

// evalFilters reads a case's filters in either form.
func evalFilters(v any) []metrics.Filter {
	var out []metrics.Filter
	switch x := v.(type) {
	case map[string]any:
		for d, val := range x {
			if vs, ok := val.([]any); ok {
				out = append(out, metrics.Filter{Dimension: d, Op: "in", Values: vs})
			} else {
				out = append(out, metrics.Filter{Dimension: d, Op: "eq", Value: val})
			}
		}
	case []any:
		for _, f := range x {
			m, _ := f.(map[string]any)
			flt := metrics.Filter{Op: "eq"}
			flt.Dimension, _ = m["dimension"].(string)
			if op, ok := m["op"].(string); ok {
				flt.Op = op
			}
			flt.Value = m["value"]
			flt.Values, _ = m["values"].([]any)
			out = append(out, flt)
		}
	}
	return out
}

// filterKeys renders filters as dimension=value words, a list as one word
// per value, so that eq and a one-value in read alike.
func filterKeys(fs []metrics.Filter) []string {
	var out []string
	for _, f := range fs {
		vals := f.Values
		if f.Value != nil {
			vals = append([]any{f.Value}, vals...)
		}
		op := f.Op
		if op == "eq" || op == "in" {
			op = "="
		}
		for _, v := range vals {
			out = append(out, f.Dimension+op+fmt.Sprint(v))
		}
	}
	sort.Strings(out)
	return out
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

func matchRisk(got, want *RiskListRequest) string {
	if want == nil {
		return ""
	}
	var diffs []string
	check := func(name string, g, w any, given bool) {
		if given && fmt.Sprint(g) != fmt.Sprint(w) {
			diffs = append(diffs, fmt.Sprintf("%s %v, want %v", name, g, w))
		}
	}
	check("tier", got.Tier, want.Tier, want.Tier != "")
	check("segment", got.Segment, want.Segment, want.Segment != "")
	check("branch", got.Branch, want.Branch, want.Branch != "")
	check("inactive", got.Inactive, want.Inactive, want.Inactive != 0)
	check("limit", got.Limit, want.Limit, want.Limit != 0)
	// A filter the case leaves out must not be added either.
	check("segment", got.Segment, "", want.Segment == "" && got.Segment != "")
	check("branch", got.Branch, "", want.Branch == "" && got.Branch != "")
	check("inactive", got.Inactive, 0, want.Inactive == 0 && got.Inactive != 0)
	return strings.Join(diffs, "; ")
}

func matchUplift(got, want *UpliftRequest) string {
	if want == nil {
		return ""
	}
	switch {
	case len(want.By) > 0 && !sameSet(got.By, want.By):
		return fmt.Sprintf("by %v, want %v", got.By, want.By)
	case want.From != "" && got.From != want.From:
		return fmt.Sprintf("from %q, want %s", got.From, want.From)
	case want.To != "" && got.To != want.To:
		return fmt.Sprintf("to %q, want %s", got.To, want.To)
	}
	return ""
}

func matchWhatIf(got *risk.WhatIfRequest, want *EvalWhatIf) string {
	if want == nil {
		return ""
	}
	switch {
	case want.Segment != "" && got.Segment != want.Segment:
		return fmt.Sprintf("segment %s, want %s", got.Segment, want.Segment)
	case want.TopN != 0 && got.TopN != want.TopN:
		return fmt.Sprintf("top_n %d, want %d", got.TopN, want.TopN)
	case want.ActionType != "" && got.ActionType != want.ActionType:
		return fmt.Sprintf("action_type %q, want %s", got.ActionType, want.ActionType)
	}
	return ""
}

// RouteStats are the figures for one route; out-of-scope cases count
// under their expectation (refuse or clarify).
type RouteStats struct {
	Route string
	Tally
}

// RouteStats returns per-route figures.
func (r *EvalReport) RouteStats() []RouteStats {
	keys, by := r.tally(func(o EvalOutcome) string { return cmp.Or(o.Route, RouteMetric) })
	var out []RouteStats
	for _, k := range keys {
		out = append(out, RouteStats{Route: k, Tally: *by[k]})
	}
	return out
}

// hasRoutes reports whether any outcome is of a route case.
func (r *EvalReport) hasRoutes() bool {
	routes := []string{RouteMetric, RouteExplain, RouteRiskList, RouteUplift, RouteWhatIf}
	return slices.ContainsFunc(r.Outcomes, func(o EvalOutcome) bool { return slices.Contains(routes, o.Route) })
}

// NeedsScores reports whether the set reads the early-warning scores: it
// has route cases, or hand SQL over risk_scores.
func (s *EvalSet) NeedsScores() bool {
	for _, c := range s.Cases {
		for _, t := range c.turns() {
			if t.Route != "" || strings.Contains(t.SQL, risk.ScoresTable) {
				return true
			}
		}
	}
	return false
}
