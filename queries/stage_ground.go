package queries

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// reTimeish finds time and ranking words inside catalog words (月均流量,
// monthly charges, 最低还款占比), which the stages reading periods and
// rankings would otherwise take.
var reTimeish = regexp.MustCompile(`月|年|季|周|日|天|month|year|quarter|week|daily|annual|最高|最低|最多|最少|最大|最小|highest|lowest|largest|smallest|\btop\b|\bbottom\b`)

// reTimeWord is a grain's word inside a value's (a plan called monthly).
var reTimeWord = regexp.MustCompile(`\b(?:monthly|quarterly|yearly|annual|annually|weekly|daily)\b`)

// groundDimensions reads dimension names, and metric names holding a time
// or ranking word, first and blanks them, so that 年龄段, "months inactive" or
// "average monthly charges" are not read as time words (按年, by month).
// Longer words of other kinds (上海浦东支行, 挽留措施数) keep theirs.
func (o *Offline) groundDimensions(r *reading) bool {
	all, _ := o.lx.find(r.text)
	for i, m := range all {
		early := allOfKind(m.entry, kindDimension) || allOfKind(m.entry, kindMetric) && reTimeish.MatchString(m.entry.surface)
		if allOfKind(m.entry, kindValue) && reTimeWord.MatchString(m.entry.surface) {
			switch o.timeishValue(r.text, all, i) {
			case "value":
				early = true
			case "ask":
				return r.clarify(r.say("「%s」是指时间粒度（按%s看），还是取值「%s」？请写明。",
					"Does %q mean a time grain%.0s (figures per period), or the value %q of a field? Please say.", m.entry.surface, grainZH(m.entry.surface), m.entry.surface))
			}
		}
		if early {
			r.early = append(r.early, m)
			r.text = blank(r.text, m.start, m.end)
		}
	}
	return false
}

// timeishValue decides a value whose word is also a time word (a
// membership plan called "monthly"): "value" when it is a phrase of its
// own (monthly plans), stands before what is counted (monthly members) or
// beside another value of its field (monthly vs annual); "grain" before a
// metric (monthly churn rate); else "ask".
func (o *Offline) timeishValue(text string, all []mention, i int) string {
	m := all[i]
	if strings.Contains(strings.TrimSpace(m.entry.surface), " ") || hasHan(m.entry.surface) {
		return "value"
	}
	if i+1 < len(all) && strings.TrimSpace(text[m.end:all[i+1].start]) == "" {
		next := all[i+1].entry
		if o.lx.entity[next.surface] || o.lx.stem[next.surface] || !allOfKind(next, kindMetric) {
			return "value"
		}
		return "grain"
	}
	if reSubjectNoun.MatchString(text[m.end:min(len(text), m.end+16)]) {
		return "value"
	}
	if reExclusionBefore.MatchString(text[max(0, m.start-16):m.start]) {
		return "value" // every plan other than annual
	}
	dim := m.entry.targets[0].Dimension
	for j, other := range all {
		if j == i {
			continue
		}
		for _, t := range other.entry.targets {
			// beside another value of its field, or its field named (for each plan)
			if t.Kind == kindValue && t.Dimension == dim || t.Kind == kindDimension && t.Name == dim {
				return "value"
			}
		}
	}
	return "ask"
}

// reExclusionBefore ends in a word that excludes the value after it.
var reExclusionBefore = regexp.MustCompile(`(?:\bother than|\bexcept(?: for)?|\bexcluding|\bbesides|\bnot|\bnon-?)\s*$`)

// grainZH names in Chinese the grain an English time word asks for.
func grainZH(w string) string {
	for _, g := range []struct{ en, zh string }{{"month", "月"}, {"quarter", "季度"}, {"year", "年"}, {"annual", "年"}, {"week", "周"}, {"dai", "日"}} {
		if strings.Contains(w, g.en) {
			return g.zh
		}
	}
	return w
}

// readTimeWords reads ranges, comparisons, grains and trends.
func (o *Offline) readTimeWords(r *reading) bool {
	r.time, r.text = readTime(r.text, r.now)
	return false
}

// ground reads the catalog's words: metrics, dimensions and values. A word
// with several meanings is resolved by context or asked back.
func (o *Offline) ground(r *reading) bool {
	before := r.text
	mentions, rest := o.lx.find(r.text)
	r.text = rest
	mentions = append(mentions, r.early...)
	slices.SortFunc(mentions, func(a, b mention) int { return a.start - b.start })
	var ambiguous [][]string
	for i, m := range mentions {
		surface := strings.TrimSpace(m.entry.surface)
		ts := m.entry.targets
		// One word, several meanings: a value and a dimension resolve by
		// context; several metrics or values need the asker.
		if len(ts) > 1 && r.fieldOfCondition(before, m) {
			// 到店次数在5到8次之间: the field of a number, not the metric.
			ts = slices.DeleteFunc(slices.Clone(ts), func(t target) bool { return t.Kind != kindDimension })
		}
		if len(ts) > 1 && i > 0 {
			// the Shanghai Lujiazui branch: the noun of the value before it.
			ts = nounOfValue(ts, mentions[i-1], m, before)
		}
		if len(ts) > 1 && r.rankedNoun(m) {
			// top 5 clinics by plans started: the clinics are ranked, not counted.
			ts = slices.DeleteFunc(slices.Clone(ts), func(t target) bool { return t.Kind != kindDimension })
		}
		if len(ts) > 1 {
			ts = o.resolve(ts, before, m)
		}
		if len(ts) > 1 {
			var names []string
			for _, t := range ts {
				names = append(names, t.Name)
			}
			ambiguous = append(ambiguous, names)
			continue
		}
		t := ts[0]
		if t.Kind == kindValue && !r.spelledAsName(surface) {
			continue // "break it down": the pronoun, not the industry IT
		}
		if t.Kind == kindValue && reWhether.MatchString(before[max(0, m.start-12):m.start]) {
			// 是否有私教, whether they have PT: the yes/no field itself.
			t = target{Kind: kindDimension, Name: t.Dimension}
		}
		w := word{kind: t.Kind, name: t.Name, value: t.Value, surface: surface, start: m.start, end: m.end}
		switch t.Kind {
		case kindMetric:
			w.entity = o.lx.entity[surface] || o.lx.stem[surface] || o.isStatusCount(t.Name) || o.lx.entity[lastWord(surface)] && o.lx.metrics[t.Name].Format == "count"
			r.understood(surface, "metric", t.Name)
		case kindDimension:
			// A dimension right after a value of another dimension qualifies it
			// (上海分行 is Shanghai's branches taken together) unless grouping or ranking is asked.
			w.qualifier = i > 0 && mentions[i-1].entry.targets[0].Kind == kindValue && adjacent(before, mentions[i-1].end, m.start) &&
				!r.rank.set && !reGroup.MatchString(before[max(0, m.start-6):m.start]) ||
				i > 0 && o.headNoun(mentions[i-1], m, t.Name, before)
			r.understood(surface, "dimension", t.Name)
		case kindValue:
			w.name = t.Dimension
			r.understood(surface, "value", t.Dimension+"="+t.Value)
			r.text = consumeUnit(r.text, m.end, surface)
		}
		r.words = append(r.words, w)
	}
	if len(ambiguous) > 0 {
		return r.clarify(r.say("「%s」可以指多个指标：%s。请说明您要看哪一个。", "%q could mean several things: %s. Which one do you mean?",
			wordFor(mentions, ambiguous[0]), listIn(r.plan.Lang, o.labels(r.plan.Lang, ambiguous[0]))), ambiguous[0]...)
	}
	if r.time.Unreadable != "" {
		o.refuse(r.plan, "", r.metricWords())
		r.plan.Message = r.say("无法回答「%s」：数据没有这个时期。", "I cannot answer for %q: the data has no such period.", r.time.Unreadable)
		return true
	}
	return false
}

// headNoun reports whether a dimension word right after another names
// what the first one sorts: in 各线级城市 the tier is the city's, and its
// values are 一线城市, 二线城市, so 城市 is the tier's noun, not a second
// breakdown by city.
func (o *Offline) headNoun(prev, m mention, name, text string) bool {
	ts := prev.entry.targets
	if len(ts) != 1 || ts[0].Kind != kindDimension || ts[0].Name == name || !adjacent(text, prev.end, m.start) {
		return false
	}
	d, ok := o.cat.Dimension(ts[0].Name)
	if !ok {
		return false
	}
	noun := strings.ToLower(strings.TrimSpace(m.entry.surface))
	names := []string{d.Label.ZH, d.Label.EN}
	for _, v := range d.Values {
		names = append(names, v.Label.ZH, v.Label.EN)
	}
	for _, n := range names {
		if n != "" && strings.Contains(strings.ToLower(n), noun) {
			return true
		}
	}
	return false
}

// nounOfValue keeps, of a word's meanings, the dimension whose value stands
// right before it: in "the Shanghai Lujiazui branch", branch is the noun of
// the branch named, not the channel value "branch".
func nounOfValue(ts []target, prev, m mention, text string) []target {
	p := prev.entry.targets
	if len(p) != 1 || p[0].Kind != kindValue || !adjacent(text, prev.end, m.start) {
		return ts
	}
	for _, t := range ts {
		if t.Kind == kindDimension && t.Name == p[0].Dimension {
			return []target{t}
		}
	}
	return ts
}

// reRankedBefore and reRankedAfter frame the noun a ranking ranks: top 5
// clinics by …, 前5家门店.
var (
	reRankedBefore = regexp.MustCompile(`(?:\btop|\bbottom|前|后)\s*\d+\s*(?:名|个|家|位)?\s*(?:的)?\s*$`)
	reRankedAfter  = regexp.MustCompile(`^\s*(?:by|ranked by|按)\b`)
)

// rankedNoun reports whether a word is what a ranking orders.
func (r *reading) rankedNoun(m mention) bool {
	if !r.rank.set {
		return false
	}
	return reRankedBefore.MatchString(r.norm[:m.start]) || reRankedAfter.MatchString(r.norm[m.end:])
}

// enFunctionWords are English words that a short code may spell (IT, US,
// OR, ON, NO): as a value they must be written in capitals.
var enFunctionWords = strings.Fields(`it us or on no in at as is an am be do go me my of so to up we he if by`)

// spelledAsName reports whether a value word is not a function word, or is
// written in capitals in the question as asked.
func (r *reading) spelledAsName(surface string) bool {
	if !slices.Contains(enFunctionWords, surface) {
		return true
	}
	upper := strings.ToUpper(surface)
	return slices.ContainsFunc(strings.FieldsFunc(r.question, func(c rune) bool { return !unicode.IsLetter(c) }), func(w string) bool { return w == upper })
}

// metricWords lists the metrics named, in question order.
func (r *reading) metricWords() []string {
	var out []string
	for _, w := range r.words {
		if w.kind == kindMetric && !slices.Contains(out, w.name) {
			out = append(out, w.name)
		}
	}
	return out
}

// resolve picks among several meanings of one word by context: a
// dimension when grouping or ranking is asked, otherwise a value.
func (o *Offline) resolve(ts []target, text string, m mention) []target {
	var dims, vals, mets []target
	for _, t := range ts {
		switch t.Kind {
		case kindDimension:
			dims = append(dims, t)
		case kindValue:
			vals = append(vals, t)
		default:
			mets = append(mets, t)
		}
	}
	if len(mets) > 0 {
		return mets
	}
	if len(dims) == 1 && (reGroup.MatchString(text[max(0, m.start-6):m.start]) || reRank.MatchString(text) || len(vals) == 0) {
		return dims
	}
	if len(vals) > 0 {
		return vals
	}
	return ts
}

// reWhether before a value names its field as a question of yes or no.
var reWhether = regexp.MustCompile(`(?:是否|有无|有没有|是不是)\s*$|\bwhether (?:or not )?(?:they |it |he |she )?(?:(?:have|has|are|is|hold|holds)\s+)?$`)

// reCondGap is what may stand between a field and its number (到店次数在5次以上).
var reCondGap = regexp.MustCompile(`^(?:在|为|是|达到|is|was|of)?$`)

// fieldOfCondition reports whether a word shared by a metric and a
// dimension stands right before a comparison with a number, as its field.
func (r *reading) fieldOfCondition(text string, m mention) bool {
	dims := 0
	for _, t := range m.entry.targets {
		if t.Kind == kindDimension {
			dims++
		}
	}
	if dims != 1 {
		return false
	}
	for _, c := range r.pending {
		if c.start >= m.end && reCondGap.MatchString(strings.TrimSpace(text[m.end:c.start])) {
			return true
		}
	}
	return false
}

// adjacent reports whether only a joining word (的, 两种, 等) separates two mentions.
func adjacent(text string, end, start int) bool {
	between := strings.TrimSpace(text[end:start])
	return reJoin.MatchString(between)
}

var reJoin = regexp.MustCompile(`^(?:的|等|这|那)?(?:[两二三四五六七八九十几]+\s*(?:种|个|类|家|项|地))?(?:的)?$`)

func wordFor(ms []mention, names []string) string {
	for _, m := range ms {
		if len(m.entry.targets) > 1 && m.entry.targets[0].Name == names[0] {
			return strings.TrimSpace(m.entry.surface)
		}
	}
	return names[0]
}

var reUnitAfter = regexp.MustCompile(`^\s*(?:周岁|岁|个月|月|年|次|元|years? old|years?\b|months?\b)`)

// consumeUnit blanks a unit written right after a value that ends in a
// digit (18-29岁, 0 months): the unit belongs to the value.
func consumeUnit(text string, end int, surface string) string {
	if surface == "" || !isDigits(surface[len(surface)-1:]) {
		return text
	}
	if loc := reUnitAfter.FindStringIndex(text[end:]); loc != nil {
		return blank(text, end+loc[0], end+loc[1])
	}
	return text
}

// lastWord is the last English word of s (learners of "number of learners").
func lastWord(s string) string {
	words := strings.Fields(s)
	if len(words) < 2 || hasHan(s) {
		return ""
	}
	return words[len(words)-1]
}
