package queries

import (
	"slices"
	"strings"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/risk"
)

// Turn is what a conversation remembers of its last answered question:
// the metric query, or the route taken and the request made of it.
type Turn struct {
	Query   *metrics.Query
	Route   string
	Request *RouteRequest
}

// routed reports whether the turn went to a capability other than a
// metric query.
func (t Turn) routed() bool {
	return t.Request != nil && t.Route != "" && t.Route != RouteMetric
}

// groundFollowUp is the Grounding kind that marks a plan read as a
// follow-up of the previous routed answer.
const groundFollowUp = "follow_up"

// FollowsRoute reports whether the plan was read against the previous
// routed answer (answered on its route, or asked back naming the word
// that does not fit it): a chat takes such a plan as it is.
func (p *Plan) FollowsRoute() bool {
	return slices.ContainsFunc(p.Understood, func(g Grounding) bool { return g.Kind == groundFollowUp })
}

// followsUp reports whether a question that is not a route question of
// its own refines the previous answer: it opens or ends as a follow-up
// (那…呢, only, and by…), points back (其中, them) or names no metric.
func (r *reading) followsUp() bool {
	if reFollowUp.MatchString(r.norm) || reAnaphor.MatchString(r.norm) {
		return true
	}
	return !slices.ContainsFunc(r.words, func(w word) bool { return w.kind == kindMetric })
}

// routeFollowUp reads a follow-up against the previous routed answer: it
// stays on that route and changes only what it names. What the route
// cannot take is asked back, naming the word, never answered another way.
func (o *Offline) routeFollowUp(r *reading) bool {
	prev := r.after
	r.understood(strings.TrimSpace(r.question), groundFollowUp, prev.Route)
	r.text = consume(r.text, reAnaphor, func([]string) bool { return true })
	if len(r.pending) > 0 || len(r.conds) > 0 {
		return r.clarify(r.say("%s不能加数值条件；请换个问法，或完整地问一个新问题。",
			"%s cannot take a numeric condition; ask it another way, or ask a new question in full.", routeName(r.plan.Lang, prev.Route)))
	}
	r.plan.Notes = append(r.plan.Notes, r.say("接着上一个问题（%s）", "following the previous question (%s)", routeName(r.plan.Lang, prev.Route)))
	switch {
	case prev.Request.Explain != nil:
		return o.explainFollowUp(r, *prev.Request.Explain)
	case prev.Request.Risk != nil:
		base := *prev.Request.Risk
		return o.routeRiskList(r, &base)
	case prev.Request.Uplift != nil:
		base := *prev.Request.Uplift
		base.By = slices.Clone(base.By)
		return o.routeUplift(r, &base)
	case prev.Request.WhatIf != nil:
		base := *prev.Request.WhatIf
		return o.routeWhatIf(r, &base)
	}
	return r.clarify(r.say("没有读懂这个追问，请完整地问。", "I could not read this follow-up; please ask in full."))
}

// explainFollowUp explains again with what the follow-up names: another
// metric (那AUM呢), other dimensions (and by branch?), other values (那高净值
// 客群呢) or other periods; the rest of the previous request is kept.
func (o *Offline) explainFollowUp(r *reading, prev risk.ExplainRequest) bool {
	req := prev
	req.Language = r.plan.Lang
	req.Dimensions = slices.Clone(prev.Dimensions)
	req.Filters = slices.Clone(prev.Filters)
	if r.rank.set || r.rank.limit > 0 {
		return r.clarify(r.say("变化归因不做排名或取前几名；它按贡献从大到小列出所有分组。", "The explanation does not rank or take a top N; it lists every group by its contribution."))
	}
	var names []string
	for _, w := range r.words {
		if w.kind == kindMetric && !w.entity && !slices.Contains(names, w.name) {
			names = append(names, w.name)
		}
	}
	if len(names) > 1 {
		return r.clarify(r.say("一次只解释一个指标的变化：%s，请选一个。", "I explain one metric's change at a time: %s. Pick one.", listIn(r.plan.Lang, o.labels(r.plan.Lang, names))), names...)
	}
	newMetric := len(names) == 1 && names[0] != req.Metric
	if newMetric {
		req.Metric = names[0]
	}
	m, _ := o.cat.Metric(req.Metric)
	if m == nil || !o.timed[req.Metric] {
		return r.clarify(r.say("「%s」没有时间字段，无法解释它的变化。", "%q has no time field, so its change cannot be explained.", req.Metric))
	}
	def := o.cat.Definition(m)
	var named []string
	for _, w := range r.words {
		switch {
		case w.kind == kindDimension && !w.qualifier && !w.condition:
			if !slices.Contains(def.Dimensions, w.name) {
				return r.clarify(r.say("「%s」不能按「%s」拆分。", "%q cannot be split by %q.", req.Metric, w.surface))
			}
			if !slices.Contains(named, w.name) {
				named = append(named, w.name)
			}
		case w.kind == kindValue && w.excluded:
			return r.clarify(r.say("变化归因不能排除「%s」；请改问包含的分组。", "The explanation cannot leave out %q; name the groups to keep instead.", w.surface))
		}
	}
	if reWhole.MatchString(r.norm) {
		req.Filters = nil
		r.text = consume(r.text, reWhole, func([]string) bool { return true })
	}
	seen := map[string]bool{}
	for _, w := range r.words {
		if w.kind != kindValue || w.excluded {
			continue
		}
		if !seen[w.name] {
			// A value replaces the earlier filter on its dimension.
			seen[w.name] = true
			req.Filters = slices.DeleteFunc(req.Filters, func(f metrics.Filter) bool { return f.Dimension == w.name })
		}
		req.Filters = addFilter(req.Filters, w.name, w.value)
	}
	for _, f := range req.Filters {
		if !slices.Contains(def.Dimensions, f.Dimension) {
			return r.clarify(r.say("「%s」不能按上一个问题的筛选「%s」计算；请去掉这个筛选，或完整地问。", "%q cannot keep the previous filter on %q; drop it or ask in full.", req.Metric, f.Dimension))
		}
	}
	switch {
	case len(named) > risk.MaxExplainDimensions:
		return r.clarify(r.say("一次最多按 %d 个维度解释，请减少维度。", "I split a change by at most %d dimensions at a time; name fewer.", risk.MaxExplainDimensions))
	case len(named) > 0:
		req.Dimensions = named
	default:
		// The earlier split, as far as it still splits something: a
		// dimension now held to one value, or one the new metric lacks,
		// gives way to the metric's defaults.
		keep := !slices.ContainsFunc(req.Dimensions, func(d string) bool {
			return !slices.Contains(def.Dimensions, d) || slices.ContainsFunc(req.Filters, func(f metrics.Filter) bool { return f.Dimension == d && f.Op == "eq" })
		})
		if !keep || len(req.Dimensions) == 0 {
			req.Dimensions = o.explainDimensions(m, req.Filters)
		}
	}
	if len(req.Dimensions) == 0 {
		return r.clarify(r.say("「%s」没有可拆分的维度，无法解释它的变化。", "%q has no dimension to split its change by.", req.Metric))
	}
	if r.time.Range != "" || r.time.Start != "" {
		// A period named replaces both: the later against the one before,
		// or the two named.
		req.Baseline, req.Compare = nil, ""
		if !o.explainPeriods(r, &req) {
			return true
		}
	} else if r.time.Compare == "same_period_last_year" {
		req.Baseline, req.Compare = nil, r.time.Compare
	} else if r.time.Compare != "" {
		req.Baseline, req.Compare = nil, ""
	}
	if o.routeVocabulary(r, RouteExplain, req.Metric) {
		return true
	}
	return o.routed(r, RouteExplain, &RouteRequest{Explain: &req})
}

// afterSegment is the segment the previous routed answer was about (a
// risk list or a what-if of one segment), for a question that points
// back to it (if we called the top 30 of them).
func (r *reading) afterSegment() string {
	if r.after == nil || !r.pointsBack() {
		return ""
	}
	switch q := r.after.Request; {
	case q.Risk != nil:
		return q.Risk.Segment
	case q.WhatIf != nil:
		return q.WhatIf.Segment
	}
	return ""
}

// bareDirection reads a bare up or down (why is AUM down this month) that
// no phrasal verb owns (broken down by segment): "up", "down" or "".
func bareDirection(text string) string {
	for _, m := range reBareDirection.FindAllString(text, -1) {
		if reNotDirection.MatchString(m) {
			continue
		}
		if strings.HasSuffix(strings.TrimSpace(m), "up") {
			return "up"
		}
		return "down"
	}
	return ""
}

// goodBadPremise reads improved or worsened as the direction the model
// calls good or bad news for the metric (better: higher or lower): "up",
// "down", or "" when the question says neither or the model does not say.
func (o *Offline) goodBadPremise(text, metric string) string {
	m, _ := o.cat.Metric(metric)
	if m == nil || m.Better == "" {
		return ""
	}
	good, bad := reGood.MatchString(text), reBad.MatchString(text)
	if good == bad {
		return ""
	}
	if good == (m.Better == "higher") {
		return "up"
	}
	return "down"
}

// lostCount is the metric the model names for customers lost (流失客户,
// lost customers, churned customers), or "".
func (o *Offline) lostCount() string {
	for _, phrase := range []string{"流失客户数", "流失客户", "churned customers", "customers lost", "lost customers", "churners"} {
		n := normalize(phrase)
		ms, _ := o.lx.find(n)
		whole := len(ms) == 1 && strings.TrimSpace(n[:ms[0].start]) == "" && strings.TrimSpace(n[ms[0].end:]) == ""
		if whole && len(ms[0].entry.targets) == 1 && ms[0].entry.targets[0].Kind == kindMetric {
			return ms[0].entry.targets[0].Name
		}
	}
	return ""
}

// lostNear is how close (in bytes) a churn word and the counted entity
// stand to make one phrase, in either order (流失的客户, losing more
// customers, customers who left).
const lostNear = 16

// lostCustomers reads "lose customers" (流失的客户变多了, why are we losing
// more customers) as the model's count of customers lost, when the
// question asks no rate and names no other metric: "" otherwise.
func (o *Offline) lostCustomers(r *reading) string {
	lost := o.lostCount()
	if lost == "" || reRateAsked.MatchString(r.norm) {
		return ""
	}
	churns := reChurnWord.FindAllStringIndex(r.norm, -1)
	entity := false
	for _, w := range r.words {
		if w.kind != kindMetric {
			continue
		}
		if w.name == lost {
			return ""
		}
		near := slices.ContainsFunc(churns, func(c []int) bool {
			return c[1] <= w.start && w.start-c[1] <= lostNear || w.end <= c[0] && c[0]-w.end <= lostNear
		})
		switch {
		case w.entity && near:
			entity = true
		case slices.ContainsFunc(churns, func(c []int) bool { return c[0] <= w.start && w.end <= c[1] }):
			// 流失 itself, read as the churn rate: the verb of the phrase.
		default:
			return ""
		}
	}
	if !entity {
		return ""
	}
	// The churn word and the entity are the phrase that named the count.
	r.words = slices.DeleteFunc(r.words, func(w word) bool { return w.kind == kindMetric })
	r.text = consume(r.text, reChurnWord, func([]string) bool { return true })
	r.understood(strings.TrimSpace(reChurnWord.FindString(r.norm)), "metric", lost)
	return lost
}
