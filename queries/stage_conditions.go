package queries

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beaconbi/beacon/metrics"
)

// A condition is a comparison of a numeric dimension with a number:
// 50岁以上, over 50, at least 36 months, 3到5年之间, between 3 and 5 years.
// Chinese 以上/以下/不低于/不超过/至少 include the bound; 超过/大于/高于/小于/
// 低于/不到 exclude it; English over/above/more than/under/below/less than
// exclude it and at least/or more include it; between includes both ends.

const (
	numRE = `(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)\s*(百万|千万|万|千|亿|k\b|m\b|thousand\b|million\b|billion\b)?`
	// A rate after the unit (200 yuan a month, 每月) belongs to the condition.
	perRE  = `(?:\s*(?:per|a|an|each|every)\s+(?:month|year|week|day)\b|\s*(?:每月|每年|/月|/年))?`
	unitRE = `\s*(周岁|岁|万元|元|块|个月|月|年|次|个|件|笔|天|日|张|份|人|分钟|分|points?\b|gb\b|mb\b|tb\b|g\b|%|years? old|yrs?\b|years?\b|months?\b|days?\b|minutes?\b|mins?\b|times\b|calls?\b|yuan\b|rmb\b|dollars?\b|usd\b|people\b|persons?\b|old\b)?`
)

var (
	zhCondOps = map[string]string{"超过": "gt", "大于": "gt", "高于": "gt", "多于": "gt", "不低于": "gte", "不少于": "gte", "不小于": "gte", "至少": "gte",
		"小于": "lt", "低于": "lt", "少于": "lt", "不到": "lt", "不足": "lt", "不超过": "lte", "不高于": "lte", "不大于": "lte", "至多": "lte",
		"以上": "gte", "及以上": "gte", "或以上": "gte", "以下": "lte", "及以下": "lte", "或以下": "lte", "以内": "lte", "之内": "lte"}
	enCondOps = map[string]string{"over": "gt", "above": "gt", "more than": "gt", "greater than": "gt", "older than": "gt", "higher than": "gt", "exceeding": "gt",
		"at least": "gte", "no less than": "gte", "not less than": "gte", "a minimum of": "gte", "under": "lt", "below": "lt", "less than": "lt",
		"fewer than": "lt", "younger than": "lt", "lower than": "lt", "at most": "lte", "no more than": "lte", "not more than": "lte", "up to": "lte",
		"or more": "gte", "or older": "gte", "or above": "gte", "and above": "gte", "and over": "gte", "and older": "gte", "or higher": "gte", "plus": "gte",
		"or less": "lte", "or fewer": "lte", "or younger": "lte", "or below": "lte", "and below": "lte", "and under": "lte", "and younger": "lte", "or lower": "lte"}

	reZhCondPrefix = regexp.MustCompile(`(不低于|不少于|不小于|不超过|不高于|不大于|超过|大于|高于|多于|至少|小于|低于|少于|不到|不足|至多)\s*` + numRE + unitRE + `\s*(?:及以上|或以上|以上|及以下|或以下|以下)?`)
	reZhCondSuffix = regexp.MustCompile(numRE + unitRE + `\s*(及以上|或以上|以上|及以下|或以下|以下|以内|之内)`)
	reZhBetween    = regexp.MustCompile(`(?:在\s*)?` + numRE + unitRE + `\s*(?:到|至|~)\s*` + numRE + unitRE + `\s*(?:之间|以内|区间)?`)
	reEnCondPrefix = regexp.MustCompile(`\b(over|above|more than|greater than|older than|higher than|exceeding|at least|no less than|not less than|a minimum of|under|below|less than|fewer than|younger than|lower than|at most|no more than|not more than|up to)\s+` + numRE + unitRE + perRE)
	reEnCondSuffix = regexp.MustCompile(`\b` + numRE + unitRE + `\s*(or more|or older|or above|and above|and over|and older|or higher|plus|or less|or fewer|or younger|or below|and below|and under|and younger|or lower)\b` + perRE)
	reEnBetween    = regexp.MustCompile(`\b(?:between|from|aged|ages)\s+` + numRE + unitRE + `\s+(?:and|to)\s+` + numRE + unitRE)
	// A bare range (20 to 50 seats), standing alone between spaces so that
	// dates (2025-01 to 2025-03) are not read as one.
	reEnRange = regexp.MustCompile(`(?:^|[\s,(])` + numRE + unitRE + `\s+to\s+` + numRE + unitRE + `(?:\s|$|[,?.!;)])`)
	// A bare number next to a numeric dimension is an equality (2 products,
	// 3个产品, tenure of 5).
	reNumberBefore = regexp.MustCompile(`(?:^|[^\d.])` + numRE + `\s*(?:个|种|款|项|张|笔|次|位)?\s*$`)
	reNumberAfter  = regexp.MustCompile(`^\s*(?:is|of|equal to|equals|=|为|是|等于|有)?\s*` + numRE + unitRE)
)

// unitClass sorts units (and the words that imply them) into what they
// measure, so that a condition finds its dimension by the model's own
// words: 岁 goes with a dimension called 年龄 or age.
var unitClasses = []struct {
	units []string // unit words and comparators that imply the class
	dims  []string // words in a dimension's name, labels or synonyms
}{
	{[]string{"岁", "周岁", "years old", "year old", "old", "older than", "younger than", "or older", "and older", "or younger", "and younger"}, []string{"年龄", "岁", "age"}},
	{[]string{"个月", "月", "months", "month"}, []string{"月数", "个月", "月份数", "month", "months", "tenure", "在网", "期限", "时长"}},
	{[]string{"年", "years", "year", "yrs", "yr"}, []string{"年限", "年数", "years", "year"}},
	{[]string{"元", "万元", "块", "yuan", "rmb", "dollars", "dollar", "usd"}, []string{"金额", "余额", "收入", "费", "资产", "保费", "balance", "amount", "income", "charge", "fee", "salary", "premium", "spend", "limit", "额"}},
	{[]string{"次", "times", "calls", "call"}, []string{"次数", "次", "calls", "count", "number of", "times"}},
	{[]string{"gb", "mb", "tb", "g"}, []string{"流量", "gb", "data", "usage"}},
	{[]string{"人", "口人", "people", "persons", "person"}, []string{"人数", "人口", "household", "size", "规模"}},
	{[]string{"分", "points", "point"}, []string{"评分", "分数", "得分", "score", "points"}},
	{[]string{"天", "日", "days", "day"}, []string{"天数", "天", "days", "逾期", "dpd"}},
	{[]string{"分钟", "minutes", "minute", "mins"}, []string{"分钟", "时长", "minutes", "duration"}},
}

// condition is one comparison read from the question, before its dimension is known.
type condition struct {
	start, end int
	op         string
	values     []float64
	unit       string
	scaled     bool // the number carried a multiplier (5万, 2 million)
	opWord     string
	text       string
	dim        string // set when the dimension was read with the number
}

// declaredUnitsOff blanks, right after a number, a unit that one numeric
// dimension declares and the grammar of conditions does not know (4星,
// 3晚), and returns where each stood with its dimension. A unit two
// dimensions declare names neither.
func (o *Offline) declaredUnitsOff(text string) (string, map[int]string) {
	at := map[int]string{}
	for _, u := range o.units {
		for _, loc := range u.re.FindAllStringSubmatchIndex(text, -1) {
			text = blank(text, loc[2], loc[3])
			at[loc[2]] = u.dim
		}
	}
	return text, at
}

// declaredUnit is a unit one numeric dimension declares, after a number.
type declaredUnit struct {
	dim string
	re  *regexp.Regexp
}

// declaredUnits finds, once per catalog, the units declaredUnitsOff reads.
func declaredUnits(cat *metrics.Catalog) []declaredUnit {
	byUnit := map[string][]string{}
	for _, name := range cat.DimensionNames() {
		if d, ok := cat.Dimension(name); ok && d.Unit != "" && hasHan(d.Unit) && cat.NumericDimension(name) {
			byUnit[d.Unit] = append(byUnit[d.Unit], name)
		}
	}
	var out []declaredUnit
	for unit, dims := range byUnit {
		if len(dims) != 1 || reKnownUnit.MatchString(unit) {
			continue
		}
		re := regexp.MustCompile(`(?:\d|[一二两三四五六七八九十])\s*(` + regexp.QuoteMeta(unit) + `)`)
		out = append(out, declaredUnit{dims[0], re})
	}
	return out
}

// reKnownUnit are the units the grammar of conditions reads itself.
var reKnownUnit = regexp.MustCompile(`^(?:周岁|岁|万元|元|块|个月|月|年|次|个|件|笔|天|日|张|份|人|分钟|分)$`)

// findComparisons reads comparisons with numbers and blanks them; their
// fields are found once the catalog's words are read.
func (o *Offline) findComparisons(r *reading) bool {
	text, units := o.declaredUnitsOff(r.text)
	for _, c := range findConditions(text) {
		if dim, ok := units[c.start]; ok && c.dim == "" {
			c.dim = dim // 4星以上: the field whose unit is 星
		} else {
			for at, dim := range units {
				if at > c.start && at < c.end && c.dim == "" {
					c.dim = dim
				}
			}
		}
		year := isYear(c.values[0])
		if c.op == "between" && c.unit == "" && year && isYear(c.values[1]) {
			continue // from 2023 to 2024: a period, for the time stage
		}
		if c.unit == "年" && year || c.unit == "月" || c.unit == "" && year && (c.opWord == "over" || c.opWord == "to") {
			continue // 2024年以上, 3月到5月, over 2025: calendar words, for the time stage
		}
		r.pending = append(r.pending, c)
	}
	for _, c := range r.pending {
		r.text = blank(r.text, c.start, c.end)
	}
	return false
}

func isYear(v float64) bool { return v >= 1900 && v <= 2100 && v == math.Trunc(v) }

// readConditions finds the numeric dimension of each comparison, and reads
// bare numbers next to a numeric dimension as equalities.
func (o *Offline) readConditions(r *reading) bool {
	for _, c := range append(r.pending, o.findEqualities(r, r.text)...) {
		dim, factor, ok := o.conditionDimension(r, c)
		if !ok && c.dim == "" {
			if dim, ok = o.rowCondition(r, c); ok {
				factor = o.unitFactor(c, dim) // 代发金额低于10万 over a field in 万元: 10
			}
		}
		for i := range c.values {
			c.values[i] *= factor
		}
		if !ok && c.dim == "" && o.havingCondition(r, c) {
			continue
		}
		if !ok {
			return r.clarify(r.say("问题中的「%s」是对哪个字段的条件？请写明字段（例如「年龄50岁以上」）。", "Which field does %q apply to? Name it (for example \"age over 50\").", strings.TrimSpace(c.text)))
		}
		f := metrics.Filter{Dimension: dim, Op: c.op}
		if c.op == "between" {
			f.Values = []any{c.values[0], c.values[1]}
		} else {
			f.Value = c.values[0]
		}
		r.conds = append(r.conds, f)
		r.condSpans = append(r.condSpans, c)
		r.fieldValueBefore(o, c.start, dim)
		r.understood(strings.TrimSpace(c.text), "condition", dim+" "+c.op)
		r.text = blank(r.text, c.start, c.end)
		r.text = o.consumeFieldWord(r.text, c.start, dim)
	}
	return false
}

// fieldValueBefore marks a value word right before a condition that is
// part of the condition's field (在网 of 在网月数 in 在网不超过12个月), so
// that it is not also read as a filter of its own dimension.
func (r *reading) fieldValueBefore(o *Offline, start int, dim string) {
	for i, w := range r.words {
		if w.kind == kindValue && w.end <= start && reFieldGlue.MatchString(r.norm[w.end:start]) && o.dimensionSays(dim, []string{w.surface, singular(w.surface)}) {
			r.words[i].condition = true
		}
	}
}

// reFieldGlue joins a condition's field to the condition: households with
// more than 4 people, accounts having over 100 seats.
var reFieldGlue = regexp.MustCompile(`^\s*(?:(?:with|having|that have|who have|whose|of)\s*)?$`)

// singular strips an English plural: households → household, cities → city.
func singular(w string) string {
	if s, ok := strings.CutSuffix(w, "ies"); ok && len(s) > 1 {
		return s + "y"
	}
	if s, ok := strings.CutSuffix(w, "s"); ok && len(s) > 2 && !strings.HasSuffix(s, "s") {
		return s
	}
	return w
}

var reHanTail = regexp.MustCompile(`\p{Han}{2,}\s*$`)

// consumeFieldWord blanks a Chinese word right before a condition that is
// part of its field's name (在网 for 在网月数 in 在网至少36个月).
func (o *Offline) consumeFieldWord(text string, start int, dim string) string {
	for _, loc := range hanTails(text[:start]) {
		if o.dimensionSays(dim, []string{strings.TrimSpace(text[loc[0]:loc[1]])}) {
			return blank(text, loc[0], loc[1])
		}
	}
	return text
}

// hanTails returns the Chinese words ending right before the end of text,
// longest first, of two characters or more (末逾期, 逾期).
func hanTails(text string) [][2]int {
	loc := reHanTail.FindStringIndex(text)
	if loc == nil {
		return nil
	}
	end := len(strings.TrimRight(text, " "))
	var out [][2]int
	for i := loc[0]; i < end; {
		if utf8.RuneCountInString(text[i:end]) < 2 {
			break
		}
		out = append(out, [2]int{i, end})
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return out
}

// findConditions returns the comparisons in text, most specific first and
// never overlapping.
func findConditions(text string) []condition {
	var out []condition
	taken := func(s, e int) bool {
		for _, c := range out {
			if s < c.end && e > c.start {
				return true
			}
		}
		return false
	}
	add := func(re *regexp.Regexp, read func(m []string) (condition, bool)) {
		for _, loc := range re.FindAllStringSubmatchIndex(text, -1) {
			m := submatches(text, loc)
			c, ok := read(m)
			if !ok || taken(loc[0], loc[1]) {
				continue
			}
			// Spaces at the end may be a blanked catalog word (1000 employees).
			c.start, c.text = loc[0], strings.TrimRight(m[0], " ")
			c.end = c.start + len(c.text)
			out = append(out, c)
		}
	}
	add(reZhBetween, func(m []string) (condition, bool) { return between(m[1], m[2], m[4], m[5], firstOf(m[3], m[6])) })
	add(reEnBetween, func(m []string) (condition, bool) { return between(m[1], m[2], m[4], m[5], firstOf(m[3], m[6])) })
	add(reEnRange, func(m []string) (condition, bool) {
		c, ok := between(m[1], m[2], m[4], m[5], firstOf(m[3], m[6]))
		c.opWord = "to"
		return c, ok
	})
	add(reZhCondPrefix, func(m []string) (condition, bool) { return single(zhCondOps[m[1]], m[1], m[2], m[3], m[4]) })
	add(reZhCondSuffix, func(m []string) (condition, bool) { return single(zhCondOps[m[4]], m[4], m[1], m[2], m[3]) })
	add(reEnCondPrefix, func(m []string) (condition, bool) { return single(enCondOps[m[1]], m[1], m[2], m[3], m[4]) })
	add(reEnCondSuffix, func(m []string) (condition, bool) { return single(enCondOps[m[4]], m[4], m[1], m[2], m[3]) })
	return out
}

func single(op, opWord, num, mult, unit string) (condition, bool) {
	v, ok := quantity(num, mult)
	return condition{op: op, values: []float64{v}, unit: strings.TrimSpace(unit), scaled: strings.TrimSpace(mult) != "", opWord: opWord}, ok && op != ""
}

func between(n1, m1, n2, m2, unit string) (condition, bool) {
	a, ok1 := quantity(n1, m1)
	b, ok2 := quantity(n2, m2)
	if !ok1 || !ok2 || a > b {
		return condition{}, false
	}
	return condition{op: "between", values: []float64{a, b}, unit: strings.TrimSpace(unit), scaled: strings.TrimSpace(m1+m2) != ""}, true
}

// quantity reads a number with its multiplier (5万, 2.5k).
func quantity(num, mult string) (float64, bool) {
	v, err := strconv.ParseFloat(num, 64)
	if err != nil {
		n, ok := number(num)
		if !ok {
			return 0, false
		}
		v = float64(n)
	}
	switch strings.TrimSpace(mult) {
	case "万":
		v *= 1e4
	case "千", "k", "thousand":
		v *= 1e3
	case "亿":
		v *= 1e8
	case "m", "million", "百万":
		v *= 1e6
	case "千万":
		v *= 1e7
	case "billion":
		v *= 1e9
	}
	return v, !math.IsInf(v, 0)
}

// conditionDimension finds the numeric dimension a condition is about: one
// named next to it, else the only one its unit or comparator fits, else,
// for "customers over 50", the dimension of age.
func (o *Offline) conditionDimension(r *reading, c condition) (dim string, factor float64, ok bool) {
	if c.dim != "" {
		for i, w := range r.words {
			if w.kind == kindDimension && w.name == c.dim {
				if d := distance(w, c); d >= 0 && d <= 12 {
					r.words[i].condition = true // 星级4星以上: the field named too
				}
			}
		}
		return c.dim, 1, true
	}
	var named []int
	for i, w := range r.words {
		if w.kind == kindDimension && o.cat.NumericDimension(w.name) {
			named = append(named, i)
		}
	}
	// A metric right before the comparison (月费总额超过12万元) puts the
	// condition on the metric's value, which a metric query cannot filter.
	if r.metricBefore(c.start) {
		return "", 1, false
	}
	// The nearest named numeric dimension, before or after the condition,
	// that is not nearer another condition (members over 60 with a balance
	// above 150000: balance goes with the second).
	best, gap := -1, 1<<30
	for _, i := range named {
		w := r.words[i]
		if !o.unitFits(c.unit, w.name) {
			continue // 不超过12个月 is not about 月费 (a fee), though it stands next to it
		}
		d := distance(w, c)
		if slices.ContainsFunc(r.pending, func(o condition) bool { return o.start != c.start && distance(w, o) >= 0 && distance(w, o) < d }) {
			continue
		}
		if d >= 0 && d < gap && (d <= 12 || len(named) == 1) {
			best, gap = i, d
		}
	}
	if best >= 0 {
		r.words[best].condition = true
		return r.words[best].name, o.unitFactor(c, r.words[best].name), true
	}
	if dim, ok := o.dimensionForFieldWord(r.text[:c.start]); ok {
		return dim, o.unitFactor(c, dim), true
	}
	hint := c.unit
	if hint == "" {
		hint = c.opWord
	}
	switch before := r.norm[max(0, c.start-24):c.start]; {
	case c.unit == "" && (reAgeSubject.MatchString(before) || o.endsWithEntity(before)):
		// "customers over 50": a bare age is the only reading of people over a number.
		hint = "old"
	case c.unit == "" && reMoneySubject.MatchString(before):
		hint = "yuan" // "earning under 80,000 a year"
	case containsString(unitClasses[0].units, c.opWord):
		hint = "old" // older than 50 years: an age, whatever the unit
	}
	if containsString(unitClasses[2].units, hint) {
		return o.yearsDimension(reDurationBefore.MatchString(r.norm[max(0, c.start-32):c.start]))
	}
	if dim, ok := o.dimensionForUnit(hint); ok {
		return dim, o.unitFactor(c, dim), true // more than 2 million yuan of a field in 万元: 200
	}
	return "", 1, false
}

// reDurationBefore ends the words that make a number of years a duration:
// "been with us for 5 years", 开户满, "customers for".
var reDurationBefore = regexp.MustCompile(`(?:\bwith us|\bbeen|\bfor|\btenure(?: of)?|\bon (?:the )?books?|满|已有|入网|开户|成为客户)\s*$`)

// yearsDimension finds the field a number of years measures: a field kept
// in years, else one kept in months (tenure 3 years = 36 months). A field
// of age says "years old" too: unless the words before make the years a
// duration, a model with both asks back rather than guess.
func (o *Offline) yearsDimension(duration bool) (string, float64, bool) {
	var years, months, ages []string
	for _, name := range o.cat.DimensionNames() {
		switch {
		case !o.cat.NumericDimension(name):
		case o.dimensionSays(name, unitClasses[0].dims):
			ages = append(ages, name)
		case o.dimensionSays(name, unitClasses[2].dims):
			years = append(years, name)
		case o.dimensionSays(name, unitClasses[1].dims):
			months = append(months, name)
		}
	}
	switch {
	case !duration && len(ages) > 0 && len(years)+len(months) > 0:
		return "", 1, false
	case len(years) == 1:
		return years[0], 1, true
	case len(years) == 0 && len(months) == 1:
		return months[0], 12, true
	case len(years)+len(months) == 0 && len(ages) == 1 && !duration:
		return ages[0], 1, true
	}
	return "", 1, false
}

// distance is the gap in bytes between a word and a condition, or -1
// when they overlap.
func distance(w word, c condition) int {
	if w.start >= c.end {
		return w.start - c.end
	}
	if c.start >= w.end {
		return c.start - w.end
	}
	return -1
}

// metricBefore reports whether a metric word ends right before position i.
func (r *reading) metricBefore(i int) bool {
	for _, w := range r.words {
		if w.kind == kindMetric && !w.entity && w.end <= i && strings.Trim(r.norm[w.end:i], " 的是为在") == "" {
			return true
		}
	}
	return false
}

// unitFits reports whether a condition's unit may measure a dimension: no
// unit, a unit of no known class, or a dimension whose words fit the unit's
// class or no class at all.
func (o *Offline) unitFits(unit, dim string) bool {
	unit = strings.ToLower(strings.TrimSpace(unit))
	if containsString(unitClasses[2].units, unit) && o.dimensionSays(dim, unitClasses[1].dims) {
		return true // years of a field kept in months (unitFactor converts)
	}
	other, known := false, false
	for _, class := range unitClasses {
		says := o.dimensionSays(dim, class.dims)
		if containsString(class.units, unit) {
			if says {
				return true
			}
			known = true
			continue
		}
		other = other || says
	}
	return !other || !known
}

// unitFactor converts a condition's number to its dimension's unit: years
// to a field kept in months (tenure under 2 years = under 24 months), and
// an amount of money written with its size (100万元, 10 million yuan) to a
// field kept in 万元 or thousands. A bare number is the dimension's own.
func (o *Offline) unitFactor(c condition, dim string) float64 {
	unit := strings.ToLower(c.unit)
	if containsString(unitClasses[2].units, unit) &&
		o.dimensionSays(dim, unitClasses[1].dims) && !o.dimensionSays(dim, unitClasses[2].dims) {
		return 12
	}
	if scale := o.moneyScale(dim); scale != 1 && (c.scaled || containsString(unitClasses[3].units, unit)) {
		if unit == "万元" {
			return 1e4 / scale
		}
		return 1 / scale
	}
	return 1
}

// moneyScale is how many yuan (or dollars) one unit of a numeric dimension
// holds: 1e4 for a field in 万元, from its unit or, as analysts often
// write it, its label ("总资产（万元）", "Total assets (10k CNY)") or the
// unit its description names ("in 万元").
func (o *Offline) moneyScale(dim string) float64 {
	d, ok := o.cat.Dimension(dim)
	if !ok {
		return 1
	}
	for _, s := range []string{d.Unit, d.Label.ZH, d.Label.EN, reUnitNamed.FindString(d.Description)} {
		for _, sc := range moneyScales {
			if sc.re.MatchString(strings.ToLower(s)) {
				return sc.scale
			}
		}
	}
	return 1
}

// reUnitNamed finds the unit a description states: "in 万元", 单位：万元.
var reUnitNamed = regexp.MustCompile(`(?i)\bin\s+\S+|单位[:：]?\s*\S+`)

// moneyScales are the sizes a money field may be kept in.
var moneyScales = []struct {
	re    *regexp.Regexp
	scale float64
}{
	{regexp.MustCompile(`亿元|100\s*m(?:illion)?\s*(?:cny|yuan|rmb)`), 1e8},
	{regexp.MustCompile(`万元|10k|10,000|ten thousand|10 thousand`), 1e4},
	{regexp.MustCompile(`千元|\bthousands? of\b|\bin thousands\b|\(k\)|'000`), 1e3},
}

// findEqualities reads a bare number right before or after a numeric
// dimension that no comparison used: 2 products, 3个产品, 产品数为2.
func (o *Offline) findEqualities(r *reading, text string) []condition {
	var out []condition
	for i, w := range r.words {
		if w.kind != kindDimension || w.condition || !o.cat.NumericDimension(w.name) {
			continue
		}
		if loc := reNumberBefore.FindStringSubmatchIndex(text[:w.start]); loc != nil {
			m := submatches(text[:w.start], loc)
			if v, ok := quantity(m[1], m[2]); ok {
				out = append(out, condition{start: loc[2], end: loc[1], op: "eq", values: []float64{v}, text: r.norm[loc[2]:w.end], dim: w.name})
				r.words[i].condition = true
				continue
			}
		}
		if loc := reNumberAfter.FindStringSubmatchIndex(text[w.end:]); loc != nil {
			m := submatches(text[w.end:], loc)
			if v, ok := quantity(m[1], m[2]); ok {
				out = append(out, condition{start: w.end, end: w.end + loc[1], op: "eq", values: []float64{v}, text: r.norm[w.start : w.end+loc[1]], dim: w.name})
				r.words[i].condition = true
			}
		}
	}
	return out
}

var reMoneySubject = regexp.MustCompile(`(?:earning|earn|earns|making|make|income of|incomes?|paying|pays|pay|spending|spend|salary of)\s*$`)

var reAgeSubject = regexp.MustCompile(`(?:customers|clients|people|members|users|subscribers|holders|cardholders|policyholders|borrowers|women|men|males|females|those|aged|ages?)(?:\s+(?:are|is|who are|that are|aged))?\s*$`)

// endsWithEntity reports whether text ends with the plural noun a count
// of the model counts (learners under 18): people, whose bare number is an age.
func (o *Offline) endsWithEntity(text string) bool {
	words := strings.Fields(reAgeTail.ReplaceAllString(text, ""))
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	return strings.HasSuffix(last, "s") && (o.lx.entity[last] || reSubjectNoun.MatchString(last) || o.peopleNoun(last))
}

// peopleNoun reports whether a plural noun is what a count of people
// counts (patients of "Active patients", unit 人): people over a number
// are of an age.
func (o *Offline) peopleNoun(plural string) bool {
	for _, name := range o.cat.Names() {
		m := o.lx.metrics[name]
		if m.Format != "count" || !slices.Contains([]string{"人", "位", "名", "people", "persons"}, m.Unit) {
			continue
		}
		if containsWord(normalize(m.Label.EN), plural) {
			return true
		}
	}
	return false
}

// reAgeTail is what may follow a subject before its age (who are, aged).
var reAgeTail = regexp.MustCompile(`\s+(?:are|is|who are|that are|aged)\s*$`)

// dimensionForFieldWord finds the one numeric dimension named by the
// Chinese word right before a condition (在网不超过12个月: 在网 of 在网月数).
func (o *Offline) dimensionForFieldWord(before string) (string, bool) {
	for _, loc := range hanTails(before) {
		w := strings.TrimSpace(before[loc[0]:loc[1]])
		var found []string
		for _, name := range o.cat.DimensionNames() {
			if o.cat.NumericDimension(name) && o.dimensionSays(name, []string{w}) {
				found = append(found, name)
			}
		}
		if len(found) == 1 {
			return found[0], true
		}
	}
	return "", false
}

// dimensionForUnit returns the only numeric dimension whose words fit the
// unit's class.
func (o *Offline) dimensionForUnit(unit string) (string, bool) {
	unit = strings.ToLower(strings.TrimSpace(unit))
	if unit == "" {
		return "", false
	}
	for _, class := range unitClasses {
		if !containsString(class.units, unit) {
			continue
		}
		var found []string
		for _, name := range o.cat.DimensionNames() {
			if o.cat.NumericDimension(name) && o.dimensionSays(name, class.dims) {
				found = append(found, name)
			}
		}
		if len(found) > 1 && slices.Equal(class.units, unitClasses[0].units) {
			// 卡龄 (card age) is a duration kept in months: 30岁以下 is
			// about the person's 年龄. Other ties are asked back.
			found = slices.DeleteFunc(found, o.isDuration)
		}
		if len(found) == 1 {
			return found[0], true
		}
		return "", false
	}
	return "", false
}

// isDuration reports whether a dimension's words say it is kept in
// months, years or days (tenure, card age in months).
func (o *Offline) isDuration(name string) bool {
	return o.dimensionSays(name, unitClasses[1].dims) || o.dimensionSays(name, unitClasses[2].dims) || o.dimensionSays(name, unitClasses[8].dims)
}

// dimensionSays reports whether a dimension's name, labels or synonyms
// contain any of words.
func (o *Offline) dimensionSays(name string, words []string) bool {
	d, ok := o.cat.Dimension(name)
	if !ok {
		return false
	}
	all := append([]string{name, d.Label.ZH, d.Label.EN}, append(d.Synonyms.ZH, d.Synonyms.EN...)...)
	for _, s := range all {
		s = normalize(s)
		for _, w := range words {
			if containsWord(s, w) && !(w == "年" && strings.Contains(s, "年龄")) {
				return true
			}
		}
	}
	return false
}

// containsWord reports whether w occurs in s, as a whole word when English
// (age is not in usage or agency).
func containsWord(s, w string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		if hasHan(w) || boundary(s, i-1) && boundary(s, i+len(w)) {
			return true
		}
		from = i + 1
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// submatches returns the groups of one match ("" for those that did not take part).
func submatches(text string, loc []int) []string {
	m := make([]string, len(loc)/2)
	for i := range m {
		if loc[2*i] >= 0 {
			m[i] = text[loc[2*i]:loc[2*i+1]]
		}
	}
	return m
}
