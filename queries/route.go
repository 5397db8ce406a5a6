package queries

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
	"github.com/beaconbi/beacon/risk"
)

// Routes a question can take: a governed metric query (the default), or
// one of the retention capabilities beside the metrics.
const (
	RouteMetric   = "metric"
	RouteExplain  = "explain"   // POST /api/v1/explain
	RouteRiskList = "risk_list" // GET /api/v1/risk/customers
	RouteUplift   = "uplift"    // GET /api/v1/retention/uplift
	RouteWhatIf   = "whatif"    // POST /api/v1/retention/whatif
)

// RouteRequest is the request a plan makes of a capability other than a
// metric query: exactly one of its fields is set, matching Plan.Route.
// Each is the body or the parameters of the capability's own endpoint, so
// a reader can replay it there.
type RouteRequest struct {
	Explain *risk.ExplainRequest `json:"explain,omitempty"`
	Risk    *RiskListRequest     `json:"risk,omitempty"`
	Uplift  *UpliftRequest       `json:"uplift,omitempty"`
	WhatIf  *risk.WhatIfRequest  `json:"whatif,omitempty"`
}

// RiskListRequest is the query string of GET /api/v1/risk/customers.
type RiskListRequest struct {
	Tier     string `json:"tier,omitempty" yaml:"tier"`
	Segment  string `json:"segment,omitempty" yaml:"segment"`
	Branch   string `json:"branch,omitempty" yaml:"branch"`
	Inactive int    `json:"inactive,omitempty" yaml:"inactive"`
	Limit    int    `json:"limit,omitempty" yaml:"limit"`
}

// UpliftRequest is the query string of GET /api/v1/retention/uplift; From
// and To are inclusive dates (YYYY-MM-DD).
type UpliftRequest struct {
	By   []string `json:"by,omitempty" yaml:"by"`
	From string   `json:"from,omitempty" yaml:"from"`
	To   string   `json:"to,omitempty" yaml:"to"`
}

// riskListDefault is how many customers a list question shows when it
// names no count (the endpoint's own default page).
const riskListDefault = 50

// routeAnswer runs a plan's route request through the risk package for
// the caller's scope and writes the answer from what it returns: every
// number in the sentence is one of the capability's figures.
func (c *Chat) routeAnswer(ctx context.Context, a *Answer, plan *Plan, scope metrics.Scope) error {
	a.Route, a.Request = plan.Route, plan.Request
	var err error
	switch plan.Route {
	case RouteExplain:
		err = c.answerExplain(ctx, a, plan, scope)
	case RouteRiskList:
		err = c.answerRiskList(ctx, a, plan, scope)
	case RouteUplift:
		err = c.answerUplift(ctx, a, plan, scope)
	case RouteWhatIf:
		err = c.answerWhatIf(ctx, a, plan, scope)
	default:
		err = fmt.Errorf("unknown route %q", plan.Route)
	}
	var be *beacon.Error
	if errors.As(err, &be) && be.Code != beacon.EINTERNAL {
		// The capability could not answer this request (no scores yet, a
		// group too small, a scope it cannot apply): say so, give no number.
		a.Status, plan.Status = "clarify", "clarify"
		a.Answer = plan.say("这个问题转到了%s，但无法回答：%s", "This question went to %s, which could not answer: %s", routeName(plan.Lang, plan.Route), be.Message)
		a.RouteResult = nil
		return nil
	}
	return err
}

// say picks the sentence in the plan's language.
func (p *Plan) say(zh, en string, args ...any) string {
	if p.Lang == "zh" {
		return fmt.Sprintf(zh, args...)
	}
	return fmt.Sprintf(en, args...)
}

// routeName names a route for the asker.
func routeName(lang, route string) string {
	names := map[string][2]string{
		RouteExplain:  {"变化归因（explain）", "the change explanation (explain)"},
		RouteRiskList: {"流失预警名单", "the churn early-warning list"},
		RouteUplift:   {"挽留效果（uplift）", "the retention uplift view"},
		RouteWhatIf:   {"挽留测算（what-if）", "the what-if estimate"},
	}
	n := names[route]
	if lang == "zh" {
		return n[0]
	}
	return n[1]
}

func (c *Chat) answerExplain(ctx context.Context, a *Answer, plan *Plan, scope metrics.Scope) error {
	req := *plan.Request.Explain
	req.Language = plan.Lang
	e, err := risk.Explain(ctx, c.engine, req, scope)
	if err != nil {
		return err
	}
	a.RouteResult = e
	a.Answer = premiseNote(plan, e) + e.Narrative + scopeNote(plan.Lang, scope)
	return nil
}

// premiseNote corrects a direction the question asserted (为什么流失率上升了)
// when the explained change went the other way or not at all.
func premiseNote(plan *Plan, e *risk.Explanation) string {
	if plan.Premise == "" {
		return ""
	}
	actual := "flat"
	switch {
	case e.Change > 0:
		actual = "up"
	case e.Change < 0:
		actual = "down"
	}
	plan.PremiseActual = actual
	if actual == plan.Premise {
		return ""
	}
	words := map[string][2]string{"up": {"上升", "rose"}, "down": {"下降", "fell"}, "flat": {"持平", "stayed flat"}}
	if plan.Lang == "zh" {
		return fmt.Sprintf("问题的前提与数据不符：%s并未%s，而是%s。", e.Label, words[plan.Premise][0], words[actual][0])
	}
	return fmt.Sprintf("The question's premise does not match the data: %s did not %s; it %s. ", e.Label,
		map[string]string{"up": "rise", "down": "fall"}[plan.Premise], words[actual][1])
}

func (c *Chat) answerRiskList(ctx context.Context, a *Answer, plan *Plan, scope metrics.Scope) error {
	if c.db == nil {
		return beacon.Errorf(beacon.ENOTFOUND, "%s", plan.say("本服务未开启流失预警名单", "the early-warning list is not enabled on this server"))
	}
	r := plan.Request.Risk
	q := risk.ListQuery{Tier: r.Tier, Segment: r.Segment, Branch: r.Branch, MinInactive: r.Inactive, Limit: r.Limit, Scope: scope, Lang: plan.Lang}
	if q.Limit == 0 {
		q.Limit = riskListDefault
	}
	page, err := risk.List(ctx, c.db, q)
	if err != nil {
		return err
	}
	a.RouteResult = page
	var b strings.Builder
	if plan.Lang == "zh" {
		fmt.Fprintf(&b, "%s 评分中符合条件的客户共 %d 位", page.Month, page.Total)
		if len(page.Customers) > 0 {
			fmt.Fprintf(&b, "，按流失概率从高到低列出前 %d 位", len(page.Customers))
		}
		b.WriteString("。")
	} else {
		fmt.Fprintf(&b, "%d customers match in the %s scores", page.Total, page.Month)
		if len(page.Customers) > 0 {
			fmt.Fprintf(&b, "; the %d with the highest probability of leaving are listed", len(page.Customers))
		}
		b.WriteString(".")
	}
	for i, s := range page.Customers {
		if i == 3 {
			break
		}
		reason := ""
		if len(s.Reasons) > 0 {
			reason = s.Reasons[0].EN
			if plan.Lang == "zh" {
				reason = s.Reasons[0].ZH
			}
		}
		if plan.Lang == "zh" {
			fmt.Fprintf(&b, "客户 %d（%s，%s，概率 %.2f）：%s。", s.CustomerID, s.Segment, s.Branch, s.Score, reason)
		} else {
			fmt.Fprintf(&b, " Customer %d (%s, %s, probability %.2f): %s.", s.CustomerID, s.Segment, s.Branch, s.Score, reason)
		}
	}
	a.Answer = b.String() + scopeNote(plan.Lang, scope)
	return nil
}

func (c *Chat) answerUplift(ctx context.Context, a *Answer, plan *Plan, scope metrics.Scope) error {
	if c.retention == nil {
		return beacon.Errorf(beacon.ENOTFOUND, "%s", plan.say("本服务未开启挽留效果分析", "the uplift view is not enabled on this server"))
	}
	r := plan.Request.Uplift
	v, err := c.retention.Uplift(ctx, risk.UpliftRequest{By: r.By, From: r.From, To: r.To, Language: plan.Lang}, scope)
	if err != nil {
		return err
	}
	a.RouteResult = v
	var parts []string
	for _, g := range v.Groups {
		parts = append(parts, upliftSentence(plan.Lang, keyText(g.Key, r.By), g))
	}
	parts = append(parts, upliftSentence(plan.Lang, plan.say("全部", "all"), v.Total))
	sep := "；"
	if plan.Lang != "zh" {
		sep = "; "
	}
	a.Answer = strings.Join(parts, sep) + plan.say("。", ".") + " " + v.Comparison + scopeNote(plan.Lang, scope)
	return nil
}

func keyText(key map[string]string, by []string) string {
	var out []string
	for _, b := range by {
		out = append(out, key[b])
	}
	return strings.Join(out, "/")
}

// upliftSentence states one group's measured effect, or that it is too
// small to conclude.
func upliftSentence(lang, name string, g risk.UpliftGroup) string {
	pp := func(x float64) string { return fmt.Sprintf("%.1f", 100*x) }
	if lang == "zh" {
		s := fmt.Sprintf("%s：受理 %d 人、可比未受理 %d 人，留存率 %s%% 对 %s%%，提升 %s 个百分点（95%% 区间 %s 至 %s）",
			name, g.Treated, g.Untreated, pp(g.TreatedRetention), pp(g.UntreatedRetention), pp(g.Uplift), pp(g.UpliftLow), pp(g.UpliftHigh))
		if !g.Conclusive {
			s += "，样本太少，无法下结论"
		}
		return s
	}
	s := fmt.Sprintf("%s: %d treated against %d comparable untreated, retention %s%% vs %s%%, uplift %s points (95%% interval %s to %s)",
		name, g.Treated, g.Untreated, pp(g.TreatedRetention), pp(g.UntreatedRetention), pp(g.Uplift), pp(g.UpliftLow), pp(g.UpliftHigh))
	if !g.Conclusive {
		s += ", too small to conclude"
	}
	return s
}

func (c *Chat) answerWhatIf(ctx context.Context, a *Answer, plan *Plan, scope metrics.Scope) error {
	if c.retention == nil {
		return beacon.Errorf(beacon.ENOTFOUND, "%s", plan.say("本服务未开启挽留测算", "the what-if estimate is not enabled on this server"))
	}
	req := *plan.Request.WhatIf
	req.Language = plan.Lang
	w, err := c.retention.WhatIf(ctx, req, scope)
	if err != nil {
		return err
	}
	a.RouteResult = w
	money := func(x float64) string {
		return narrate.Value(plan.Lang, metrics.Definition{Format: "currency"}, x)
	}
	one := func(x float64) string { return fmt.Sprintf("%.1f", x) }
	if plan.Lang == "zh" {
		a.Answer = fmt.Sprintf("如果对%s客群风险最高的 %d 位客户（找到 %d 位，%s 评分）采取「%s」，预计挽回 %s 位客户（95%% 区间 %s 至 %s），保住 AUM %s（区间 %s 至 %s），成本 %s。",
			w.Segment, w.TopN, w.Candidates, w.Month, w.ActionType, one(w.CustomersKept), one(w.CustomersKeptLow), one(w.CustomersKeptHigh),
			money(w.AUMKept), money(w.AUMKeptLow), money(w.AUMKeptHigh), money(w.Cost))
	} else {
		a.Answer = fmt.Sprintf("If we act on the top %d at-risk %s customers (%d found, %s scores) with %s, we expect to keep %s customers (95%% interval %s to %s) and %s of AUM (%s to %s), at a cost of %s.",
			w.TopN, w.Segment, w.Candidates, w.Month, w.ActionType, one(w.CustomersKept), one(w.CustomersKeptLow), one(w.CustomersKeptHigh),
			money(w.AUMKept), money(w.AUMKeptLow), money(w.AUMKeptHigh), money(w.Cost))
	}
	if w.Note != "" {
		a.Answer += " " + w.Note
	}
	a.Answer += scopeNote(plan.Lang, scope)
	return nil
}

// routeFilters are the values a route request names, as filters, so that
// a value outside the caller's scope reads as an unknown word on every
// route, as it does for metric queries.
func routeFilters(p *Plan) []metrics.Filter {
	r := p.Request
	if r == nil {
		return nil
	}
	var out []metrics.Filter
	eq := func(dim, v string) {
		if v != "" {
			out = append(out, metrics.Filter{Dimension: dim, Op: "eq", Value: v})
		}
	}
	switch {
	case r.Explain != nil:
		out = append(out, r.Explain.Filters...)
	case r.Risk != nil:
		eq("segment", r.Risk.Segment)
		eq("branch", r.Risk.Branch)
	case r.WhatIf != nil:
		eq("segment", r.WhatIf.Segment)
		eq("action_type", r.WhatIf.ActionType)
	}
	return out
}
