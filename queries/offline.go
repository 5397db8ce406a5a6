package queries

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// Plan is how a planner read a question: the governed metric query it
// became, or why it could not become one.
type Plan struct {
	// Status is "answer", "clarify" (a question back, with candidates) or
	// "refuse" (out of scope: no number is given).
	Status string        `json:"status"`
	Lang   string        `json:"lang"`
	Query  metrics.Query `json:"query"`
	// Understood lists the words that were grounded, and as what.
	Understood []Grounding `json:"understood"`
	// Notes are defaults the planner applied, in the question's language.
	Notes []string `json:"notes,omitempty"`
	// Message says what could not be grounded (clarify, refuse).
	Message     string   `json:"message,omitempty"`
	Candidates  []string `json:"candidates,omitempty"`
	Suggestions []string `json:"suggestions,omitempty"`
	Planner     string   `json:"planner"`
	// Premise is the direction a question asserts ("up" for 为什么上升了,
	// "down" for "why did it fall"), and PremiseQuery the comparison that
	// checks it, so that the answer can correct a false premise.
	Premise      string         `json:"premise,omitempty"`
	PremiseQuery *metrics.Query `json:"-"`
	// PremiseActual is the direction the data shows, once checked.
	PremiseActual string `json:"premise_actual,omitempty"`
	// Route is what the question asks of Beacon (RouteMetric when empty)
	// and Request the request made of that capability (route.go).
	Route   string        `json:"route,omitempty"`
	Request *RouteRequest `json:"request,omitempty"`

	// unknown is the word a refusal could not ground ("" for other
	// refusals), so that a scoped caller's refusal can be reworded.
	unknown string
}

// Grounding is one word of the question and what it was taken to mean.
type Grounding struct {
	Text string `json:"text"`
	Kind string `json:"kind"` // metric, dimension, value, time, compare, grain, rank
	Name string `json:"name"`
}

// Offline is the default planner: deterministic, no network, grounded only
// in the catalog's words and a fixed grammar of time, comparison, ranking
// and grouping language.
type Offline struct {
	cat *metrics.Catalog
	lx  *Lexicon
	now func() time.Time
	// timed reports whether every metric can be filtered by time.
	timed map[string]bool
	// finest is each metric's finest grain: a monthly source's last row
	// stands for its whole month.
	finest map[string]string
	// data tells the time the data covers, so that a question with no
	// period is read over the data's own last month; nil means unknown.
	data DataTime
	// units are the units numeric dimensions declare (4星), read once.
	units []declaredUnit
}

// DataTime is what the planner knows of the data's own time;
// *metrics.Engine has it.
type DataTime interface {
	// MetricExtent is the first and last day a metric's data covers.
	MetricExtent(metric string) (first, last time.Time, ok bool)
	// AsOf is "today" for a metric whose model fixes it.
	AsOf(metric string) (time.Time, bool)
}

// WithDataTime returns the planner reading defaults and ranges against the
// time the data covers.
func (o *Offline) WithDataTime(data DataTime) *Offline {
	c := *o
	c.data = data
	return &c
}

// NewOffline returns the offline planner over a catalog.
func NewOffline(cat *metrics.Catalog, now func() time.Time) *Offline {
	o := &Offline{cat: cat, lx: NewLexicon(cat), now: now, timed: map[string]bool{}, finest: map[string]string{}, units: declaredUnits(cat)}
	for _, d := range cat.Definitions() {
		o.timed[d.Name] = len(d.Grains) > 0
		if len(d.Grains) > 0 {
			o.finest[d.Name] = d.Grains[0]
		}
	}
	return o
}

// Plan reads a question. prev is the previous query of the same
// conversation, or nil; a question that names no metric refines it. The
// reading passes through named stages; each accounts for the words it
// understood, and a stage that decides the question cannot be answered
// ends the reading with a refusal or a question back.
func (o *Offline) Plan(question string, prev *metrics.Query) *Plan {
	return o.PlanAfter(question, Turn{Query: prev})
}

// PlanAfter reads a question after the previous answered turn of its
// conversation: a metric query, or a routed request (route_followup.go).
func (o *Offline) PlanAfter(question string, prev Turn) *Plan {
	r := o.newReading(question, prev.Query)
	if prev.routed() {
		r.after = &prev
	}
	stages := []func(*reading) bool{
		o.guard,            // empty questions, actions
		o.groundDimensions, // dimension names before time words (年龄段 is not 按年)
		o.readYearOfEvent,  // 2024年入会的, joined in 2023: a value, not a period
		o.findComparisons,  // 50岁以上, over 2,000 yuan (before years and 最少/least)
		o.readTimeWords,    // ranges, comparisons, grains
		o.readRanking,      // top 5, 最高, 排名
		o.ground,           // metrics, dimensions, values
		o.readEvents,       // investors left in 2025: the count of leavers, not today's status
		o.readRoute,        // explain, risk list, uplift, what-if (stage_route.go)
		o.readIntent,       // why, the future
		o.readConditions,   // the fields of comparisons; 2 products
		o.readFlags,        // 持有联名卡, without autopay: a flag on or off
		o.readValueLists,   // A和B, A vs B, 除了A, A以外
		o.readGrouping,     // 按, 各, 不同, by, per
		o.account,          // every word left must be a filler
		o.build,            // the metric query, with follow-ups
		o.applyTime,        // the period, from the data's own time
		o.finish,           // shares, ranking
	}
	for _, stage := range stages {
		if stage(r) {
			break
		}
	}
	return r.plan
}

var (
	reTopN    = regexp.MustCompile(`(?:前|top\s*|最高的\s*|最多的\s*|highest\s+|largest\s+|best\s+)(` + countPattern + `)\s*(?:名|个|家|位|条|大)?`)
	reBottomN = regexp.MustCompile(`(?:后|倒数|最后|bottom\s*|最低的\s*|最少的\s*|lowest\s+|worst\s+)(` + countPattern + `)\s*(?:名|个|家|位|条)?`)
	reRank    = regexp.MustCompile(`排名|排行|排序|排列|\brank(?:ing|ed|s)?\b|\bsort(?:ed)?\b|\border(?:ed)? by\b`)
	reMax     = regexp.MustCompile(`最高|最多|最大|最好|最强|第一|\bhighest\b|\bmost\b|\blargest\b|\bbiggest\b|\bbest\b|\btop\b|\bleads?\b`)
	reMin     = regexp.MustCompile(`最低|最少|最小|最差|最弱|垫底|\blowest\b|\bleast\b|\bsmallest\b|\bworst\b|\bbottom\b|\bfewest\b`)
	// Follow-up words: 那…呢 and "what about" refine the previous question;
	// 只看 and "only" narrow it, keeping its breakdown.
	reFollowUp = regexp.MustCompile(`^\s*(?:那么|那|再|换成|改成|换|只看|只|仅看|仅)|呢\s*$|^\s*(?:what about|how about|and|now|same for|only|just|instead)\b|\binstead\s*$`)
	reNarrow   = regexp.MustCompile(`只看|只|仅|\bonly\b|\bjust\b`)
	reShare    = regexp.MustCompile(`占比|比重|份额|构成|\bshare\b|\bproportion\b|\bcontribution\b|percent of total`)
	// An order given to the bank's data rather than a question (Upgrade all
	// gold members to platinum, call them all now): never answered. The verb
	// must take an object, so that "upgrade rate by gender" is a question.
	reImperative = regexp.MustCompile(`^\s*(?:please\s+)?(?:upgrade|downgrade|cancel|block|freeze|unfreeze|activate|deactivate|enroll|remove|assign|notify|call|contact|reset|approve|reject)\s+(?:all|every|each|the|them|these|those|our|this|that|his|her|their)\b`)
	// Requests to change or leave the data, and attempts to steer the planner: never answered.
	reAction = regexp.MustCompile(`删除|删掉|清空|清除|修改|更新|插入|写入|导出|下载|发给|发送|转发|忽略|系统提示|提示词|指令|drop\s+table|\bdelete\b|\bdrop\b(?:\s+(?:the\s+|all\s+|this\s+|that\s+)?(?:table|database|schema|columns?|list|data|rows?|it|them|all|everything|customers?|records?)\b)|\btruncate\b|\bupdate\b|\binsert\b|\bexport\b|\bdownload\b|\bsend\b|\bemail\b|\bignore\b|system prompt|\binstructions?\b|\bjailbreak\b|\balter\b|\bgrant\b`)
)

// shareOf returns the share metric defined over metric, or "".
func (o *Offline) shareOf(metric string) string {
	for _, name := range o.cat.Names() {
		if m := o.lx.metrics[name]; m.Type == "share" && m.Metric == metric {
			return name
		}
	}
	return ""
}

func sortedByLen(words []string) []string {
	out := slices.Clone(words)
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

func cloneQuery(q metrics.Query) metrics.Query {
	c := q
	c.Metrics = slices.Clone(q.Metrics)
	c.Dimensions = slices.Clone(q.Dimensions)
	c.Filters = slices.Clone(q.Filters)
	c.Order = slices.Clone(q.Order)
	if q.Time != nil {
		t := *q.Time
		c.Time = &t
	}
	return c
}

func (o *Offline) say(lang, zh, en string, args ...any) string {
	if lang == "zh" {
		return fmt.Sprintf(zh, args...)
	}
	return fmt.Sprintf(en, args...)
}

// listIn joins a list in the language: 、 in Chinese, ", " in English.
func listIn(lang string, xs []string) string {
	if lang == "zh" {
		return strings.Join(xs, "、")
	}
	return strings.Join(xs, ", ")
}

func (o *Offline) labels(lang string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if m, ok := o.lx.metrics[n]; ok {
			if lang == "zh" && m.Label.ZH != "" {
				out[i] = m.Label.ZH + "(" + n + ")"
			} else if m.Label.EN != "" {
				out[i] = m.Label.EN + " (" + n + ")"
			}
		}
	}
	return out
}

// refuse answers without a number: it says what it did not understand and
// suggests the closest metrics.
func (o *Offline) refuse(p *Plan, word string, found []string) *Plan {
	p.Status = "refuse"
	p.Query = metrics.Query{}
	p.Suggestions = o.suggest(word, found)
	p.unknown = word
	sug := listIn(p.Lang, o.labels(p.Lang, p.Suggestions))
	switch {
	case word != "":
		p.Message = o.say(p.Lang, "无法理解「%s」：它不在指标目录中，因此不给出数字。可以问的相关指标：%s。", "I could not ground %q in the metric catalog, so I give no number. Related metrics you can ask about: %s.", word, sug)
	default:
		p.Message = o.say(p.Lang, "问题中没有可识别的指标，因此不给出数字。可以问的指标例如：%s。", "I found no metric in the question, so I give no number. You can ask about, for example: %s.", sug)
	}
	return p
}

// suggest returns up to three metrics close to word (or those already
// found), falling back to the first metrics of the catalog.
func (o *Offline) suggest(word string, found []string) []string {
	out := slices.Clone(found)
	if word != "" {
		type scored struct {
			name  string
			score int
		}
		var best []scored
		for name, m := range o.lx.metrics {
			s := 0
			for _, w := range append([]string{m.Label.ZH, m.Label.EN, name}, append(m.Synonyms.ZH, m.Synonyms.EN...)...) {
				s = max(s, overlap(strings.ToLower(word), strings.ToLower(w)))
			}
			if s > 0 {
				best = append(best, scored{name, s})
			}
		}
		slices.SortFunc(best, func(a, b scored) int {
			if a.score != b.score {
				return b.score - a.score
			}
			return strings.Compare(a.name, b.name)
		})
		for _, b := range best {
			if !slices.Contains(out, b.name) {
				out = append(out, b.name)
			}
		}
	}
	for _, n := range o.cat.Names() {
		if len(out) >= 3 {
			break
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out[:min(3, len(out))]
}

// overlap counts the characters (runes) two words share, a crude but
// language-neutral closeness for suggestions.
func overlap(a, b string) int {
	n := 0
	for _, r := range a {
		if r != ' ' && strings.ContainsRune(b, r) {
			n++
		}
	}
	if !hasHan(a) {
		// English: whole shared words matter more than letters.
		n = 0
		for _, w := range strings.Fields(a) {
			if len(w) > 2 && strings.Contains(b, w) {
				n += len(w)
			}
		}
	}
	return n
}
