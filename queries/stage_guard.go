package queries

import (
	"regexp"
	"strings"

	"github.com/beaconbi/beacon/metrics"
)

var (
	// Asking why wants an explanation, not a level: a bare number would
	// answer another question.
	reWhy = regexp.MustCompile(`为什么|为何|什么原因|原因|怎么回事|怎么会|归因|驱动因素|\bwhy\b|what caused|what drove|what is driving|what's driving|\breasons?\b|\bcaus(?:e|ed|es|ing)\b|\bexplain\b|\bdrivers?\b`)
	// Words that assert a direction.
	reRose = regexp.MustCompile(`上升|升高|增加|增长|提高|上涨|涨|变高|走高|\brise\b|\brose\b|\brisen\b|\bgo(?:ne)? up\b|\bwent up\b|\bincreas\w*|\bgrew\b|\bjump\w*`)
	reFell = regexp.MustCompile(`下降|下滑|降低|减少|下跌|跌|变低|走低|\bfell\b|\bfall(?:en)?\b|\bgo(?:ne)? down\b|\bwent down\b|\bdecreas\w*|\bdrop\w*|\bdeclin\w*`)
	// The future has no data; a forecast is not a governed number.
	reFuture = regexp.MustCompile(`预测|预计|预估|将会|会不会|会是多少|会有多少|明年|下个月|下月|下季度|下个季度|下半月|未来|\bforecast\w*|\bpredict\w*|\bproject(?:ed|ion)\b|\bnext (?:week|month|quarter|year)\b|\bwill (?:be|have|churn|lapse|renew)\b|\bgoing to\b`)
)

// guard ends the reading of empty questions and requests to act.
func (o *Offline) guard(r *reading) bool {
	p := r.plan
	if strings.TrimSpace(r.text) == "" {
		o.refuse(p, "", nil)
		return true
	}
	m := reAction.FindString(r.text)
	if m == "" {
		m = reImperative.FindString(r.text)
	}
	if m != "" {
		o.refuse(p, "", nil)
		p.Message = r.say("Beacon 只回答指标问题，不执行「%s」这类操作，也不会改变或导出数据。", "Beacon answers metric questions only; it does not act on %q and never changes or exports data.", strings.TrimSpace(m))
		return true
	}
	// 其中 (among those) points back, whatever its 中 may name in the
	// catalog (a priority 中); build checks there is something to point at.
	r.text = consume(r.text, reAmong, func([]string) bool { return true })
	return false
}

var reAmong = regexp.MustCompile(`其中`)

// readIntent ends the reading of questions of why and of the future. It
// runs after grounding, so that a catalog word (流失原因, close reason) is
// not taken for the question word.
func (o *Offline) readIntent(r *reading) bool {
	p := r.plan
	if m := reWhy.FindString(r.text); m != "" {
		premise, check := o.premiseOf(r)
		o.refuse(p, "", nil)
		p.Premise, p.PremiseQuery = premise, check
		p.Message = r.say("「%s」问的是原因，Beacon 目前不做原因分析，不会只用一个数字来回答。可以先看这个指标的环比或同比变化，以及按维度拆分的结果（例如「上个月各分行流失率环比」）。",
			"%q asks for a cause; Beacon does not explain changes yet and will not answer a why with a bare number. You can ask for the metric's change on the previous period or last year, broken down by a dimension (for example \"churn rate by branch last month vs the previous month\").",
			strings.TrimSpace(m))
		return true
	}
	if m := reFuture.FindString(r.text); m != "" {
		o.refuse(p, "", nil)
		p.Message = r.say("「%s」问的是未来，数据中没有，Beacon 不做预测，因此不给出数字。", "%q asks about the future: the data has none and Beacon does not forecast, so it gives no number.", strings.TrimSpace(m))
		return true
	}
	return false
}

// premiseOf reads the direction a question asserts of its first metric and
// the comparison that checks it: the period asked (or last month) against
// the one before, with the values named as filters.
func (o *Offline) premiseOf(r *reading) (string, *metrics.Query) {
	premise := ""
	switch {
	case reRose.MatchString(r.norm):
		premise = "up"
	case reFell.MatchString(r.norm):
		premise = "down"
	}
	names := r.metricWords()
	if premise == "" || len(names) == 0 || !o.allTimed(names[:1]) {
		return "", nil
	}
	q := metrics.Query{Metrics: names[:1], Compare: "previous_period"}
	if r.time.Compare != "" {
		q.Compare = r.time.Compare
	}
	t := metrics.TimeSpec{Range: r.time.Range}
	if t.Range == "" {
		t.Range = "last_month"
		if _, last, ok := o.dataSpan(names[:1]); ok {
			t.Range = last.Format("2006-01")
		}
	}
	q.Time = &t
	for _, w := range r.words {
		if w.kind == kindValue {
			q.Filters = append(q.Filters, metrics.Filter{Dimension: w.name, Op: "eq", Value: w.value})
		}
	}
	return premise, &q
}
