package queries

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/beaconbi/beacon/metrics"
)

var reGroup = regexp.MustCompile(`分布|拆开|拆分|细分|拆一下|拆下|拆|分开|分别|按|分|(?:这|那)?[两三四五六七八九十几]+\s*(?:种|个|类|家|项|大|地)|各个|各|每个|每一个|每家|不同|\bby\b|\bper\b|for each|broken down by|across|split by|each`)

// readGrouping blanks grouping words (按, 各, 不同, by, per): the
// dimensions they group by were read by ground.
func (o *Offline) readGrouping(r *reading) bool {
	r.pooledSubjects()
	r.text = consume(r.text, reGroup, func([]string) bool { return true })
	return false
}

// pooledSubjects keeps a dimension named as the subject of a total, of a
// condition or of "our" from becoming a breakdown: in 牙椅10张以上的门店合计营收,
// 星级不低于4星的酒店的平均房价 and 在我们酒店花了多少, the clinics and
// hotels are taken together, not one row each. A grouping word (各门店,
// 分别) or a ranking still breaks them down.
func (r *reading) pooledSubjects() {
	if r.rank.set || reEachOne.MatchString(r.norm) {
		return
	}
	pooled := rePooled.MatchString(r.norm)
	for i := range r.words {
		w := &r.words[i]
		if w.kind != kindDimension || w.condition || w.qualifier || slices.Contains(r.listDims, w.name) {
			continue
		}
		before := r.norm[max(0, w.start-8):w.start]
		if reGroup.MatchString(before) || reGroupAfter.MatchString(r.norm[w.end:]) {
			continue
		}
		if pooled || reOurs.MatchString(before) || r.afterCondition(w.start) {
			w.qualifier = true
		}
	}
}

var (
	// reEachOne asks for one figure each, wherever it stands.
	reEachOne = regexp.MustCompile(`分别|各自|各是|each of|respectively|one by one`)
	// reOurs is "our" before a noun: our hotels are all of them.
	reOurs = regexp.MustCompile(`(?:我们|我行|本行|咱们|\bour)\s*(?:的)?\s*$`)
)

// afterCondition reports whether a condition ends right before position i,
// joined by at most 的: the noun the condition sorts (4星以上的酒店).
func (r *reading) afterCondition(i int) bool {
	for _, c := range r.condSpans {
		if c.end <= i && reOfOnly.MatchString(r.norm[c.end:i]) {
			return true
		}
	}
	return false
}

// reOfOnly joins a condition to its noun.
// A unit the condition left may stand between (4星的酒店, 五星级酒店).
var reOfOnly = regexp.MustCompile(`^\s*(?:星级|星|级|周岁|岁|万元|元|块|个月|月|年|次|个|件|笔|天|张|份|人|晚|间夜|%)?\s*(?:以上|以下|及以上|及以下)?\s*(?:的)?\s*$`)

// account checks that every word of the question was understood: a word
// left over that is not a filler ends the reading with a refusal naming
// it, and a number left over with a question back, so that no part of a
// question is silently dropped.
func (o *Offline) account(r *reading) bool {
	if r.prev != nil {
		// 其中, their: the earlier question, which a follow-up refines.
		r.text = consume(r.text, reAnaphor, func([]string) bool { return true })
	}
	r.text = consume(r.text, reUnitAsked, func([]string) bool { return true })
	if loc := reAverageWord.FindStringIndex(r.text); loc != nil {
		if !o.averages(r) {
			// 客户平均持有几只产品: an average of something no metric averages.
			o.refuse(r.plan, strings.TrimSpace(r.text[loc[0]:loc[1]]), r.metricWords())
			return true
		}
		r.text = blank(r.text, loc[0], loc[1]) // the average churn rate is the churn rate
	}
	w := leftover(r.text, o.lx.nouns)
	if w != "" && !isDigits(w) && (o.adoptCount(r, w) || r.headNoun(o, w) || o.partOfMetricName(r, w) || o.rowNoun(r, w) || r.dimensionTail(w) ||
		o.echoOfMetric(r, w) || o.verbOfValue(r, w) || r.countedNoun(o, w) || o.verbOfNew(r, w)) {
		return o.account(r)
	}
	switch {
	case w == "":
		return false
	case isDigits(w):
		return r.clarify(r.say("没有理解问题中的「%s」：它是哪个字段的条件？请写明字段和比较方式（例如「年龄50岁以上」）。",
			"I did not understand the number %q: which field and comparison does it go with (for example \"age over 50\")?", w))
	}
	o.refuse(r.plan, w, r.metricWords())
	return true
}

// reAverageWord asks for an average, which only a metric that averages
// (a ratio, a rate, a mean) gives; a count or a sum is no average.
var reAverageWord = regexp.MustCompile(`平均|人均|户均|\baverage\b|\bavg\b|\bmean\b|\bper capita\b`)

// averages reports whether a metric the question names is an average: a
// ratio or share, a rate, or a mean of a column.
func (o *Offline) averages(r *reading) bool {
	for _, name := range r.metricWords() {
		m := o.lx.metrics[name]
		if m == nil {
			continue
		}
		if m.Type != "simple" || m.Format == "percent" {
			return true
		}
		for _, md := range o.cat.Definition(m).Measures {
			if sql := strings.ToLower(strings.TrimSpace(md.SQL)); strings.HasPrefix(sql, "avg") || strings.HasPrefix(sql, "median") {
				return true
			}
		}
	}
	return false
}

// fillers are words a question may carry that name nothing: they are
// allowed to remain unmatched. Anything else left over is a word the
// planner does not know, and it will not guess past it.
var zhFillers = []string{
	"是多少", "已经", "已", "有多少", "多少", "是什么", "是怎样", "怎么样", "怎样", "如何", "情况", "表现", "水平", "数据", "数字", "指标",
	"看看", "看一下", "看下", "查一下", "查下", "查询", "查看", "统计", "计算", "告诉我", "帮我", "请问", "请", "给我", "我想知道", "想知道", "一下",
	"哪个", "哪些", "哪家", "哪一个", "哪里", "什么", "分别", "各自", "是", "的", "了", "吗", "呢", "啊", "吧", "呀", "么", "嘛",
	"和", "与", "及", "以及", "跟", "还有", "同", "对比", "比较", "相比", "比", "变化", "变动", "增长", "下降", "上升", "增加", "减少", "涨", "跌",
	"在", "中", "里", "内", "期间", "时候", "目前", "现在", "当前", "截至", "为止", "全行", "全部", "所有", "整体", "总体", "合计", "总共", "一共", "总", "共",
	"我们", "我行", "银行", "本行", "客户", "客群的", "的客户", "人", "户", "率", "数", "额", "金额", "规模", "占比", "比例", "比重", "份额",
	"看", "查", "列出", "展示", "显示", "画", "图", "一共有", "有", "个", "家", "位", "名", "月份", "年份", "期", "上", "下", "高", "低", "大", "小",
	"那", "那么", "如果", "呢吗", "怎么", "是否", "有没有", "能否", "可以", "吗呢", "哪", "多", "少", "更", "最近", "近期", "以来",
	"这", "那个", "这个", "其中", "各项", "相关", "具体", "大概", "大约", "左右", "平均", "均", "值", "是不是", "对应", "分布", "构成", "结构",
	"每", "各", "分别", "两地", "两种", "两类", "几个", "几", "种", "类", "次", "做了", "做", "升了", "降了", "升", "降", "还是", "末", "月末", "季末", "年末", "期末", "底",
	"全年", "整年", "咱们", "咱", "开户", "办理", "排", "只看", "只", "仅", "换成", "改成", "换", "再", "呢", "如何了", "给", "出", "来", "把", "按照", "按着",
	"帮忙", "麻烦", "劳驾", "您好", "你好", "谢谢", "辛苦", "拉一下", "拉", "看下", "瞧瞧", "瞅瞅", "想看", "需要", "我要", "要",
	"区", "地区", "那边", "这边", "一带", "花了", "花", "钱", "多少钱", "带来", "带上", "持有", "拥有", "通过", "这段时间", "那段时间", "段时间", "其他", "其余", "剩下", "用户", "会员", "人群", "群体", "的话", "件", "张", "笔", "带", "到期", "收到", "产生", "列出来", "列出", "附上", "加上",
	"加起来", "提交", "提出", "发起", "地", "城", "那些", "这些", "仍然", "依然", "至今", "它们", "他们", "一共", "多大", "多高", "多低", "怎么回事", "走", "了吗", "没有", "吧", "哦", "嗯", "拉", "出来",
}

var enFillers = strings.Fields(`compared ones placed place placing separately individually whole during earning earn earns pay pays paying paid made make makes use uses using used users user members member people persons aged filed file files sold sell sells selling issued written belong belongs belonging respectively what whats what's is are was were be been the a an of in on at for to from and or with our my we us me i you
show tell give list display get find see compare how much many did do does has have had which who where when there their its it this that these those
please can could would will should rate rates number numbers count total overall value values amount level figure figures data
customers customer clients client bank bank's s across all each every between than vs versus change changed changes up down over
breakdown broken split by per group grouped as so far up to now current currently latest recent recently month months quarter quarters year years week weeks day days period periods
higher lower increase decrease grow grew growth declined rise fell drop dropped went go going look looking like about around
if then also too only just any some more less much many most top bottom among end beginning start close break down them they it its
which what whose has had across within inside out into as at by vs instead about how now same give me please kindly let see view trend
hi hello hey thanks thank quick quickly pull fetch grab check need needs want wanted wondering question pls plz kindly team
hold holds holding holder holders who whom acquired acquire onboarded joined combined together sum summed through via changing take took taken taking look looks looked looking like
whether both side well living live lives based located held owned owns sized businesses business companies company firms firm enterprises enterprise merchants came come comes submitted lodged logged breakdowns along plus with including included ranked rank ranking biggest smallest highest lowest best worst do did does doing done get got result results report reports right present moment`)

// leftover returns the first word of text that is neither a filler nor
// punctuation, or "".
func leftover(text string, nouns map[string]bool) string {
	rest := text
	for _, f := range sortedByLen(zhFillers) {
		rest = strings.ReplaceAll(rest, f, " ")
	}
	for _, w := range strings.Fields(rest) {
		if hasHan(w) {
			return w
		}
		w = strings.Trim(w, "-/.'&")
		if w == "" || slices.Contains(enFillers, w) || enArticle(w) || nouns[w] {
			continue
		}
		return w
	}
	return ""
}

// reUnitAsked is the unit an answer is asked in (多少GB, 多少元).
var reUnitAsked = regexp.MustCompile(`(?:多少|几)\s*(?:gb|mb|万元|亿元|元|块|岁|个月|天|次|人|笔|件|张|户|个|单)`)

// headNoun blanks a word left over that names, in the plural or in part,
// a dimension whose value or name the question used: "tier 1 cities" for
// city tier, 三个省 for 省份. It qualifies that value; it asks nothing new.
func (r *reading) headNoun(o *Offline, w string) bool {
	single := strings.TrimSuffix(w, "s")
	if strings.HasSuffix(w, "ies") {
		single = strings.TrimSuffix(w, "ies") + "y"
	}
	for _, x := range r.words {
		if x.kind != kindValue && x.kind != kindDimension {
			continue
		}
		d, ok := o.cat.Dimension(x.name)
		if !ok {
			continue
		}
		names := normalize(strings.Join([]string{x.name, d.Label.ZH, d.Label.EN}, " "))
		if hasHan(w) && strings.Contains(names, w) || !hasHan(w) && len(single) > 2 && containsWord(names, single) {
			return r.blankWord(w)
		}
	}
	return false
}

// partOfMetricName reads a word left over that, with a metric word of the
// question, makes up one metric's label split by other words (失效的保单:
// 失效保单数; 新发放了多少笔贷款: 新发放贷款笔数; policies … in force:
// Policies in force; policies lapsed: Lapsed policies) as that metric.
func (o *Offline) partOfMetricName(r *reading, w string) bool {
	han := hasHan(w)
	if !han && len(w) < 4 {
		return false
	}
	// One Chinese character (新 in 新来了多少患者) joins a label only
	// right before the other word: 新患者数.
	single := han && utf8.RuneCountInString(w) < 2
	holds := func(label, part string) bool {
		if han {
			return strings.Contains(label, part)
		}
		return containsWord(normalize(label), part)
	}
	// The shortest label holding both words wins (Policies in force, not
	// Policies in force at start); two of one length are not guessed between.
	best, at, size, tie := "", -1, 1<<30, false
	for _, name := range o.cat.Names() {
		m := o.lx.metrics[name]
		label := m.Label.EN
		if han {
			label = m.Label.ZH
		}
		if !holds(label, w) {
			continue
		}
		for i, x := range r.words {
			if x.kind != kindMetric || x.surface == w || !holds(label, x.surface) || single && !strings.Contains(label, w+x.surface) {
				continue
			}
			switch n := utf8.RuneCountInString(label); {
			case n < size:
				best, at, size, tie = name, i, n, false
			case n == size && name != best:
				tie = true
			}
		}
	}
	if best == "" || tie {
		return false
	}
	if !r.blankWord(w) {
		return false
	}
	r.words[at].name = best
	return true
}

// reDimensionTail are words that close a dimension's name in speech
// without changing it: autopay status, gender group, 城市类别.
var reDimensionTail = regexp.MustCompile(`^(?:status|flag|type|types|group|groups|category|categories|level|levels|类别|类型|情况|状态)$`)

// dimensionTail blanks such a word right after a dimension word of the
// question: "by customer type and autopay status" groups by autopay.
func (r *reading) dimensionTail(w string) bool {
	if !reDimensionTail.MatchString(w) {
		return false
	}
	for _, x := range r.words {
		if x.kind != kindDimension {
			continue
		}
		if loc := strings.Index(r.text[x.end:], w); loc >= 0 && strings.TrimSpace(r.text[x.end:x.end+loc]) == "" {
			r.text = blank(r.text, x.end+loc, x.end+loc+len(w))
			return true
		}
	}
	return false
}

// rowNoun blanks a Chinese word left over that names the rows of the
// source of a metric the question asked for: 贷款 for a source whose metrics
// are 在贷笔数 and 新发放贷款笔数, 保单 beside 失效保单数. It is the subject
// of the question (违约的贷款有多少笔), not a condition.
func (o *Offline) rowNoun(r *reading, w string) bool {
	if !hasHan(w) {
		return false
	}
	// One character names rows only as a count's noun (卡 of 在册卡数), not
	// as a modifier (新 of 新患者数).
	single := utf8.RuneCountInString(w) < 2
	sources := map[string]bool{}
	for _, x := range r.words {
		if x.kind == kindMetric {
			for _, s := range o.sourcesOf(x.name) {
				sources[s] = true
			}
		}
	}
	for _, name := range o.cat.Names() {
		if m := o.lx.metrics[name]; !single && strings.Contains(m.Label.ZH, w) && m.Format != "count" {
			return false // 消费 of 消费金额: an amount's name, not the rows
		}
	}
	for _, name := range o.cat.Names() {
		label := o.lx.metrics[name].Label.ZH
		if !strings.Contains(label, w) || single && !strings.Contains(label, w+"数") && !strings.Contains(label, w+"量") {
			continue
		}
		for _, s := range o.sourcesOf(name) {
			if sources[s] {
				return r.blankWord(w)
			}
		}
	}
	return false
}

// sourcesOf lists the sources a metric's measures read.
func (o *Offline) sourcesOf(metric string) []string {
	var out []string
	for _, md := range o.cat.Definition(o.lx.metrics[metric]).Measures {
		out = append(out, md.Source)
	}
	return out
}

// reMoneyCue asks for an amount of money: 多少钱, how much did … spend.
var reMoneyCue = regexp.MustCompile(`多少钱|多少元|多少块|\bhow much (?:money|did|do|does|was|were|have|has)\b`)

// adoptCount reads a word left over in a question asking how many (违约的
// 贷款有多少笔, how many loans defaulted) as the one count metric whose
// label holds it (违约笔数, Defaulted loans), and blanks it.
func (o *Offline) adoptCount(r *reading, w string) bool {
	han, orig := hasHan(w), w
	if han {
		// 销了, 发过: the verb of a count's label (销卡数, 发卡量), one
		// character being enough where only one count's label holds it.
		w = reAspect.ReplaceAllString(w, "")
	}
	format := "count"
	if reMoneyCue.MatchString(r.norm) {
		format = "currency" // 一共消费了多少钱: the amount whose label holds 消费
	}
	if !reCountCue.MatchString(r.norm) || w == "" || !han && len(w) < 2 || !r.onlyEntityWords(o.lx) {
		return false
	}
	stem := strings.TrimSuffix(strings.TrimSuffix(w, "ed"), "s")
	found := ""
	for _, name := range o.cat.Names() {
		m := o.lx.metrics[name]
		if m.Format != format || m.Type != "simple" {
			continue
		}
		words := append([]string{m.Label.ZH, m.Label.EN}, append(m.Synonyms.ZH, m.Synonyms.EN...)...)
		if !slices.ContainsFunc(words, func(l string) bool {
			l = normalize(l)
			return hasHan(w) && strings.Contains(l, w) || !hasHan(w) && len(stem) > 3 && containsWord(l, stem) || containsWord(l, w)
		}) {
			continue
		}
		if found != "" {
			return false // two counts fit: the asker must say which
		}
		found = name
	}
	if found == "" {
		return false
	}
	i := strings.Index(r.text, orig)
	if !r.blankWord(orig) {
		return false
	}
	r.words = append(r.words, word{kind: kindMetric, name: found, surface: orig, start: i, end: i + len(orig)})
	r.understood(w, "metric", found)
	return true
}

func isFiller(w string) bool {
	return slices.Contains(enFillers, w) || slices.Contains(zhFillers, w)
}

// enArticle reports words that read as numbers but are articles.
func enArticle(w string) bool { return w == "a" || w == "an" || w == "one" }

// blankWord blanks the first w in the text, reporting whether it was there.
func (r *reading) blankWord(w string) bool {
	i := strings.Index(r.text, w)
	if i < 0 || w == "" {
		return false
	}
	r.text = blank(r.text, i, i+len(w))
	return true
}

// isDigits reports whether w holds a digit: a number the question gave.
func isDigits(w string) bool {
	return strings.IndexFunc(w, unicode.IsDigit) >= 0
}

// reAspect closes a Chinese verb without changing it: 发过, 销了.
var reAspect = regexp.MustCompile(`(?:过|了|着)+$`)

// echoOfMetric blanks a Chinese word left over that repeats, as a verb,
// part of the label of a metric the question named: 销 of 销卡数 in 一共销了
// 多少张, 发过 of 累计发卡量, 还 of 最低还款占比. It names the same figure.
func (o *Offline) echoOfMetric(r *reading, w string) bool {
	stem := reAspect.ReplaceAllString(w, "")
	if !hasHan(w) || stem == "" {
		return false
	}
	for _, x := range r.words {
		if x.kind != kindMetric {
			continue
		}
		m := o.lx.metrics[x.name]
		if m != nil && slices.ContainsFunc(append([]string{m.Label.ZH}, m.Synonyms.ZH...), func(l string) bool { return strings.Contains(l, stem) }) {
			return r.blankWord(w)
		}
	}
	return false
}

// enCreationVerbs bring a thing into being: with a metric that counts new
// ones (New accounts) they say the same thing again.
var enCreationVerbs = strings.Fields(`open opened opening pick picked picking add added adding acquire acquired acquiring gain gained win won sign signed onboard onboarded register registered create created bring brought recruit recruited enrol enroll enrolled`)

// verbOfNew blanks a creation verb in a question that asks for a metric
// counting new things: how many new accounts did we open.
func (o *Offline) verbOfNew(r *reading, w string) bool {
	if !slices.Contains(enCreationVerbs, w) {
		return false
	}
	for _, x := range r.words {
		if x.kind == kindMetric && reNewMetric.MatchString(strings.ToLower(o.lx.metrics[x.name].Label.EN)) {
			return r.blankWord(w)
		}
	}
	return false
}

// Verbs of having a feature, which a flag's value names on its own:
// 开通了自动还款的卡, cards enrolled in autopay, autopay enabled.
var (
	zhFeatureVerbs = []string{"开通", "开通了", "已开通", "开了", "启用", "启用了", "已启用", "绑定", "绑定了", "已绑定", "签约", "签约了", "已签约",
		"办理了", "使用", "使用了", "用了", "参加", "参加了", "加入", "加入了", "订阅", "订阅了", "设置", "设置了"}
	enFeatureVerbs  = []string{"enrolled", "enabled", "activated", "subscribed", "opted", "registered", "signed"}
	reFeatureBefore = regexp.MustCompile(`^\s*(?:了|in|into|for|to|up|up for|on)?\s*(?:the\s+)?$`)
)

// verbOfValue blanks such a verb standing right before (or, in English,
// right after) a value word or a flag's name in the question.
func (o *Offline) verbOfValue(r *reading, w string) bool {
	if !slices.Contains(zhFeatureVerbs, w) && !slices.Contains(enFeatureVerbs, w) {
		return false
	}
	i := strings.Index(r.text, w)
	if i < 0 {
		return false
	}
	for k := range r.words {
		x := &r.words[k]
		if _, flag := o.flagOn(x.name); x.kind != kindValue && (x.kind != kindDimension || !flag) {
			continue
		}
		after := x.start >= i+len(w) && reFeatureBefore.MatchString(r.norm[i+len(w):x.start])
		before := !hasHan(w) && x.end <= i && strings.TrimSpace(r.norm[x.end:i]) == ""
		if !after && !before {
			continue
		}
		if x.kind == kindDimension {
			// 开通了自动还款, enrolled in autopay: the flag is on.
			on, _ := o.flagOn(x.name)
			x.kind, x.value = kindValue, on
			r.filters = append(r.filters, metrics.Filter{Dimension: x.name, Op: "eq", Value: on})
			r.understood(strings.TrimSpace(w+" "+x.surface), "value", x.name+"="+on)
		}
		return r.blankWord(w)
	}
	return false
}

// flagOn returns the value meaning "yes" of a dimension holding a flag.
func (o *Offline) flagOn(dim string) (string, bool) {
	d, ok := o.cat.Dimension(dim)
	if !ok {
		return "", false
	}
	for _, v := range d.Values {
		switch strings.ToLower(v.Value) {
		case "true", "1", "yes", "y", "是":
			return v.Value, true
		}
	}
	return "", false
}

// countedNoun blanks a Chinese noun that a count question counts, next to
// its classifier (多少张信用卡, 信用卡有多少张), once a count metric was
// read: it is the subject of the count, not a condition on it.
func (r *reading) countedNoun(o *Offline, w string) bool {
	if !hasHan(w) || !slices.ContainsFunc(r.words, func(x word) bool {
		m := o.lx.metrics[x.name]
		return x.kind == kindMetric && m != nil && m.Format == "count"
	}) {
		return false
	}
	q := regexp.QuoteMeta(w)
	re := regexp.MustCompile(`(?:多少|几)\s*[张个笔件位名户家份单条台辆]\s*` + q + `|` + q + `\s*(?:一共|总共|共)?\s*有?\s*(?:多少|几)\s*[张个笔件位名户家份单条台辆]`)
	return re.MatchString(r.norm) && r.blankWord(w)
}
