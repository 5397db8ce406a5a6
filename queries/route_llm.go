package queries

import (
	"slices"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/risk"
)

// llmRoute is the route part of the model's reply: which capability, and
// the request it proposes. Only names, values and numbers it can check
// are taken from it; the figures come from the capability itself.
type llmRoute struct {
	Explain *struct {
		Metric     string           `json:"metric"`
		Dimensions []string         `json:"dimensions"`
		Filters    []metrics.Filter `json:"filters"`
		Current    *llmPeriod       `json:"current"`
		Baseline   *llmPeriod       `json:"baseline"`
		Compare    string           `json:"compare"`
	} `json:"explain"`
	Risk   *RiskListRequest `json:"risk"`
	Uplift *struct {
		By     []string   `json:"by"`
		Period *llmPeriod `json:"period"`
	} `json:"uplift"`
	WhatIf *struct {
		Segment    string `json:"segment"`
		TopN       int    `json:"top_n"`
		ActionType string `json:"action_type"`
	} `json:"whatif"`
}

type llmPeriod struct {
	Range string `json:"range"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// routeToolParams are the tool's route fields, added to its schema.
const routeToolParams = `,
  "route":{"type":"string","enum":["metric","explain","risk_list","uplift","whatif"],"description":"metric (default) for a metric query; explain for why a metric moved; risk_list for who is likely to leave or inactive customers; uplift for whether retention actions worked; whatif for what acting on the top N customers of a segment would keep"},
  "request":{"type":"object","properties":{
    "explain":{"type":"object","properties":{"metric":{"type":"string"},"dimensions":{"type":"array","items":{"type":"string"}},"filters":{"type":"array"},
      "current":{"type":"object","properties":{"range":{"type":"string"},"start":{"type":"string"},"end":{"type":"string"}}},
      "baseline":{"type":"object","properties":{"range":{"type":"string"},"start":{"type":"string"},"end":{"type":"string"}}},
      "compare":{"type":"string","enum":["previous_period","same_period_last_year"]}}},
    "risk":{"type":"object","properties":{"tier":{"type":"string","enum":["high","medium","low"]},"segment":{"type":"string"},"branch":{"type":"string"},"inactive":{"type":"integer"},"limit":{"type":"integer"}}},
    "uplift":{"type":"object","properties":{"by":{"type":"array","items":{"type":"string","enum":["segment","action_type","tier"]}},
      "period":{"type":"object","properties":{"range":{"type":"string"},"start":{"type":"string"},"end":{"type":"string"}}}}},
    "whatif":{"type":"object","properties":{"segment":{"type":"string"},"top_n":{"type":"integer"},"action_type":{"type":"string"}}}}}`

// routePrompt tells the model about the routes.
const routePrompt = `Besides metric queries, set route (and request) for: why a metric moved -> explain (metric, periods, dimensions only if named, values as filters);
who is likely to leave, high-risk or inactive customers (no activity for N months) -> risk_list (tier high unless another is named; inactive and limit only when the question states them);
whether retention actions worked -> uplift (by action_type and/or segment, period when named); what acting on the top N at-risk customers of a segment would keep -> whatif.
Expected churn and the number of high-risk customers are metrics, not routes. Never put a number in a request that the question does not state.
`

// admitRoute checks a proposed route request against the catalog, the
// caller's scope and the question's own numbers, and returns it rebuilt
// from checked strings.
func (a *admission) admitRoute(route string, r *llmRoute, now time.Time) (*RouteRequest, error) {
	if r == nil {
		return nil, rejectf("route %s needs its request", route)
	}
	switch route {
	case RouteExplain:
		return a.admitExplain(r)
	case RouteRiskList:
		return a.admitRisk(r.Risk)
	case RouteUplift:
		return a.admitUplift(r, now)
	case RouteWhatIf:
		return a.admitWhatIf(r)
	}
	return nil, rejectf("route must be metric, explain, risk_list, uplift or whatif")
}

func (a *admission) admitExplain(r *llmRoute) (*RouteRequest, error) {
	e := r.Explain
	if e == nil {
		return nil, rejectf("route explain needs request.explain")
	}
	q, err := a.admit(metrics.Query{Metrics: []string{e.Metric}, Dimensions: e.Dimensions, Filters: e.Filters, Compare: e.Compare})
	if err != nil {
		return nil, err
	}
	if len(q.Metrics) != 1 {
		return nil, rejectf("request.explain.metric must be one metric of the catalog")
	}
	req := &risk.ExplainRequest{Metric: q.Metrics[0], Dimensions: q.Dimensions, Filters: q.Filters, Compare: q.Compare}
	m, _ := a.cat.Metric(req.Metric)
	if len(req.Dimensions) == 0 {
		o := &Offline{cat: a.cat}
		req.Dimensions = o.explainDimensions(m, req.Filters)
	}
	period := func(p *llmPeriod, field string) (*risk.Period, error) {
		if p == nil {
			return nil, nil
		}
		t, err := a.time(&metrics.TimeSpec{Range: p.Range, Start: p.Start, End: p.End})
		if err != nil {
			return nil, rejectf("%s: %v", field, err)
		}
		return &risk.Period{Range: t.Range, Start: t.Start, End: t.End}, nil
	}
	cur, err := period(e.Current, "request.explain.current")
	if err != nil {
		return nil, err
	}
	if cur == nil {
		cur = &risk.Period{Range: "last_month"}
	}
	req.Current = *cur
	if req.Baseline, err = period(e.Baseline, "request.explain.baseline"); err != nil {
		return nil, err
	}
	if req.Baseline != nil {
		req.Compare = ""
	}
	return &RouteRequest{Explain: req}, nil
}

// visibleValue reports whether value is a value of dim the caller may see.
func (a *admission) visibleValue(dim, value string) bool {
	_, err := a.filter(metrics.Filter{Dimension: dim, Op: "eq", Value: value})
	return err == nil
}

func (a *admission) admitRisk(r *RiskListRequest) (*RouteRequest, error) {
	if r == nil {
		return nil, rejectf("route risk_list needs request.risk")
	}
	out := &RiskListRequest{Tier: r.Tier}
	if out.Tier != "" && !risk.ValidTier(out.Tier) {
		return nil, rejectf("request.risk.tier must be high, medium or low")
	}
	if r.Segment != "" {
		if !a.visibleValue("segment", r.Segment) {
			return nil, rejectf("request.risk.segment must be a segment value of the catalog")
		}
		out.Segment = r.Segment
	}
	if r.Branch != "" {
		if !a.visibleValue("branch", r.Branch) {
			return nil, rejectf("request.risk.branch must be a branch value of the catalog")
		}
		out.Branch = r.Branch
	}
	for _, n := range []struct {
		field string
		v     int
		max   int
		dst   *int
	}{{"inactive", r.Inactive, 120, &out.Inactive}, {"limit", r.Limit, 5000, &out.Limit}} {
		if n.v == 0 {
			continue
		}
		if n.v < 0 || n.v > n.max || !a.numbers[float64(n.v)] {
			return nil, rejectf("request.risk.%s must be a number the question states; leave it out otherwise", n.field)
		}
		*n.dst = n.v
	}
	if out.Tier == "" && out.Inactive == 0 {
		out.Tier = risk.TierHigh
	}
	return &RouteRequest{Risk: out}, nil
}

func (a *admission) admitUplift(r *llmRoute, now time.Time) (*RouteRequest, error) {
	u := r.Uplift
	if u == nil {
		return nil, rejectf("route uplift needs request.uplift")
	}
	out := &UpliftRequest{}
	for _, b := range u.By {
		if !slices.Contains(risk.UpliftDimensions, b) || slices.Contains(out.By, b) {
			return nil, rejectf("request.uplift.by must list segment, action_type or tier, each once")
		}
		out.By = append(out.By, b)
	}
	if len(out.By) == 0 {
		out.By = []string{"action_type"}
	}
	if p := u.Period; p != nil {
		t, err := a.time(&metrics.TimeSpec{Range: p.Range, Start: p.Start, End: p.End})
		if err != nil {
			return nil, rejectf("request.uplift.period: %v", err)
		}
		w, err := window(*t, now.In(a.cat.Location))
		if err != nil {
			return nil, rejectf("request.uplift.period must be a named range or dates")
		}
		out.From, out.To = w.Start.Format(time.DateOnly), w.End.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return &RouteRequest{Uplift: out}, nil
}

func (a *admission) admitWhatIf(r *llmRoute) (*RouteRequest, error) {
	w := r.WhatIf
	if w == nil {
		return nil, rejectf("route whatif needs request.whatif")
	}
	if !a.visibleValue("segment", w.Segment) {
		return nil, rejectf("request.whatif.segment must be a segment value of the catalog")
	}
	if w.TopN < 1 || w.TopN > risk.MaxWhatIfCustomers || !a.numbers[float64(w.TopN)] {
		return nil, rejectf("request.whatif.top_n must be the number of customers the question states")
	}
	out := &risk.WhatIfRequest{Segment: w.Segment, TopN: w.TopN}
	if w.ActionType != "" {
		if !a.visibleValue("action_type", w.ActionType) {
			return nil, rejectf("request.whatif.action_type must be an action type value of the catalog")
		}
		out.ActionType = w.ActionType
	}
	return &RouteRequest{WhatIf: out}, nil
}

// premiseWord is the direction a question asserts: up, down or "".
func premiseWord(question string) string {
	n := normalize(question)
	switch {
	case reRose.MatchString(n) || reSurge.MatchString(n) || reHigher.MatchString(n):
		return "up"
	case reFell.MatchString(n) || reSlump.MatchString(n) || reLower.MatchString(n):
		return "down"
	}
	return bareDirection(n)
}
