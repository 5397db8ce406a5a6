package queries

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/beaconbi/beacon/metrics"
)

// reWhole asks for the whole of the data, dropping earlier filters (那全行呢).
var reWhole = regexp.MustCompile(`全行|全部|所有客户|整体|总体|全体|整个|\boverall\b|whole bank|all customers|everyone|\bin total\b|bank wide|bank-wide|company wide`)

// build makes the metric query from what was read, refining the previous
// query of the conversation for a follow-up.
func (o *Offline) build(r *reading) bool {
	p := r.plan
	if r.prev == nil && (r.pointsBack() || reFollowUp.MatchString(r.norm) && reFollowUpOnly.MatchString(r.norm)) {
		word := reAnaphor.FindString(r.norm)
		if word == "" {
			word = reFollowUpOnly.FindString(r.norm)
		}
		return r.clarify(r.say("「%s」指的是什么？这是对话的第一个问题，请写明对象。", "What does %q refer to? There is no earlier question in this conversation; please name it.",
			strings.TrimSpace(word)))
	}
	listed, stop := r.pointsToList()
	if stop {
		return true
	}
	found, stop := o.chosenMetrics(r)
	if stop {
		return true
	}
	if found, stop = o.classifierFits(r, found); stop {
		return true
	}
	if w, ok := o.bareNumericDimension(r); ok {
		return r.clarify(r.say("「%s」是一个数值字段：是要按它的每个取值分组，还是看它的平均值、合计？请写明（例如「按%s分」）。",
			"%q is a numeric field: break down by each of its values, or its average or total? Please say (for example \"by %s\").", w, w))
	}
	if r.prev != nil && len(found) > 0 && r.onlyEntityWords(o.lx) {
		// "那只看女性借款人呢", "what about borrowers over 50?": the entity
		// is the subject of the follow-up, not a new metric.
		found = nil
	}
	if len(found) == 0 && r.prev == nil && reCountCue.MatchString(r.norm) && len(r.filters)+len(r.conds) > 0 {
		// 华南有多少合约用户: a count of the entity, held to the values named.
		if e := o.entityCount(); e != "" && o.namesEntityOf(r, e) {
			found = []string{e}
		}
	}
	if len(found) == 0 && r.prev == nil && reCountCue.MatchString(r.norm) {
		// 有多少家门店, 多少张牙椅: the count labelled with the thing named.
		found = o.countOfNoun(r)
	}
	if len(found) == 1 && r.onlyEntity(o.lx) && !reCountCue.MatchString(r.norm) && r.prev == nil {
		return r.clarify(r.say("想看%s的哪个指标？例如数量、流失率。", "Which figure about %s do you want: how many, the churn rate, ...?", r.words[0].surface))
	}
	r.followup = r.prev != nil && (len(found) == 0 || listed != "" || reFollowUp.MatchString(r.norm) || reAnaphor.MatchString(r.norm))
	q := metrics.Query{}
	switch {
	case r.followup:
		q = cloneQuery(*r.prev)
		if len(found) > 0 {
			q.Metrics = found
			q.Order = nil
			if len(q.Dimensions) > 0 && r.prev.Order != nil {
				q.Order = []metrics.Order{{By: found[0], Desc: r.prev.Order[0].Desc}}
			}
		} else {
			p.Notes = append(p.Notes, r.say("沿用上一个问题的指标", "continuing the previous question's metrics"))
		}
	case len(found) == 0:
		o.refuse(p, "", nil)
		return true
	default:
		q.Metrics = found
	}
	if listed != "" && !slices.Contains(q.Dimensions, listed) {
		q.Dimensions = append(q.Dimensions, listed) // 这两种卡的流失率分别是多少: one row each
	}
	if stop := o.moneyAsked(r, q.Metrics); stop {
		return true
	}
	r.query = q
	r.applyBreakdown()
	r.applyFilters()
	return o.applyHaving(r)
}

// moneyAsked asks back when the question asks for an amount of money (花了
// 多少钱, how much did they spend) and no metric read is one: the count of
// patients is no answer to what they spent.
func (o *Offline) moneyAsked(r *reading, names []string) bool {
	cue := reMoneyCue.FindString(r.norm)
	if cue == "" || len(names) == 0 {
		return false
	}
	var amounts []string
	for _, name := range o.cat.Names() {
		if o.lx.metrics[name].Format == "currency" {
			if slices.Contains(names, name) {
				return false
			}
			amounts = append(amounts, name)
		}
	}
	return r.clarify(r.say("「%s」问的是金额，但读到的指标（%s）不是金额。请说明要看哪个金额指标：%s。",
		"%q asks for an amount of money, but the figure read (%s) is not one. Which amount do you mean: %s?",
		cue, listIn(r.plan.Lang, o.labels(r.plan.Lang, names)), listIn(r.plan.Lang, o.labels(r.plan.Lang, amounts))), amounts...)
}

// classifierFits checks a count asked with a Chinese measure word (多少家,
// 有多少户, 几位) against the unit of the count read: 签约代发的企业有多少家
// counts companies, not the people paid. A count of the question's entity
// whose unit fits is taken instead; with none, the question is asked back.
func (o *Offline) classifierFits(r *reading, found []string) ([]string, bool) {
	m := reClassifierAsked.FindStringSubmatch(r.norm)
	if m == nil || len(found) != 1 {
		return found, false
	}
	asked := classifierClass[m[1]]
	unit := o.lx.metrics[found[0]].Unit
	if asked == "" || unit == "" || classifierClass[unit] == "" || classifierClass[unit] == asked {
		return found, false
	}
	var fits []string
	for _, w := range r.words {
		if w.kind == kindMetric && w.entity && classifierClass[o.lx.metrics[w.name].Unit] == asked && !slices.Contains(fits, w.name) {
			fits = append(fits, w.name)
		}
	}
	if len(fits) == 1 {
		return fits, false
	}
	return nil, r.clarify(r.say("「%s」问的是%s的个数，但读到的指标（%s）以「%s」计。请说明要数的是什么。",
		"%q counts by %s, but the figure read (%s) counts in %s. What should be counted?",
		strings.TrimSpace(m[0]), strings.TrimSpace(m[1]), listIn(r.plan.Lang, o.labels(r.plan.Lang, found)), unit), found...)
}

var (
	// reClassifierAsked is a count asked with its measure word.
	reClassifierAsked = regexp.MustCompile(`(?:多少|几)\s*(家|户|间|所|人|位|名|张|笔|辆|台)`)
	// classifierClass groups measure words that count the same kind of thing.
	classifierClass = map[string]string{"家": "org", "户": "org", "间": "org", "所": "org", "人": "person", "位": "person", "名": "person",
		"张": "card", "笔": "deal", "辆": "vehicle", "台": "device"}
)

// countOfNoun finds the one count whose Chinese label is a dimension word of
// the question with 数 or 总数 after it (门店数 for 门店, 牙椅总数 for 牙椅),
// and takes the word as its subject rather than a breakdown.
func (o *Offline) countOfNoun(r *reading) []string {
	type hit struct {
		name string
		at   int
	}
	var hits, counted []hit
	for i, w := range r.words {
		if w.kind != kindDimension || w.condition {
			continue
		}
		for _, name := range o.cat.Names() {
			m := o.lx.metrics[name]
			if m.Format != "count" && m.Format != "number" {
				continue
			}
			for _, suffix := range []string{"数", "总数", "数量", "数目"} {
				if m.Label.ZH == w.surface+suffix {
					hits = append(hits, hit{name, i})
					if reCountedBefore.MatchString(r.norm[:w.start]) {
						counted = append(counted, hit{name, i})
					}
				}
			}
		}
	}
	if len(hits) > 1 {
		hits = counted // 全部门店加起来有多少张牙椅: the noun after 多少张
	}
	if len(hits) != 1 {
		return nil // none, or two counts of the question's nouns: not guessed
	}
	r.words[hits[0].at].qualifier = true
	r.understood(r.words[hits[0].at].surface, "metric", hits[0].name)
	return []string{hits[0].name}
}

// reCountedBefore ends the words before what a question counts: 多少张, 几家.
var reCountedBefore = regexp.MustCompile(`(?:多少|几)\s*[张个家位名户件笔台辆所间条]?\s*$`)

// pointsBack reports whether the question points back to an earlier one.
// "their" and "them" after the question's own subject (customers younger
// than 30 who closed their card) point to that subject instead.
func (r *reading) pointsBack() bool {
	for _, loc := range reAnaphor.FindAllStringIndex(r.norm, -1) {
		w := strings.TrimSpace(r.norm[loc[0]:loc[1]])
		if (w == "their" || w == "them") && r.subjectBefore(loc[0]) {
			continue
		}
		return true
	}
	return false
}

// reSubjectNoun names people or things a question may be about.
var reSubjectNoun = regexp.MustCompile(`\b(?:customers|clients|members|users|subscribers|cardholders|holders|borrowers|policyholders|accounts|people|households|companies|women|men)\b`)

// subjectBefore reports whether a catalog word or a plural subject stands
// before position i.
func (r *reading) subjectBefore(i int) bool {
	for _, w := range r.words {
		if w.end <= i && (w.kind == kindMetric || w.kind == kindValue) {
			return true
		}
	}
	return reSubjectNoun.MatchString(r.norm[:i])
}

var (
	// Words that point back to an earlier question.
	reAnaphor = regexp.MustCompile(`其中|他们|她们|它们|这些人|这部分|该群体|\btheir\b|\bthem\b|\bthose ones\b|\bsame ones\b|\b(?:of|among) (?:these|those)\b`)
	// Follow-up openers that make sense only after an earlier question.
	reFollowUpOnly = regexp.MustCompile(`^\s*(?:what about|how about|and|same for)\b|^\s*(?:那么?|只看|仅看)`)
	// Words that ask how many.
	reCountCue = regexp.MustCompile(`多少|几|数量|总数|人数|户数|规模|\bhow many\b|\bnumber\b|\bcount\b|\btotal\b`)
)

// onlyEntity reports whether the only metric word is an entity word cut
// from a count's label (用户 of 用户数), with no breakdown or filter: 用户情况
// 怎么样 asks nothing in particular.
func (r *reading) onlyEntity(lx *Lexicon) bool {
	n := 0
	for _, w := range r.words {
		if w.kind == kindMetric {
			n++
			if !lx.stem[w.surface] {
				return false
			}
		}
	}
	return n > 0 && len(r.breakdown()) == 0 && len(r.filters) == 0 && len(r.conds) == 0
}

// chosenMetrics returns the metrics named. A metric named only by an
// everyday word (customers, 客户) counts only when no other metric is
// named: in "lost the most customers" it is the object, not a second
// metric. A count of some (churned subscribers) as the subject of another
// metric is the status value it counts, as a filter, or is asked back. 占比
// of a metric is its share metric, when the catalog has one.
func (o *Offline) chosenMetrics(r *reading) ([]string, bool) {
	found := r.metricWords()
	if len(found) > 1 {
		measure := r.namesAMeasure(o)
		var kept []string
		for i, w := range r.words {
			if w.kind != kindMetric || slices.Contains(kept, w.name) {
				continue
			}
			listed := r.listedWithMetric(i)
			switch {
			case isFiller(w.surface) || o.lx.entity[w.surface] && !listed:
			case measure && !listed && o.isStatusCount(w.name) && plainNoun(w.surface):
				// "policies", 保单: the subject, whatever the count filters.
			case measure && !listed && o.isStatusCount(w.name):
				if !o.statusFilter(r, w) {
					r.clarify(r.say("「%s」在这里是指只看这部分客户吗？请写明条件（例如按状态筛选）。", "Does %q mean only those customers? Please name the condition (for example a status filter).", w.surface))
					return nil, true
				}
			default:
				kept = append(kept, w.name)
			}
		}
		if len(kept) > 0 {
			found = kept
		}
	}
	for i, name := range found {
		if c := o.countOfStatus(r, name); c != "" {
			found[i] = c
		}
	}
	if reShare.MatchString(r.norm) {
		for i, name := range found {
			if share := o.shareOf(name); share != "" && !slices.Contains(found, share) {
				found[i] = share
			}
		}
	}
	return found, false
}

// onlyEntityWords reports whether every metric word names the entity.
func (r *reading) onlyEntityWords(lx *Lexicon) bool {
	for _, w := range r.words {
		if w.kind == kindMetric && !lx.entity[w.surface] {
			return false
		}
	}
	return true
}

// bareNumericDimension finds a numeric dimension named with no grouping
// word and no condition (用户的月均流量是多少): it reads as the figure of
// that field, not a breakdown by each of its values, so it is asked back.
func (o *Offline) bareNumericDimension(r *reading) (string, bool) {
	for _, w := range r.words {
		if w.kind != kindDimension || w.condition || w.qualifier || !o.cat.NumericDimension(w.name) {
			continue
		}
		// A grouping word anywhere before it groups a list of dimensions too
		// (across products and city tiers).
		if !reGroup.MatchString(r.norm[:w.start]) && !reGroupAfter.MatchString(r.norm[w.end:]) && !r.rank.set {
			return w.surface, true
		}
	}
	return "", false
}

// reGroupAfter is a grouping word after its dimension (年龄分组, 按年龄段看).
var reGroupAfter = regexp.MustCompile(`^\s*(?:分组|分布|来看|看|分|段|区间)`)

// entityCount is the catalog's one plain count (客户数, customers), or "".
func (o *Offline) entityCount() string {
	found := ""
	for _, name := range o.cat.Names() {
		m := o.lx.metrics[name]
		if m.Format == "count" && m.Type == "simple" && !countsSome(o.cat, m) {
			if found != "" {
				return ""
			}
			found = name
		}
	}
	return found
}

// namesEntityOf reports whether the question names what count counts: its
// name, its label without 数 (客户 of 客户数) or its table (tickets).
func (o *Offline) namesEntityOf(r *reading, count string) bool {
	m := o.lx.metrics[count]
	words := []string{count, strings.ReplaceAll(count, "_", " "), m.Label.EN}
	for _, suffix := range []string{"数量", "人数", "数"} {
		if stem, ok := strings.CutSuffix(m.Label.ZH, suffix); ok {
			words = append(words, stem)
			break
		}
	}
	for _, md := range o.cat.Definition(m).Measures {
		words = append(words, md.Table, strings.TrimSuffix(md.Table, "s"))
	}
	for _, w := range words {
		if w = strings.TrimSpace(normalize(w)); w != "" && containsWord(r.norm, w) {
			return true
		}
	}
	return false
}

// plainNoun reports whether a word is one noun with no qualifier: one
// English word, or at most two Chinese characters (保单, but not 流失用户).
func plainNoun(w string) bool {
	if hasHan(w) {
		return utf8.RuneCountInString(w) <= 2
	}
	return !strings.Contains(strings.TrimSpace(w), " ")
}

// namesAMeasure reports whether some metric word is neither the entity nor
// a status count: only then are those the subject of it.
func (r *reading) namesAMeasure(o *Offline) bool {
	for _, w := range r.words {
		if w.kind == kindMetric && !isFiller(w.surface) && !o.lx.entity[w.surface] && !o.isStatusCount(w.name) {
			return true
		}
	}
	return false
}

// reHowMany asks for a count of people or things (多少人, 几个, how many),
// not a level (流失率是多少).
var reHowMany = regexp.MustCompile(`(?:多少|几)\s*(?:人|个|位|户|名|笔|件|单|张|家)|\bhow many\b|\bnumber of\b`)

// countOfStatus reads a rate named by its status word in a question asking
// how many (流失的会员有多少人: 流失 names the lapse rate) as the count metric
// whose label holds that word (流失会员数); "" when the question asks a level
// or no single count fits.
func (o *Offline) countOfStatus(r *reading, name string) string {
	m := o.lx.metrics[name]
	if m.Format == "count" || !reHowMany.MatchString(r.norm) {
		return ""
	}
	var surface string
	for _, w := range r.words {
		if w.kind == kindMetric && w.name == name {
			surface = w.surface
		}
	}
	found := ""
	for _, other := range o.cat.Names() {
		c := o.lx.metrics[other]
		if c.Format != "count" || c.Type != "simple" || !countsSome(o.cat, c) {
			continue
		}
		if containsWord(normalize(c.Label.ZH+" "+c.Label.EN), surface) {
			if found != "" {
				return ""
			}
			found = other
		}
	}
	return found
}

// isStatusCount reports whether a metric counts only rows of some status.
func (o *Offline) isStatusCount(name string) bool {
	m := o.lx.metrics[name]
	return m.Format == "count" && m.Type == "simple" && countsSome(o.cat, m)
}

// statusFilter turns a status count used as a subject ("average tenure of
// churned subscribers", 流失客户的平均年龄) into the one dimension value its
// words contain, as a filter.
func (o *Offline) statusFilter(r *reading, w word) bool {
	var hits []target
	for _, e := range o.lx.entries {
		if len(e.targets) != 1 || e.targets[0].Kind != kindValue || e.surface == w.surface {
			continue
		}
		if i := strings.Index(w.surface, e.surface); i >= 0 && (e.han || boundary(w.surface, i-1) && boundary(w.surface, i+len(e.surface))) {
			if !slices.ContainsFunc(hits, func(t target) bool { return t.Dimension == e.targets[0].Dimension && t.Value == e.targets[0].Value }) {
				hits = append(hits, e.targets[0])
			}
		}
	}
	if len(hits) != 1 {
		return false
	}
	t := hits[0]
	r.filters = append(r.filters, metrics.Filter{Dimension: t.Dimension, Op: "eq", Value: t.Value})
	r.understood(w.surface, "value", t.Dimension+"="+t.Value)
	return true
}

var reMetricJoin = regexp.MustCompile(`^\s*(?:and|&|plus|as well as|with|和|与|及|以及|还有|、)?\s*$`)

// listedWithMetric reports whether word i is joined to a neighbouring
// metric as one of a list ("retention actions and retention cost"), not
// the subject of it (会员流失率, churn rate for members).
func (r *reading) listedWithMetric(i int) bool {
	w := r.words[i]
	joined := func(between string) bool {
		// Chinese has no spaces: one here was punctuation (、，) between the two.
		return reMetricJoin.MatchString(between) && (between != "" || !hasHan(w.surface))
	}
	if i+1 < len(r.words) && r.words[i+1].kind == kindMetric && joined(r.norm[w.end:r.words[i+1].start]) {
		return true
	}
	return i > 0 && r.words[i-1].kind == kindMetric && joined(r.norm[r.words[i-1].end:w.start])
}

// breakdown lists the dimensions to group by: those named (not as a
// qualifier of a value, nor as the field of a condition).
func (r *reading) breakdown() []string {
	var dims []string
	for _, w := range r.words {
		if w.kind == kindDimension && !w.qualifier && !w.condition && !slices.Contains(dims, w.name) {
			dims = append(dims, w.name)
		}
	}
	return dims
}

func (r *reading) applyBreakdown() {
	q := &r.query
	if dims := r.breakdown(); len(dims) > 0 {
		if r.followup && reAddBreakdown.MatchString(r.norm) {
			// 再按性别拆一下, split that by gender as well: beside the breakdown before.
			dims = append(slices.DeleteFunc(slices.Clone(q.Dimensions), func(d string) bool { return slices.Contains(dims, d) }), dims...)
		}
		q.Dimensions = dims
		if r.followup {
			q.Order, q.Limit = nil, 0
		}
	}
}

// reAddBreakdown adds a follow-up's breakdown to the one before.
var reAddBreakdown = regexp.MustCompile(`再按|再分|也按|同时按|另外按|\bas well\b|\balso\b|\btoo\b|\badditionally\b|\bin addition\b`)

// applyFilters adds the values' filters and the conditions. In a
// follow-up they replace the previous filters of the same dimensions; a
// value-only follow-up (那上海呢？) looks at that value instead of the
// breakdown, while 只看 (only) narrows the breakdown; 那全行呢 drops them all.
func (r *reading) applyFilters() {
	q := &r.query
	added := append(slices.Clone(r.filters), r.conds...)
	if r.followup && len(added) == 0 && reWhole.MatchString(r.norm) {
		q.Filters, q.Dimensions, q.Order, q.Limit = nil, r.breakdown(), nil, 0
		r.plan.Notes = append(r.plan.Notes, r.say("不再沿用上一个问题的筛选条件", "without the previous question's filters"))
		return
	}
	if len(added) == 0 {
		return
	}
	if r.followup {
		narrow := reNarrow.MatchString(r.norm)
		if len(r.breakdown()) == 0 && !narrow {
			// A value-only follow-up (那上海呢, 热线渠道的呢) swaps or adds the
			// slice and keeps the breakdown, except by the value's own
			// dimension: every row kept is still a true figure for that value.
			// An exclusion (leave out overseas) keeps the other rows.
			kept := slices.DeleteFunc(slices.Clone(q.Dimensions), func(d string) bool {
				return slices.ContainsFunc(added, func(f metrics.Filter) bool { return f.Dimension == d && f.Op != "not_in_known" })
			})
			if len(kept) != len(q.Dimensions) {
				q.Order, q.Limit = nil, 0
			}
			q.Dimensions = kept
		}
		q.Filters = slices.DeleteFunc(q.Filters, func(f metrics.Filter) bool {
			return slices.ContainsFunc(added, func(g metrics.Filter) bool { return g.Dimension == f.Dimension })
		})
	}
	if r.followup && reContrast.MatchString(r.norm) {
		added = r.contrastWithPrevious(added)
	}
	for _, f := range added {
		q.Filters = append(q.Filters, f)
		if f.Op == "eq" {
			// Grouping by a dimension held to one value adds nothing.
			q.Dimensions = slices.DeleteFunc(q.Dimensions, func(x string) bool { return x == f.Dimension })
		}
	}
	for _, d := range r.listDims {
		if !slices.Contains(q.Dimensions, d) {
			q.Dimensions = append(q.Dimensions, d)
		}
	}
}

// reContrast asks to set values side by side (和金卡对比, compare with silver).
var reContrast = regexp.MustCompile(`对比|比较|相比|比一比|比一下|比下|比比|\bcompare\w*|\bvs\b|\bversus\b|\bagainst\b|side by side`)

// contrastWithPrevious turns a follow-up that compares new values with the
// previous question's (和金卡会员对比一下 after 钻石) into one row for each of
// them: the values joined, broken down by their dimension.
func (r *reading) contrastWithPrevious(added []metrics.Filter) []metrics.Filter {
	for i, f := range added {
		for _, p := range r.prev.Filters {
			if p.Dimension != f.Dimension || (p.Op != "eq" && p.Op != "in") || (f.Op != "eq" && f.Op != "in") {
				continue
			}
			vals := append(append([]any{}, p.Values...), p.Value)
			vals = append(append(vals, f.Values...), f.Value)
			vals = slices.DeleteFunc(vals, func(v any) bool { return v == nil })
			vals = slices.CompactFunc(vals, func(a, b any) bool { return a == b })
			added[i] = metrics.Filter{Dimension: f.Dimension, Op: "in", Values: vals}
			if !slices.Contains(r.listDims, f.Dimension) {
				r.listDims = append(r.listDims, f.Dimension)
			}
		}
	}
	return added
}

// groupOfWhole returns the one dimension of a share's list that the query
// picks a value of: the share is then that group's share of all groups.
func groupOfWhole(q *metrics.Query, dims []string) (string, bool) {
	found := ""
	for _, f := range q.Filters {
		if f.Op == "eq" && slices.Contains(dims, f.Dimension) {
			if found != "" && found != f.Dimension {
				return "", false
			}
			found = f.Dimension
		}
	}
	return found, found != ""
}

// finish adds what needs the whole query: the breakdown a share needs and
// the ranking.
func (o *Offline) finish(r *reading) bool {
	q := &r.query
	// A share without a breakdown is trivially 100%: a group named by its
	// value (老年客户的AUM占比) is that group's share of the whole, else the
	// metric's first listed dimension breaks it down.
	if m, ok := o.lx.metrics[q.Metrics[0]]; ok && m.Type == "share" && len(q.Dimensions) == 0 && len(m.Dimensions) > 0 {
		q.Dimensions = []string{m.Dimensions[0]}
		if d, ok := groupOfWhole(q, m.Dimensions); ok {
			if slices.ContainsFunc(q.Filters, func(f metrics.Filter) bool { return f.Op != "eq" && f.Op != "in" }) {
				// A condition on the rows shrinks the whole the share is of.
				return r.clarify(r.say("这个占比是相对于全部客户，还是只在满足条件的客户之中？条件同时限定了分母，请只保留分组（例如「老年客户的AUM占比」）或写明范围。",
					"Is this share of everyone, or only among the rows the condition keeps? The condition narrows the whole too: keep only the group (e.g. \"share of AUM of members aged 60+\") or say the base."))
			}
			q.Dimensions = []string{d}
		}
	}
	// A ranked move (上升最多的支行) is ranked by its change against the
	// period before; with nothing to rank it is asked back, never read as
	// the highest value.
	if r.rank.by != "" {
		if len(q.Dimensions) == 0 {
			return r.clarify(r.say("「变化最大」要在哪些分组之间比较？请写明分组（例如「各分行」）。",
				"Which groups should the largest change be found among? Name them (for example \"by branch\")."))
		}
		if q.Time != nil && q.Time.Grain != "" {
			// A series would rank the moves of all its periods together.
			return r.clarify(r.say("「变化最大」要比较哪一期和它的前一期？请只写一个时期（例如「2025年四季度」）。",
				"The largest change of which period against the one before? Name one period (for example \"Q4 2025\")."))
		}
		if q.Compare == "" {
			q.Compare = "previous_period"
			r.understood("", "compare", q.Compare)
		}
		q.Order = []metrics.Order{{By: q.Metrics[0] + "_" + r.rank.by, Desc: r.rank.up}}
		q.Limit = r.rank.limit
		r.understood("", "rank", fmt.Sprintf("%s_%s desc=%v limit=%d", q.Metrics[0], r.rank.by, r.rank.up, r.rank.limit))
		r.plan.Query = *q
		return true
	}
	// Ranking needs something to rank.
	if r.rank.set && len(q.Dimensions) > 0 {
		q.Order = []metrics.Order{{By: q.Metrics[0], Desc: r.rank.desc}}
		q.Limit = r.rank.limit
		r.understood("", "rank", fmt.Sprintf("%s desc=%v limit=%d", q.Metrics[0], r.rank.desc, r.rank.limit))
	}
	r.plan.Query = *q
	return true
}

// reTheseN points back to a number of values named before: 这两种卡,
// these three branches, both.
var reTheseN = regexp.MustCompile(`(?:这|那|上述|前面)\s*([两二三四五六七八九十几]+)\s*(?:种|个|类|家|项|位|张|地)|\b(?:these|those|the above) (two|three|four|five)\b|\bboth\b()`)

// pointsToList reads words that point back to values listed before. It
// returns the dimension of the previous question's list of that many
// values; with no such list, or no earlier question, it asks back.
func (r *reading) pointsToList() (string, bool) {
	m := reTheseN.FindStringSubmatch(r.norm)
	if m == nil || r.namesList() {
		return "", false
	}
	n, _ := number(m[1] + m[2])
	if m[3] == "" && strings.Contains(m[0], "both") {
		n = 2
	}
	if r.prev != nil {
		for _, f := range r.prev.Filters {
			if f.Op == "in" && (len(f.Values) == n || strings.Contains(m[0], "几") && len(f.Values) > 1) {
				return f.Dimension, false
			}
		}
	}
	return "", r.clarify(r.say("「%s」是指哪些？请写明它们的名称（例如「月卡和季卡」）。",
		"Which ones does %q mean? Please name them (for example \"gold and platinum\").", strings.TrimSpace(m[0])))
}

// namesList reports whether the question itself names two values or more
// of one field (both men and women).
func (r *reading) namesList() bool {
	per := map[string]int{}
	for _, w := range r.words {
		if w.kind == kindValue {
			if per[w.name]++; per[w.name] > 1 {
				return true
			}
		}
	}
	return false
}
