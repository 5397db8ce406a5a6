package queries

import (
	"regexp"
	"slices"
	"strings"

	"github.com/beaconbi/beacon/metrics"
)

// A condition right after a metric (流失率高于25%的大区, plan types with a
// churn rate above 20%) is on the metric's value: it keeps the groups of the
// answer that meet it, as the query's having. It needs a breakdown to pick
// groups from; the number must be in the metric's own unit (a percentage
// for a rate), or the question is asked back.

// havingCondition records a condition on the value of the metric named
// right before it; false when no metric stands there.
func (o *Offline) havingCondition(r *reading, c condition) bool {
	name := r.metricEndingAt(c.start)
	if name == "" {
		return false
	}
	r.having = append(r.having, pendingHaving{metric: name, cond: c})
	r.understood(strings.TrimSpace(c.text), "metric condition", name+" "+c.op)
	r.text = blank(r.text, c.start, c.end)
	return true
}

// pendingHaving is a metric condition whose units are checked once the
// query is built.
type pendingHaving struct {
	metric string
	cond   condition
}

// reHavingGlue may stand between a metric and its condition.
var reHavingGlue = regexp.MustCompile(`^(?:\s|的|是|为|在|\bof\b|\bis\b|\bwas\b|\bare\b|\bwere\b|\bbeen\b)*$`)

// metricEndingAt returns the metric of the word that ends right before i.
func (r *reading) metricEndingAt(i int) string {
	for _, w := range r.words {
		if w.kind == kindMetric && !w.entity && w.end <= i && reHavingGlue.MatchString(r.norm[w.end:i]) {
			return w.name
		}
	}
	return ""
}

// applyHaving turns the metric conditions into the query's having, or
// asks back when the answer has no groups to keep or the unit is unclear.
func (o *Offline) applyHaving(r *reading) bool {
	for _, h := range r.having {
		c := h.cond
		text := strings.TrimSpace(c.text)
		if len(r.query.Dimensions) == 0 {
			return r.clarify(r.say("「%s」是对%s的条件：要从哪些分组里挑出满足它的？请写明维度（例如「%s%s的大区有哪些」）。",
				"%q is a condition on %s: which groups should be picked by it? Name a breakdown (for example \"regions with %s %s\").",
				text, o.metricLabel(r, h.metric), o.metricLabel(r, h.metric), text))
		}
		if !slices.Contains(r.query.Metrics, h.metric) {
			r.query.Metrics = append(r.query.Metrics, h.metric)
		}
		vals, ok := o.havingValues(h.metric, c)
		if !ok {
			return r.clarify(r.say("「%s」的单位和%s不一致：%s是比率，请用百分数写（例如「高于2%%」）。",
				"%q does not match the unit of %s: %s is a rate; write it as a percentage (for example \"above 2%%\").",
				text, o.metricLabel(r, h.metric), o.metricLabel(r, h.metric)))
		}
		mf := metrics.MetricFilter{Metric: h.metric, Op: c.op}
		if c.op == "between" {
			mf.Values = []any{vals[0], vals[1]}
		} else {
			mf.Value = vals[0]
		}
		r.query.Having = append(r.query.Having, mf)
		r.plan.Notes = append(r.plan.Notes, r.say("只列出%s%s的分组", "only the groups with %s %s", o.metricLabel(r, h.metric), text))
	}
	return false
}

// havingValues converts a condition's numbers to the metric's unit: a
// percentage of a rate becomes a fraction; a rate compared with a bare
// number, or a percentage of anything else, is unclear.
func (o *Offline) havingValues(metric string, c condition) ([]float64, bool) {
	m := o.lx.metrics[metric]
	percent := m != nil && m.Format == "percent"
	if (c.unit == "%") != percent {
		return nil, false
	}
	out := slices.Clone(c.values)
	if percent {
		for i := range out {
			out[i] /= 100
		}
	}
	return out, true
}

func (o *Offline) metricLabel(r *reading, name string) string {
	m := o.lx.metrics[name]
	if m == nil {
		return name
	}
	return pick(r.plan.Lang, m.Label.ZH, m.Label.EN)
}

func pick(lang, zh, en string) string {
	if lang == "zh" && zh != "" || en == "" {
		return zh
	}
	return en
}
