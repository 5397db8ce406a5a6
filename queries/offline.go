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
}

// NewOffline returns the offline planner over a catalog.
func NewOffline(cat *metrics.Catalog, now func() time.Time) *Offline {
	o := &Offline{cat: cat, lx: NewLexicon(cat), now: now, timed: map[string]bool{}}
	for _, d := range cat.Definitions() {
		o.timed[d.Name] = len(d.Grains) > 0
	}
	return o
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
	reExclude  = regexp.MustCompile(`除了|除去|除|不含|不包括|排除|excluding|except|other than|not in|without`)
	reGroup    = regexp.MustCompile(`按|分|各个|各|每个|每一个|每家|\bby\b|\bper\b|for each|broken down by|across|split by|each`)
	// Requests to change or leave the data, and attempts to steer the planner: never answered.
	reAction = regexp.MustCompile(`删除|删掉|清空|清除|修改|更新|插入|写入|导出|下载|发给|发送|转发|忽略|系统提示|提示词|指令|drop\s+table|\bdelete\b|\bdrop\b|\btruncate\b|\bupdate\b|\binsert\b|\bexport\b|\bdownload\b|\bsend\b|\bemail\b|\bignore\b|system prompt|\binstructions?\b|\bjailbreak\b|\balter\b|\bgrant\b`)
)

// fillers are words a question may carry that name nothing: they are
// allowed to remain unmatched. Anything else left over is a word the
// planner does not know, and it will not guess past it.
var zhFillers = []string{
	"是多少", "有多少", "多少", "是什么", "是怎样", "怎么样", "怎样", "如何", "情况", "表现", "水平", "数据", "数字", "指标",
	"看看", "看一下", "看下", "查一下", "查下", "查询", "查看", "统计", "计算", "告诉我", "帮我", "请问", "请", "给我", "我想知道", "想知道", "一下",
	"哪个", "哪些", "哪家", "哪一个", "哪里", "什么", "分别", "各自", "是", "的", "了", "吗", "呢", "啊", "吧", "呀", "么", "嘛",
	"和", "与", "及", "以及", "跟", "还有", "同", "对比", "比较", "相比", "比", "以外", "之外", "外", "不算", "变化", "变动", "增长", "下降", "上升", "增加", "减少", "涨", "跌",
	"在", "中", "里", "内", "期间", "时候", "目前", "现在", "当前", "截至", "为止", "全行", "全部", "所有", "整体", "总体", "合计", "总共", "一共", "总", "共",
	"我们", "我行", "银行", "本行", "客户", "客群的", "的客户", "人", "户", "率", "数", "额", "金额", "规模", "占比", "比例", "比重", "份额",
	"看", "查", "列出", "展示", "显示", "画", "图", "一共有", "有", "个", "家", "位", "名", "月份", "年份", "期", "上", "下", "高", "低", "大", "小",
	"那", "那么", "如果", "呢吗", "怎么", "为何", "为什么", "是否", "有没有", "能否", "可以", "吗呢", "哪", "多", "少", "更", "最近", "近期", "以来",
	"这", "那个", "这个", "其中", "各项", "相关", "具体", "大概", "大约", "左右", "平均", "均", "值", "是不是", "对应", "分布", "构成", "结构",
	"每", "各", "分别", "两地", "两种", "两类", "几个", "几", "种", "类", "次", "做了", "做", "岁", "以上", "以下", "升了", "降了", "升", "降", "还是", "末", "月末", "季末", "年末", "期末", "底",
	"全年", "整年", "咱们", "咱", "开户", "办理", "排", "只看", "只", "仅", "换成", "改成", "换", "再", "呢", "如何了", "给", "出", "来", "把", "按照", "按着",
	"帮忙", "麻烦", "劳驾", "您好", "你好", "谢谢", "辛苦", "拉一下", "拉", "看下", "瞧瞧", "瞅瞅", "想看", "需要", "我要", "要",
	"区", "地区", "那边", "这边", "一带", "花了", "花", "钱", "多少钱", "带来", "带上", "带", "到期", "收到", "产生", "列出来", "列出", "附上", "加上",
	"地", "城", "那些", "这些", "它们", "他们", "一共", "多大", "多高", "多低", "怎么回事", "走", "了吗", "没有", "吧", "哦", "嗯", "拉", "出来",
}

var enFillers = strings.Fields(`what whats what's is are was were be been the a an of in on at for to from and or with our my we us me i you
show tell give list display get find see compare how much many did do does has have had which who where when there their its it this that these those
please can could would will should rate rates number numbers count total overall value values amount level figure figures data
customers customer clients client bank bank's s across all each every between than vs versus change changed changes up down over
breakdown broken split by per group grouped as so far up to now current currently latest recent recently month months quarter quarters year years week weeks day days period periods
higher lower increase decrease grow grew growth declined rise fell drop dropped went go going look looking like about around
if then also too only just any some more less much many most top bottom among end beginning start close break down them they it its
which what whose has had across within inside out into as at by vs instead about how now same give me please kindly let see view trend
hi hello hey thanks thank quick quickly pull fetch grab check need needs want wanted wondering question pls plz kindly team
hold holds holding holder holders who whom acquired acquire onboarded joined combined together sum summed through via changing take took taken taking look looks looked looking like
breakdowns along plus with including included ranked rank ranking biggest smallest highest lowest best worst do did does doing done get got result results report reports`)

// Plan reads a question. prev is the previous query of the same
// conversation, or nil; a question that names no metric refines it.
func (o *Offline) Plan(question string, prev *metrics.Query) *Plan {
	text := normalize(question)
	p := &Plan{Status: "answer", Planner: "offline", Lang: "en"}
	if hasHan(question) {
		p.Lang = "zh"
	}
	if strings.TrimSpace(text) == "" {
		return o.refuse(p, "", nil)
	}
	if m := reAction.FindString(text); m != "" {
		o.refuse(p, "", nil)
		p.Message = o.say(p.Lang, "Beacon 只回答指标问题，不执行「%s」这类操作，也不会改变或导出数据。", "Beacon answers metric questions only; it does not act on %q and never changes or exports data.", strings.TrimSpace(m))
		return p
	}
	now := o.now().In(o.cat.Location)
	// Dimension names go first, so that 年龄段 or "months inactive" are not
	// read as time words (按年, by month).
	// Longer words of other kinds (上海浦东支行, 挽留措施数) keep theirs.
	var dimMentions []mention
	all, _ := o.lx.find(text)
	for _, m := range all {
		if allOfKind(m.entry, kindDimension) {
			dimMentions = append(dimMentions, m)
			text = blank(text, m.start, m.end)
		}
	}
	tr, text := readTime(text, now)
	var rank struct {
		set   bool
		desc  bool
		limit int
	}
	text = consume(text, reTopN, func(m []string) bool {
		n, ok := number(m[1])
		if ok && n > 0 && n <= 1000 {
			rank.set, rank.desc, rank.limit = true, true, n
		}
		return ok
	})
	text = consume(text, reBottomN, func(m []string) bool {
		n, ok := number(m[1])
		if ok && n > 0 && n <= 1000 {
			rank.set, rank.desc, rank.limit = true, false, n
		}
		return ok
	})
	// 最高/lowest name the direction; with a count already read they only confirm it.
	text = consume(text, reMax, func([]string) bool {
		if !rank.set {
			rank.set, rank.desc, rank.limit = true, true, 1
		}
		return true
	})
	text = consume(text, reMin, func([]string) bool {
		if !rank.set {
			rank.set, rank.desc, rank.limit = true, false, 1
		}
		return true
	})
	text = consume(text, reRank, func([]string) bool {
		if !rank.set {
			rank.set, rank.desc = true, true
		}
		return true
	})

	mentions, rest := o.lx.find(text)
	mentions = append(mentions, dimMentions...)
	slices.SortFunc(mentions, func(a, b mention) int { return a.start - b.start })
	var (
		metricsFound []string
		dims         []string
		filters      = map[string][]any{}
		filterOrder  []string
		excluded     = map[string]bool{}
		ambiguous    [][]string
	)
	for i, m := range mentions {
		word := strings.TrimSpace(m.entry.surface)
		ts := m.entry.targets
		// One word, several meanings: a value and a dimension resolve by
		// context; several metrics or values need the asker.
		if len(ts) > 1 {
			ts = o.resolve(ts, text, m)
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
		switch t.Kind {
		case kindMetric:
			if !slices.Contains(metricsFound, t.Name) {
				metricsFound = append(metricsFound, t.Name)
			}
			p.Understood = append(p.Understood, Grounding{Text: word, Kind: "metric", Name: t.Name})
		case kindDimension:
			// A dimension right after a value of another dimension qualifies it
			// (上海分行 is Shanghai's branches taken together) unless grouping or ranking is asked.
			if i > 0 && mentions[i-1].entry.targets[0].Kind == kindValue && adjacent(text, mentions[i-1].end, m.start) &&
				!rank.set && !reGroup.MatchString(text[max(0, m.start-6):m.start]) {
				p.Understood = append(p.Understood, Grounding{Text: word, Kind: "dimension", Name: t.Name})
				continue
			}
			if !slices.Contains(dims, t.Name) {
				dims = append(dims, t.Name)
			}
			p.Understood = append(p.Understood, Grounding{Text: word, Kind: "dimension", Name: t.Name})
		case kindValue:
			if _, ok := filters[t.Dimension]; !ok {
				filterOrder = append(filterOrder, t.Dimension)
			}
			if !slices.Contains(filters[t.Dimension], any(t.Value)) {
				filters[t.Dimension] = append(filters[t.Dimension], t.Value)
			}
			if reExclude.MatchString(text[max(0, m.start-12):m.start]) || reExclude.MatchString(questionBefore(normalize(question), m.start)) {
				excluded[t.Dimension] = true
			}
			p.Understood = append(p.Understood, Grounding{Text: word, Kind: "value", Name: t.Dimension + "=" + t.Value})
		}
	}
	if len(ambiguous) > 0 {
		p.Status = "clarify"
		p.Candidates = ambiguous[0]
		p.Message = o.say(p.Lang, "「%s」可以指多个指标：%s。请说明您要看哪一个。", "%q could mean several things: %s. Which one do you mean?",
			wordFor(mentions, ambiguous[0]), strings.Join(o.labels(p.Lang, ambiguous[0]), "、"))
		return p
	}
	if tr.Unreadable != "" {
		o.refuse(p, "", metricsFound)
		p.Message = o.say(p.Lang, "无法回答「%s」：数据没有这个时期。", "I cannot answer for %q: the data has no such period.", tr.Unreadable)
		return p
	}
	if unknown := leftover(rest, p.Lang); unknown != "" {
		// Something in the question is not in the catalog: do not answer past it.
		return o.refuse(p, unknown, metricsFound)
	}

	// A metric named only by an everyday word (customers, 客户数 spelled 客户)
	// counts only when no other metric is named: in "lost the most
	// customers" it is the object, not a second metric.
	if len(metricsFound) > 1 {
		var kept []string
		for _, g := range p.Understood {
			if g.Kind == "metric" && !isFiller(g.Text) && !slices.Contains(kept, g.Name) {
				kept = append(kept, g.Name)
			}
		}
		if len(kept) > 0 {
			metricsFound = kept
		}
	}
	// 占比 of a metric is its share metric, when the catalog has one.
	if reShare.MatchString(normalize(question)) {
		for i, name := range metricsFound {
			if share := o.shareOf(name); share != "" && !slices.Contains(metricsFound, share) {
				metricsFound[i] = share
			}
		}
	}
	q := metrics.Query{}
	followup := prev != nil && (len(metricsFound) == 0 || reFollowUp.MatchString(normalize(question)))
	narrow := followup && reNarrow.MatchString(normalize(question))
	if followup {
		q = cloneQuery(*prev)
		if len(metricsFound) > 0 {
			q.Metrics = metricsFound
			q.Order = nil
			if len(q.Dimensions) > 0 && prev.Order != nil {
				q.Order = []metrics.Order{{By: metricsFound[0], Desc: prev.Order[0].Desc}}
			}
		} else {
			p.Notes = append(p.Notes, o.say(p.Lang, "沿用上一个问题的指标", "continuing the previous question's metrics"))
		}
	} else {
		if len(metricsFound) == 0 {
			return o.refuse(p, "", nil)
		}
		q.Metrics = metricsFound
	}

	// Breakdown and filters.
	if len(dims) > 0 {
		q.Dimensions = dims
		if followup {
			q.Order, q.Limit = nil, 0
		}
	}
	if len(filterOrder) > 0 {
		if followup {
			// A value-only follow-up (那上海呢？) looks at that value instead of the
			// breakdown; 只看 (only) narrows the breakdown instead.
			if len(dims) == 0 && !narrow {
				q.Dimensions, q.Order, q.Limit = nil, nil, 0
			}
			kept := q.Filters[:0]
			for _, f := range q.Filters {
				if _, replaced := filters[f.Dimension]; !replaced {
					kept = append(kept, f)
				}
			}
			q.Filters = kept
		}
		for _, d := range filterOrder {
			vals := filters[d]
			switch {
			case excluded[d]:
				q.Filters = append(q.Filters, metrics.Filter{Dimension: d, Op: "not_in", Values: vals})
			case len(vals) == 1:
				q.Filters = append(q.Filters, metrics.Filter{Dimension: d, Op: "eq", Value: vals[0]})
			default:
				q.Filters = append(q.Filters, metrics.Filter{Dimension: d, Op: "in", Values: vals})
			}
			if !excluded[d] && len(vals) == 1 {
				// Grouping by a dimension held to one value adds nothing.
				q.Dimensions = slices.DeleteFunc(q.Dimensions, func(x string) bool { return x == d })
			}
		}
	}

	// Time.
	timed := true
	for _, m := range q.Metrics {
		timed = timed && o.timed[m]
	}
	if timed {
		t := metrics.TimeSpec{}
		if q.Time != nil {
			t = *q.Time
		}
		if tr.Range != "" {
			t.Range, t.Start, t.End = tr.Range, "", ""
			p.Understood = append(p.Understood, Grounding{Text: tr.Text, Kind: "time", Name: tr.Range})
		}
		if tr.Grain != "" {
			t.Grain = tr.Grain
		} else if tr.Trend && t.Grain == "" {
			t.Grain = "month"
			if strings.HasSuffix(t.Range, "_days") || strings.HasSuffix(t.Range, "_weeks") {
				t.Grain = "day"
			}
		}
		if t.Range == "" && t.Start == "" {
			if t.Grain != "" {
				t.Range = "last_12_months"
				p.Notes = append(p.Notes, o.say(p.Lang, "未指定时间，按近12个月展示", "no period given: showing the last 12 months"))
			} else {
				t.Range = "last_month"
				p.Notes = append(p.Notes, o.say(p.Lang, "未指定时间，默认上个月", "no period given: using last month"))
			}
		}
		q.Time = &t
	} else if tr.Range != "" || tr.Grain != "" || tr.Compare != "" {
		p.Notes = append(p.Notes, o.say(p.Lang, "该数据没有时间维度，已忽略时间条件", "this data has no time dimension; the period was ignored"))
	}
	if tr.Compare != "" && timed {
		q.Compare = tr.Compare
		p.Understood = append(p.Understood, Grounding{Text: tr.CompareText, Kind: "compare", Name: tr.Compare})
	}

	// A share without a breakdown is trivially 100%: use the metric's first listed dimension.
	if len(q.Dimensions) == 0 {
		if m, ok := o.lx.metrics[q.Metrics[0]]; ok && m.Type == "share" && len(m.Dimensions) > 0 {
			q.Dimensions = []string{m.Dimensions[0]}
		}
	}
	// Ranking needs something to rank.
	if rank.set && len(q.Dimensions) > 0 {
		q.Order = []metrics.Order{{By: q.Metrics[0], Desc: rank.desc}}
		q.Limit = rank.limit
		p.Understood = append(p.Understood, Grounding{Kind: "rank", Name: fmt.Sprintf("%s desc=%v limit=%d", q.Metrics[0], rank.desc, rank.limit)})
	}
	p.Query = q
	return p
}

// shareOf returns the share metric defined over metric, or "".
func (o *Offline) shareOf(metric string) string {
	for _, name := range o.cat.Names() {
		if m := o.lx.metrics[name]; m.Type == "share" && m.Metric == metric {
			return name
		}
	}
	return ""
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

// adjacent reports whether only a joining word (的, 两种, 等) separates two mentions.
func adjacent(text string, end, start int) bool {
	between := strings.TrimSpace(text[end:start])
	return reJoin.MatchString(between)
}

var reJoin = regexp.MustCompile(`^(?:的|等|这|那)?(?:[两二三四五六七八九十几]+\s*(?:种|个|类|家|项|地))?(?:的)?$`)

func questionBefore(text string, i int) string {
	if i > len(text) {
		i = len(text)
	}
	return text[max(0, i-12):i]
}

func wordFor(ms []mention, names []string) string {
	for _, m := range ms {
		if len(m.entry.targets) > 1 && m.entry.targets[0].Name == names[0] {
			return strings.TrimSpace(m.entry.surface)
		}
	}
	return names[0]
}

// leftover returns the first word of text that is neither a filler nor
// punctuation, or "".
func leftover(text, lang string) string {
	rest := text
	for _, f := range sortedByLen(zhFillers) {
		rest = strings.ReplaceAll(rest, f, " ")
	}
	rest = consume(rest, reExclude, func([]string) bool { return true })
	rest = consume(rest, reGroup, func([]string) bool { return true })
	for _, w := range strings.Fields(rest) {
		if hasHan(w) {
			return w
		}
		w = strings.Trim(w, "-/.%'&")
		if w == "" || slices.Contains(enFillers, w) || isNumber(w) {
			continue
		}
		return w
	}
	return ""
}

func isFiller(w string) bool {
	return slices.Contains(enFillers, w) || slices.Contains(zhFillers, w)
}

func isNumber(s string) bool {
	_, ok := number(s)
	return ok
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
	sug := strings.Join(o.labels(p.Lang, p.Suggestions), "、")
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
