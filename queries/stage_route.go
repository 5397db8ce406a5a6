package queries

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/risk"
)

// The words that send a question to a capability other than a metric
// query. They are read on the normalized question; each route then blanks
// its own words and accounts for the rest as a metric question would.
var (
	// What-if: a condition (如果, if we) and something kept (挽回, keep).
	reIf   = regexp.MustCompile(`如果|假如|假设|要是|倘若|若是|\bwhat if\b|\bif\b|\bsuppose\b|\bsupposing\b|\bimagine\b|\bwere to\b`)
	reKeep = regexp.MustCompile(`挽回|留住|挽留|保住|留下|救回|\bstay(?:ed)?\b|\bkeep\b|\bkept\b|\bsave[ds]?\b|\bretain(?:ed)?\b|\bwin(?:s)? back\b|\bwon back\b|\bhold on to\b|\bhang on to\b|\brescue[ds]?\b`)
	// Uplift: whether retention actions worked.
	reUplift = regexp.MustCompile(`效果|成效|有效|值不值|值得|划算|\bworth (?:it|the money|the cost)\b|\bcost per\b|\bdid\b.*\b(?:keep|retain|save|stop|prevent|reduce)\b|有没有用|有用吗|有用没|管不管用|管用|起作用|奏效|见效|\buplift\b|\bwork(?:ed|s|ing)?\b|\beffective(?:ness)?\b|\beffects?\b|\bpa(?:y|id) off\b|\bmake a difference\b|\bmade a difference\b|\bimpact\b|\bhelp(?:ed)?\b`)
	// Actions whose effect is asked: a retention word must be there for
	// 效果 to mean the uplift view.
	reRetentionWord = regexp.MustCompile(`挽留|挽回|回访|措施|活动|电话|外呼|优惠|减免|理财|\bretention\b|\bcalls?\b|\bcalling\b|\bactions?\b|\boffers?\b|\bwaivers?\b|\bcampaigns?\b|\boutreach\b|\binterventions?\b|\bsave desk\b`)
	// The early-warning list: who is at risk of leaving.
	reRiskList = regexp.MustCompile(`最可能流失|最有可能流失|可能流失|可能会流失|容易流失|快要流失|即将流失|要流失|有流失风险|流失风险|没动过账|没动账|没有动过|未动账|\bchurn risk\b|\brisk of (?:leaving|churn\w*)\b|\bmedium risk\b|\blow risk\b|\bmoderate risk\b|流失预警|预警|风险客户|高风险|中风险|低风险|失联|沉睡|休眠|不活跃|没有交易|无交易|没交易|没有动账|没有活动|无活动|\blikely to (?:leave|churn|go|close)\b|\bat risk\b|\bat-risk\b|\brisk list\b|\bwatch ?list\b|\bearly warning\b|\bflight risk\b|\babout to (?:leave|churn)\b|\bgoing to (?:leave|churn)\b|\b(?:might|could|may) (?:leave|churn)\b|\bhigh risk\b|\bhighest risk\b|\binactive\b|\bdormant\b|\bno activity\b|\bno transactions?\b|\bgone quiet\b|\bgone silent\b|\bdisengaged\b`)
	// A count asked: 多少, how many.
	reCountAsked = regexp.MustCompile(`多少|几个|几位|几人|数量|人数|总数|客户数|户数|\bhow many\b|\bnumber of\b|\bcount\b|\btotal\b`)
	// A list asked: 哪些, 名单, who.
	reListAsked = regexp.MustCompile(`哪些|哪几|名单|清单|列表|明细|是谁|有谁|\bwho\b|\bwhich\b|\blist\b|\bnames?\b|\bshow me the\b`)
	// Expected churn: the future count of leavers the scores foresee.
	reExpected  = regexp.MustCompile(`预计|预期|预测|估计|将会|会有|会流失|\bexpected\b|\bexpect\b|\bforecast\w*|\bpredict\w*|\bproject(?:ed|ion)\b|\bwill\b|\bgoing to\b|\blikely\b|\bnext (?:month|quarter)\b|下个?月|下个?季度`)
	reChurnWord = regexp.MustCompile(`流失|离开|走掉|销户|\bchurn\w*|\bleav(?:e|ing)\b|\blos(?:e|es|ing|t)\b|\bleavers\b|\bdefect\w*|\battrition\b`)
	// Tier words.
	reTierHigh   = regexp.MustCompile(`高风险|风险最高|风险高|最可能|最有可能|\bhigh(?:est)? risk\b|\bmost likely\b|\bmost at risk\b|\bhigh tier\b`)
	reTierMedium = regexp.MustCompile(`中风险|中等风险|\bmedium risk\b|\bmedium tier\b|\bmoderate risk\b`)
	reTierLow    = regexp.MustCompile(`低风险|\blow risk\b|\blow tier\b`)
	// N months without activity: 3个月没有交易, inactive for 6 months.
	reInactiveZH  = regexp.MustCompile(`(` + countPattern + `)\s*个?月(?:以上|及以上|或以上|或更久|多)?\s*(?:都|均|一直|内|里|以来)?\s*(?:没有|没|无|未|不)`)
	reInactiveZH2 = regexp.MustCompile(`(?:失联|沉睡|休眠|不活跃|没有交易|无交易|没有活动|无活动|没有动账|没动过账)\s*(?:超过|达到|满|已)?\s*(` + countPattern + `)\s*个?月`)
	reInactiveEN  = regexp.MustCompile(`(?:inactive|dormant|no activity|no transactions?|not transacted|gone quiet|silent|without (?:any )?(?:activity|transactions?))\s+(?:for|in|over)?\s*(?:the\s+)?(?:last\s+|past\s+)?(?:at least\s+|more than\s+|over\s+)?(` + countPattern + `)\+?\s*months?`)
	reInactiveEN2 = regexp.MustCompile(`(` + countPattern + `)\+?\s*months?\s+(?:or more\s+)?(?:of\s+)?(?:inactivity|without (?:any )?(?:activity|transactions?)|with no (?:activity|transactions?)|inactive|dormant)`)
	reInactive    = regexp.MustCompile(`失联|沉睡|休眠|不活跃|没有交易|无交易|没交易|没有活动|无活动|没有动账|没动过账|没动账|没有动过|未动账|\binactive\b|\bdormant\b|\bno activity\b|\bno transactions?\b|\bgone quiet\b|\bgone silent\b`)
	// A count of customers: top 20, 前20名, 20个客户.
	reRouteN = regexp.MustCompile(`(?:前|top\s*|first\s+|最高的\s*|highest\s+|riskiest\s+)(` + countPattern + `)\b|(` + countPattern + `)\s*(?:名|个|位|户|家)?\s*(?:客户|customers|clients|people)|(` + countPattern + `)\s*(?:名|位|户)|(` + countPattern + `)\s*个\s*[^月\s]|\b(` + countPattern + `)\s+(?:[a-z]+\s+){0,4}(?:customers|clients|people|accounts|members|users|ones)\b`)
	// The words of the routes themselves, blanked before the account.
	reRouteWords = regexp.MustCompile(`如果|假如|假设|要是|倘若|若是|我们|咱们|能|能够|可以|会|将会|将|大概|大约|预计|预期|预测|估计|挽回|留住|挽留|保住|留下|救回|效果|成效|有没有用|有用吗|有用没|管不管用|管用|有用|没用|用|有效|值不值|值得|划算|反而|快要|即将|要|任何|一份|份|给我|挑|选|最危险|危险|一遍|遍|联系|列一下|列|动过账|动过|动账|过|哪种|对比|一下|起作用|奏效|见效|怎么样|如何|好不好|到底|究竟|流失|离开|走掉|销户|可能|有可能|最|风险|预警|名单|清单|列表|明细|客户|客群|最近|之后|以后|接下来|打电话|打给|致电|联系|回访|外呼|采取|开展|做|给|对|把|他们|她们|这些|那些|谁|哪些|人|位|名|户|个|多少|几|金额|资产|钱|失联|沉睡|休眠|不活跃|没有|没|无|未|交易|动账|活动|以上|超过|达到|满|都|一直|内|里|以来|及|或更久|月|个月|措施|活动|行动|电话|提升|带来|的|了|吗|呢|什么|导致|造成|引起|原因|为什么|为何|怎么回事|怎么会|归因|驱动因素|分析|解释|说明|变化|变动|变了|变|拆开|拆分|拆|分解|细分|看|主要|来自|贡献|` +
		`\bwhat if\b|\bif\b|\bsuppose\b|\bsupposing\b|\bimagine\b|\bwere to\b|\bwe\b|\bour\b|\bcall(?:ed|ing|s)?\b|\bphone(?:d)?\b|\bcontact(?:ed)?\b|\breach(?:ed)? out to\b|\boffer(?:ed)?\b|\btarget(?:ed)?\b|\bgive\b|\bwould\b|\bcould\b|\bcan\b|\bshould\b|\bwill\b|\bhow many\b|\bhow much\b|\bkeep\b|\bkept\b|\bsave[ds]?\b|\bretain(?:ed)?\b|\bwin(?:s)? back\b|\bwon back\b|\bhold on to\b|\brescue[ds]?\b|\bat risk\b|\bat-risk\b|\brisk(?:iest|y)?\b|\blikely\b|\bto\b|\bleav(?:e|ing)\b|\bchurn(?:ed|ing|ers)?\b|\bgo\b|\bclose\b|\bleavers\b|\bdid\b|\bdo\b|\bdoes\b|\bwork(?:ed|s|ing)?\b|\beffective(?:ness)?\b|\beffects?\b|\buplift\b|\bpa(?:y|id) off\b|\bmake a difference\b|\bmade a difference\b|\bimpact\b|\bhelp(?:ed)?\b|\bretention\b|\bactions?\b|\bcampaigns?\b|\boutreach\b|\binterventions?\b|\bwaivers?\b|\bcustomers?\b|\bclients?\b|\bpeople\b|\bwho\b|\bwhich\b|\blist\b|\bnames?\b|\bwatch ?list\b|\bearly warning\b|\bflight\b|\babout\b|\bgoing\b|\bmight\b|\bmay\b|\bhigh(?:est)?\b|\bmedium\b|\bmoderate\b|\blow\b|\btier\b|\bmost\b|\bthe\b|\bthem\b|\bthose\b|\bthese\b|\binactive\b|\bdormant\b|\bno\b|\bactivity\b|\binactivity\b|\btransactions?\b|\btransacted\b|\bnot\b|\bwithout\b|\bany\b|\bgone\b|\bquiet\b|\bsilent\b|\bdisengaged\b|\bfor\b|\bin\b|\bover\b|\blast\b|\bpast\b|\bat least\b|\bmore than\b|\bor more\b|\bmonths?\b|\bof\b|\baum\b|\bassets?\b|\bmoney\b|\bdeposits?\b|\bexpected\b|\bexpect\b|\bforecast\w*|\bpredict\w*|\bproject(?:ed|ion)\b|\bnext\b|\bwhy\b|\bwhat\b|\bactually\b|\breally\b|\befforts?\b|\bprogram(?:me)?s?\b|\binitiatives?\b|\bworth\b|\bmoney\b|\bextra\b|\beach\b|\bus\b|\bcosts?\b|\bstay(?:ed)?\b|\bstop\b|\bprevent\b|\bfrom\b|\bbased on\b|\bscores?\b|\bmembers?\b|\bits\b|\bplease\b|\bphone[ds]?\b|\bimprov\w*|\bworsen\w*|\breason\b|\bbehind\b|\blose\b|\bmore\b|\bfewer\b|\bless\b|\bhigher\b|\blower\b|\bcaused?\b|\bdrove\b|\bdriv(?:e|ing|ers?)\b|\bbehind\b|\breasons?\b|\bexplain\b|\bbreak\b|\bmove[ds]?\b|\bchange[ds]?\b|\bwent\b|\bso\b|\bmuch\b`)
)

// Metrics a route question may name as part of its intent: 流失 in
// 哪些客户最可能流失 is the subject of the list, not a figure asked.
var routeMetricWords = map[string][]string{
	RouteRiskList: {"churn_rate", "churned_customers", "customers", "active_customers", "retention_rate", "high_risk_customers"},
	RouteUplift:   {"churn_rate", "churned_customers", "customers", "retention_rate", "retention_actions", "win_back_rate", "retention_cost"},
	RouteWhatIf:   {"churn_rate", "churned_customers", "customers", "retention_rate", "retention_actions", "aum", "retention_cost", "win_back_rate", "high_risk_customers"},
}

// Governed metrics over the early-warning scores (models/demo_bank.yaml):
// questions of expected churn and of how many are at high risk read them.
const (
	metricExpectedChurn = "expected_churn"
	metricHighRisk      = "high_risk_customers"
)

// readRoute sends a question to a capability other than a metric query:
// why a metric moved (explain), who is likely to leave (the risk list),
// whether retention actions worked (uplift), what acting would keep
// (what-if); and reads expected churn and high-risk counts as the
// governed metrics over the scores. A metric question passes on.
func (o *Offline) readRoute(r *reading) bool {
	n := routeText(r)
	kind := o.routeKind(r, n)
	if kind == "" && r.after != nil && r.followsUp() {
		// 按分行看呢, only the top 20: the previous routed answer, refined.
		return o.routeFollowUp(r)
	}
	if r.after != nil && kind == r.after.Route && kind != RouteExplain && (reFollowUp.MatchString(r.norm) || reAnaphor.MatchString(r.norm)) {
		// and medium risk?, 那3个月没交易的呢: the same route, refined; a
		// why asks afresh, with its own premise.
		return o.routeFollowUp(r)
	}
	switch kind {
	case RouteWhatIf:
		return o.routeWhatIf(r, nil)
	case routeAct:
		o.refuse(r.plan, "", nil)
		r.plan.Message = r.say("Beacon 只回答问题，不会替您联系客户或执行「%s」这类操作。可以问名单或挽留测算，例如「高风险客户名单」。",
			"Beacon answers questions; it does not contact customers or act on %q. You can ask for the list or a what-if, for example \"the high-risk customers\".", strings.TrimSpace(reActNow.FindString(n)))
		return true
	case RouteExplain:
		return o.routeExplain(r)
	case RouteUplift:
		return o.routeUplift(r, nil)
	case metricExpectedChurn:
		if _, ok := o.cat.Metric(metricExpectedChurn); !ok {
			// Without scores there is no expectation to sum: a forecast,
			// never last month's count.
			o.refuse(r.plan, "", nil)
			r.plan.Message = r.say("「%s」问的是预计流失，需要流失预警评分（expected_churn），目录中还没有；Beacon 不做预测，因此不给出数字。",
				"%q asks for expected churn, which needs the early-warning scores (expected_churn), not in the catalog; Beacon does not forecast, so it gives no number.", strings.TrimSpace(reExpected.FindString(r.norm)))
			return true
		}
		o.expectedChurn(r)
		return false
	case metricHighRisk:
		// How many are at high risk is the governed count, with its
		// breakdowns, not the list's total.
		if o.highRiskCount(r) {
			return false
		}
		return r.clarify(r.say("「%s」的数量需要指标「high_risk_customers」，目录中还没有它；可以问高风险客户名单，名单会给出总数。",
			"Counting %q needs the metric high_risk_customers, which the catalog does not have yet; you can ask for the high-risk list, which gives its total.", strings.TrimSpace(reTierHigh.FindString(n))))
	case RouteRiskList:
		return o.routeRiskList(r, nil)
	}
	return false
}

// routeAct marks an order to act on customers, which no route answers.
const routeAct = "act"

// routeKind names what a question asks of Beacon beside a metric query:
// a route, an order to act, or one of the governed metrics over the
// scores; "" for a metric question.
func (o *Offline) routeKind(r *reading, n string) string {
	switch {
	case reKeep.MatchString(n) && (reIf.MatchString(n) || reWould.MatchString(n) && routeCount(n) > 0):
		return RouteWhatIf
	case reActNow.MatchString(n) && !reIf.MatchString(n):
		return routeAct
	case reWhy.MatchString(r.text) || reCause.MatchString(r.text):
		return RouteExplain
	case reUplift.MatchString(n) && reRetentionWord.MatchString(r.norm):
		return RouteUplift
	case o.asksExpectedChurn(r.norm):
		return metricExpectedChurn
	case reTierHigh.MatchString(n) && reCountAsked.MatchString(n) && !reListAsked.MatchString(n):
		return metricHighRisk
	case reRiskList.MatchString(n):
		return RouteRiskList
	}
	return ""
}

// routeText is the question with its dimension and value words blanked:
// route words inside a catalog word (沉睡月数, months inactive) name the
// catalog's field, not a route. Metric words stay: 流失 in 最可能流失 is
// part of the route's own phrase.
func routeText(r *reading) string {
	t := r.norm
	for _, w := range r.words {
		if !routeIntentMetric(w) && w.end <= len(t) {
			t = blank(t, w.start, w.end)
		}
	}
	for _, m := range r.early {
		if allOfKind(m.entry, kindDimension) {
			t = blank(t, m.start, m.end)
		}
	}
	return t
}

// routeIntentMetric reports whether w is a metric word some route takes
// as part of its phrase (流失, customers).
func routeIntentMetric(w word) bool {
	if w.kind != kindMetric {
		return false
	}
	for _, names := range routeMetricWords {
		if slices.Contains(names, w.name) {
			return true
		}
	}
	return false
}

// routeVocabulary blanks a route's own words and drops the metric words
// that only state its intent; a metric word of another kind is asked back.
func (o *Offline) routeVocabulary(r *reading, route string, also ...string) bool {
	r.text = consume(r.text, reRouteWords, func([]string) bool { return true })
	r.text = consume(r.text, reGroup, func([]string) bool { return true })
	var kept []word
	for _, w := range r.words {
		if w.kind == kindMetric {
			if !slices.Contains(routeMetricWords[route], w.name) && !slices.Contains(also, w.name) {
				return r.clarify(r.say("这个问题转到%s，它不按「%s」回答。请去掉这个词，或改问这个指标本身。",
					"This question goes to %s, which does not answer by %q. Leave that word out, or ask about the metric itself.", routeName(r.plan.Lang, route), w.surface))
			}
			continue
		}
		kept = append(kept, w)
	}
	r.words = kept
	return false
}

// routed ends the reading with a route request, once every word is
// accounted for.
func (o *Offline) routed(r *reading, route string, req *RouteRequest) bool {
	if o.account(r) {
		return true
	}
	p := r.plan
	p.Status, p.Route, p.Request, p.Query = "answer", route, req, metrics.Query{}
	r.understood(routeName(p.Lang, route), "route", route)
	return true
}

// valueOf returns the single value the question names of dim, and
// whether it named several.
func (r *reading) valueOf(dim string) (string, bool) {
	v, several := "", false
	for _, w := range r.words {
		if w.kind == kindValue && w.name == dim && !w.excluded {
			if v != "" && v != w.value {
				several = true
			}
			if v == "" {
				v = w.value
			}
		}
	}
	return v, several
}

// otherValue returns the surface of a value word of a dimension outside
// dims, which the route cannot filter by.
func (r *reading) otherValue(dims ...string) string {
	for _, w := range r.words {
		if w.kind == kindValue && !slices.Contains(dims, w.name) {
			return w.surface
		}
	}
	return ""
}

// routeCount reads the number of customers a question names (top 20,
// 前50名, 100 customers), or 0.
func routeCount(text string) int {
	m := reRouteN.FindStringSubmatch(text)
	if m == nil {
		return 0
	}
	for _, s := range m[1:] {
		if n, ok := number(s); ok && n > 0 {
			return n
		}
	}
	return 0
}

// routeRiskList reads a list question; base is the previous list a
// follow-up refines (only the top 20, 只看高净值客群的), or nil.
func (o *Offline) routeRiskList(r *reading, base *RiskListRequest) bool {
	req := &RiskListRequest{}
	if base != nil {
		req = base
	}
	n := routeText(r)
	switch {
	case reTierMedium.MatchString(n):
		req.Tier = risk.TierMedium
	case reTierLow.MatchString(n):
		req.Tier = risk.TierLow
	case reTierHigh.MatchString(n) || base == nil && !reInactive.MatchString(n):
		req.Tier = risk.TierHigh
	}
	if reInactive.MatchString(n) {
		req.Inactive = inactiveMonths(n)
		if req.Inactive == 0 {
			return r.clarify(r.say("「%s」指多少个月没有交易？请写明月数（例如「3个月没有交易的客户」）。",
				"How many months without a transaction does %q mean? Give the months (for example \"customers inactive for 3 months\").", strings.TrimSpace(reInactive.FindString(n))))
		}
		// The months belong to the inactivity, not to a period.
		r.time = timeRead{}
	}
	if limit := routeCount(r.norm); limit > 0 && !(limit == req.Inactive && !reTopN.MatchString(r.norm)) {
		req.Limit = limit
	} else if r.rank.limit > 1 {
		req.Limit = r.rank.limit
	}
	seg, several := r.valueOf("segment")
	br, severalB := r.valueOf("branch")
	if several || severalB {
		return r.clarify(r.say("名单一次只按一个客群或网点筛选，请选一个。", "The list filters by one segment or branch at a time; pick one."))
	}
	if base != nil && reWhole.MatchString(r.norm) {
		req.Segment, req.Branch = "", ""
		r.text = consume(r.text, reWhole, func([]string) bool { return true })
	}
	if seg != "" {
		req.Segment = seg
	}
	if br != "" {
		req.Branch = br
	}
	if w := r.otherValue("segment", "branch"); w != "" {
		return r.clarify(r.say("流失预警名单只能按客群、网点和风险等级筛选，不能按「%s」筛选。", "The early-warning list filters by segment, branch and risk tier only, not by %q.", w))
	}
	if w := r.breakdownWord(); w != "" {
		return r.clarify(r.say("流失预警名单按流失概率排序列出客户，不按「%s」分组；可以只看其中一个客群或网点。", "The early-warning list ranks customers by their probability of leaving; it is not broken down by %q. You can keep one segment or branch.", w))
	}
	if o.routeVocabulary(r, RouteRiskList) {
		return true
	}
	if r.time.Range != "" || r.time.Start != "" {
		return r.clarify(r.say("流失预警名单取最新一次评分，不能按「%s」选时期；去掉时间再问即可。", "The early-warning list is the latest scoring; it cannot be read for %q. Ask without the period.", r.time.Text))
	}
	r.text = consume(r.text, reDigitsOnly, func(m []string) bool {
		n, _ := number(m[1])
		return n == req.Limit || n == req.Inactive
	})
	return o.routed(r, RouteRiskList, &RouteRequest{Risk: req})
}

// breakdownWord returns the surface of a dimension named as a breakdown
// (按渠道, by channel): not one that qualifies a value named (高净值客群)
// or a condition's field.
func (r *reading) breakdownWord(except ...string) string {
	for _, w := range r.words {
		if w.kind != kindDimension || w.qualifier || w.condition || slices.Contains(except, w.name) {
			continue
		}
		if v, _ := r.valueOf(w.name); v != "" {
			continue
		}
		return w.surface
	}
	return ""
}

var reDigitsOnly = regexp.MustCompile(`(` + countPattern + `)`)

// inactiveMonths reads the months of inactivity a question names, or 0.
func inactiveMonths(text string) int {
	for _, re := range []*regexp.Regexp{reInactiveZH, reInactiveZH2, reInactiveEN, reInactiveEN2} {
		if m := re.FindStringSubmatch(text); m != nil {
			if n, ok := number(m[1]); ok && n > 0 && n <= 120 {
				return n
			}
		}
	}
	return 0
}

// highRiskCount reports whether a question asks how many customers are at
// high risk, and sends it to the high_risk_customers metric.
func (o *Offline) highRiskCount(r *reading) bool {
	n := r.norm
	if _, ok := o.cat.Metric(metricHighRisk); !ok {
		return false
	}
	r.text = consume(r.text, reTierHigh, func([]string) bool { return true })
	o.asMetric(r, metricHighRisk, strings.TrimSpace(reTierHigh.FindString(n)))
	return true
}

// expectedChurn reads 下个月预计流失多少 / expected churn as the governed
// expected_churn metric over the latest scores: its future words are the
// scores' own horizon, not a forecast Beacon refuses.
func (o *Offline) expectedChurn(r *reading) {
	n := r.norm
	surface := strings.TrimSpace(reChurnWord.FindString(n))
	r.text = consume(r.text, reExpected, func([]string) bool { return true })
	r.text = consume(r.text, reChurnWord, func([]string) bool { return true })
	r.text = consume(r.text, reFuture, func([]string) bool { return true })
	r.text = consume(r.text, reFromScores, func([]string) bool { return true })
	o.asMetric(r, metricExpectedChurn, surface)
}

// asksExpectedChurn reports whether a question asks how many customers
// the scores expect to leave (下个月预计流失多少, expected churn).
func (o *Offline) asksExpectedChurn(text string) bool {
	n := text
	if !reExpected.MatchString(n) || !reChurnWord.MatchString(n) || reListAsked.MatchString(n) && !reCountAsked.MatchString(n) {
		return false
	}
	if reRateAsked.MatchString(n) {
		return false // 下个月流失率会是多少: a future rate, which no score states
	}
	return reCountAsked.MatchString(n) || strings.Contains(n, "expected churn") || reExpectedChurnZH.MatchString(n)
}

var (
	reExpectedChurnZH = regexp.MustCompile(`预计流失|预期流失`)
	// Where the expectation comes from (根据风险评分, based on the risk
	// scores) and its future 会: the scores are what expected_churn sums.
	reFromScores = regexp.MustCompile(`根据|按照|依据|风险评分|评分|会|\bbased on\b|\baccording to\b|\bthe\b|\brisk\b|\bscores?\b|\bscoring\b|\bmodel\b`)
)

// reRateAsked asks for a rate rather than a number of customers.
var reRateAsked = regexp.MustCompile(`率|比例|占比|\brate\b|\bpercent(?:age)?\b|%`)

// asMetric makes name the question's metric in place of the churn words
// that stated it, and reads it over the latest scores.
func (o *Offline) asMetric(r *reading, name, surface string) {
	var kept []word
	for _, w := range r.words {
		if w.kind == kindMetric {
			continue
		}
		kept = append(kept, w)
	}
	// The word is the metric's own name: the churn word that stated it
	// (流失) must not lead to another count (流失客户数) later on.
	r.words = append([]word{{kind: kindMetric, name: name, surface: name}}, kept...)
	r.understood(surface, "metric", name)
	if isFuture(r.time) {
		r.time = timeRead{}
	}
	r.plan.Notes = append(r.plan.Notes, r.say("按最新一次风险评分", "from the latest risk scores"))
}

// isFuture reports whether the time read names no past period (下个月
// is not read as a range, so nothing was).
func isFuture(t timeRead) bool { return t.Range == "" && t.Start == "" }

func (o *Offline) routeExplain(r *reading) bool {
	why := strings.TrimSpace(reWhy.FindString(r.text) + reCause.FindString(r.text))
	premise := premiseWord(r.question)
	periods := r.time.ExtraRange != "" || r.time.Compare != ""
	// A comparative with one period named (lose more customers last month),
	// or with none and nothing it is compared to (why are we losing more
	// customers), is a move against the period before.
	comparative := reHigher.MatchString(r.norm) || reLower.MatchString(r.norm)
	compared := comparative && (r.time.Range != "" || r.time.Start != "" || !reThan.MatchString(r.norm))
	moved := compared || reGoodBad.MatchString(r.norm) || reRose.MatchString(r.norm) || reFell.MatchString(r.norm) || reSurge.MatchString(r.norm) || reSlump.MatchString(r.norm) || reMove.MatchString(r.norm) || bareDirection(r.norm) != ""
	if !moved && !periods {
		// Why a level is what it is (为什么这么高) is not a change between
		// two periods, which is what explain decomposes.
		return r.clarify(r.say("「%s」问的是原因。Beacon 能解释一个指标在两个时期之间的变化（例如「为什么上个月流失率上升了」），请说明要解释哪个时期的变化。",
			"%q asks for a cause. Beacon explains a metric's change between two periods (for example \"why did churn rate rise last month\"); say which period's change to explain.", why))
	}
	for dim, n := range valuesPerDimension(r.words, directionSpans(r.norm)) {
		if n > 1 && premise != "" && r.time.ExtraRange == "" {
			// 为什么普卡的逾期率比白金卡高: two groups, not two periods.
			return r.clarify(r.say("这个问题比较的是两个「%s」分组，不是两个时期；explain 只解释一个指标在两个时期之间的变化。可以分别查看两组的数值，或问某一组为什么变化。",
				"This compares two groups of %s, not two periods; explain decomposes a change between periods. Ask for both groups' figures, or why one of them changed.", dim))
		}
	}
	names := r.metricWords()
	if lost := o.lostCustomers(r); lost != "" {
		// 流失的客户变多了, losing more customers: the count of those lost.
		names = []string{lost}
	}
	if len(names) == 0 && r.prev != nil && len(r.prev.Metrics) > 0 {
		names = r.prev.Metrics[:1]
	}
	switch {
	case len(names) == 0:
		return r.clarify(r.say("「%s」问的是哪个指标的变化？请写明指标（例如「为什么上个月流失率上升了」）。",
			"%q: the change of which metric? Name it (for example \"why did churn rate rise last month\").", why))
	case len(names) > 1:
		return r.clarify(r.say("一次只解释一个指标的变化：%s，请选一个。", "I explain one metric's change at a time: %s. Pick one.", listIn(r.plan.Lang, o.labels(r.plan.Lang, names))), names...)
	}
	if premise == "" {
		premise = o.goodBadPremise(r.norm, names[0])
	}
	if m := reGoodBad.FindString(r.norm); m != "" && premise == "" {
		// The model does not say which way is better for this metric, so a
		// premise of "improved" cannot be checked: ask for the direction.
		return r.clarify(r.say("「%s」是指上升还是下降？Beacon 不知道这个指标哪个方向更好，请写明（例如「为什么上个月流失率下降了」）。",
			"%q: did it rise or fall? Beacon does not know which way is better for this metric; say which (for example \"why did churn fall last month\").", strings.TrimSpace(m)))
	}
	for _, w := range r.words {
		if w.kind == kindMetric && w.entity && reChurnWord.MatchString(r.norm) && names[0] != o.lostCount() {
			// "lose more customers": customers names what is counted, and
			// losing them is another count; ask rather than explain the wrong one.
			return r.clarify(r.say("「%s」要解释的是哪个数：客户数，还是流失客户数？请写明指标。", "%q: explain which count, customers or customers lost? Name the metric.", w.surface))
		}
	}
	m, _ := o.cat.Metric(names[0])
	if m == nil || !o.timed[names[0]] {
		return r.clarify(r.say("「%s」没有时间字段，无法解释它的变化。", "%q has no time field, so its change cannot be explained.", names[0]))
	}
	req := &risk.ExplainRequest{Metric: names[0], Language: r.plan.Lang}
	moves := directionSpans(r.norm)
	for _, w := range r.words {
		switch {
		case inSpans(moves, w.start, w.end):
			// 高 of 升高 is the direction, whatever value 高 names.
		case w.kind == kindDimension && !w.qualifier && !w.condition && !slices.Contains(req.Dimensions, w.name):
			req.Dimensions = append(req.Dimensions, w.name)
		case w.kind == kindValue && !w.excluded:
			req.Filters = addFilter(req.Filters, w.name, w.value)
		}
	}
	if len(req.Dimensions) > risk.MaxExplainDimensions {
		return r.clarify(r.say("一次最多按 %d 个维度解释，请减少维度。", "I split a change by at most %d dimensions at a time; name fewer.", risk.MaxExplainDimensions))
	}
	if len(req.Dimensions) == 0 {
		req.Dimensions = o.explainDimensions(m, req.Filters)
		if len(req.Dimensions) == 0 {
			return r.clarify(r.say("「%s」没有可拆分的维度，无法解释它的变化。", "%q has no dimension to split its change by.", names[0]))
		}
	}
	if !o.explainPeriods(r, req) {
		return true
	}
	for _, re := range []*regexp.Regexp{reSurge, reSlump, reMove} {
		r.text = consume(r.text, re, func([]string) bool { return true })
	}
	r.text = consume(r.text, reHigher, func([]string) bool { return true })
	r.text = consume(r.text, reLower, func([]string) bool { return true })
	r.text = consume(r.text, reRose, func([]string) bool { return true })
	r.text = consume(r.text, reFell, func([]string) bool { return true })
	r.text = consume(r.text, reWhy, func([]string) bool { return true })
	r.text = consume(r.text, reCause, func([]string) bool { return true })
	r.text = consume(r.text, reGoodBad, func([]string) bool { return true })
	r.text = consume(r.text, reBareDirection, func(m []string) bool { return !reNotDirection.MatchString(m[0]) })
	if o.routeVocabulary(r, RouteExplain, req.Metric, names[0]) {
		return true
	}
	r.plan.Premise = premise
	return o.routed(r, RouteExplain, &RouteRequest{Explain: req})
}

// directionSpans are where a question states a direction (升高, went up).
func directionSpans(text string) [][]int {
	var out [][]int
	for _, re := range []*regexp.Regexp{reRose, reFell, reSurge, reSlump} {
		out = append(out, re.FindAllStringIndex(text, -1)...)
	}
	return out
}

// inSpans reports whether [start, end) overlaps one of spans.
func inSpans(spans [][]int, start, end int) bool {
	return slices.ContainsFunc(spans, func(s []int) bool { return start < s[1] && s[0] < end })
}

// valuesPerDimension counts the values a question names of each dimension.
func valuesPerDimension(words []word, moves [][]int) map[string]int {
	seen := map[string]bool{}
	out := map[string]int{}
	for _, w := range words {
		if w.kind == kindValue && !seen[w.name+"="+w.value] && !inSpans(moves, w.start, w.end) {
			seen[w.name+"="+w.value] = true
			out[w.name]++
		}
	}
	return out
}

// addFilter adds dim = value, widening an equality to a list when the
// question names several values of one dimension.
func addFilter(fs []metrics.Filter, dim, value string) []metrics.Filter {
	for i, f := range fs {
		if f.Dimension != dim {
			continue
		}
		if f.Op == "eq" {
			if f.Value == value {
				return fs
			}
			fs[i] = metrics.Filter{Dimension: dim, Op: "in", Values: []any{f.Value, value}}
		} else if !slices.Contains(f.Values, any(value)) {
			fs[i].Values = append(fs[i].Values, value)
		}
		return fs
	}
	return append(fs, metrics.Filter{Dimension: dim, Op: "eq", Value: value})
}

// explainPreferred are the dimensions a why with none named is split by,
// in order, as far as the metric has them: who the customers are, then
// where.
var explainPreferred = []string{"segment", "region", "channel", "age_band", "branch", "action_type", "product_type"}

// explainDimensions picks up to two default dimensions of a metric.
func (o *Offline) explainDimensions(m *metrics.Metric, filters []metrics.Filter) []string {
	def := o.cat.Definition(m)
	var out []string
	for _, d := range explainPreferred {
		// A dimension held to one value has nothing to split.
		held := slices.ContainsFunc(filters, func(f metrics.Filter) bool { return f.Dimension == d && f.Op == "eq" })
		if slices.Contains(def.Dimensions, d) && !held {
			out = append(out, d)
		}
		if len(out) == 2 {
			break
		}
	}
	// A model of other names: its categorical dimensions with a few known
	// values, in the model's order; a numeric field (annual revenue, age)
	// splits a change into a thousand slivers nobody reads.
	for _, d := range def.Dimensions {
		if len(out) == 2 {
			break
		}
		held := slices.ContainsFunc(filters, func(f metrics.Filter) bool { return f.Dimension == d && f.Op == "eq" })
		if dim, ok := o.cat.Dimension(d); ok && !held && !slices.Contains(out, d) && !o.cat.NumericDimension(d) && len(dim.Values) >= 2 && len(dim.Values) <= 50 {
			out = append(out, d)
		}
	}
	if len(out) == 0 && len(def.Dimensions) > 0 {
		out = append(out, def.Dimensions[0])
	}
	return out
}

// explainPeriods sets the explained period and its baseline from the time
// words: one period against the one before (or last year's, 同比), or two
// named periods, the later explained against the earlier.
func (o *Offline) explainPeriods(r *reading, req *risk.ExplainRequest) bool {
	tr := r.time
	if tr.Compare == "same_period_last_year" {
		req.Compare = tr.Compare
	}
	cur := risk.Period{Range: tr.Range, Start: tr.Start, End: tr.End}
	if cur == (risk.Period{}) {
		cur.Range = "last_month"
		if _, last, ok := o.dataSpan([]string{req.Metric}); ok {
			thisMonth := time.Date(r.now.Year(), r.now.Month(), 1, 0, 0, 0, 0, r.now.Location())
			if last.Before(thisMonth.AddDate(0, -1, 0)) {
				cur.Range = last.Format("2006-01")
			}
		}
		r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，解释上个月相对前一个月的变化", "no period given: explaining last month against the month before"))
	}
	req.Current = cur
	if tr.ExtraRange != "" {
		other := risk.Period{Range: tr.ExtraRange}
		a, errA := window(metrics.TimeSpec{Range: cur.Range, Start: cur.Start, End: cur.End}, r.now)
		b, errB := window(metrics.TimeSpec{Range: other.Range}, r.now)
		if errA != nil || errB != nil {
			return !r.clarify(r.say("没有读懂「%s」和「%s」这两个时期。", "I could not read the periods %q and %q.", tr.Text, tr.Extra))
		}
		if b.Start.After(a.Start) {
			cur, other = other, cur
		}
		req.Current, req.Baseline, req.Compare = cur, &other, ""
	}
	return true
}

var (
	// Better or worse: which way that is depends on the metric.
	reGoodBad = regexp.MustCompile(reGood.String() + `|` + reBad.String())
	reGood    = regexp.MustCompile(`改善|好转|变好|转好|\bimprov\w*|\b(?:got|get|gotten|getting|become|became|is|are|was|were) better\b`)
	reBad     = regexp.MustCompile(`恶化|变差|变坏|转差|\bworsen\w*|\bdeteriorat\w*|\b(?:got|get|gotten|getting|become|became|is|are|was|were) worse\b`)
	// "than" names what a comparative compares with (more than the
	// retired), which is not a move over time.
	reThan = regexp.MustCompile(`\bthan\b|比`)
	// A bare up or down (why is AUM down this month), and the phrasal
	// verbs whose up or down is no direction.
	reBareDirection = regexp.MustCompile(`(?:\b[a-z]+\s+)?\b(?:up|down)\b(?:\s+to\b)?`)
	reNotDirection  = regexp.MustCompile(`^(?:break|breaks|broke|broken|breaking|drill|drilled|drilling|narrow|narrowed|set|sign|signed|pick|picked|top|topped|follow|followed|look|looked|write|written|shut|turn|turned|slow|slowed|settle|settled|cut|back|round|add|added|sum|summed|made|make|makes|show|shows|showed|line|lined|end|ended|wind|wound)\s|\s+to$`)
	// A hypothetical without 如果: 能挽回多少, how many would stay.
	reWould = regexp.MustCompile(`能|可以|\bwould\b|\bcould\b|\bcan we\b`)
	// A move asked about without a direction: 变化, change.
	reMove = regexp.MustCompile(`变化|变动|变了|波动|突然|异动|\bchang(?:e|ed|es|ing)\b|\bmov(?:e|ed|es|ing)\b|\bswings?\b|\bshift(?:ed|s)?\b`)
	// Moves with a direction beyond the guard's words.
	reSurge = regexp.MustCompile(`变多|增多|多了|上去了?|上来了|走高|飙升|激增|猛增|暴涨|\bspik\w*|\bsurg\w*|\bsoar\w*|\bclimb\w*`)
	reSlump = regexp.MustCompile(`变少|少了|下来了|骤降|暴跌|锐减|\bplung\w*|\bplummet\w*|\bslump\w*|\bdips?\b|\bdipped\b|\bshr[iu]nk\w*`)
	// Asking what caused a move: 什么导致, what drove.
	reCause = regexp.MustCompile(`\bwhat made\b|\bhow come\b|\bwhat(?:'s| is| was) the reason\b|怎么反而|怎么又|怎么突然|怎么就|什么导致|导致了?|造成了?|引起了?|是什么让|\bwhat (?:led to|is behind|was behind|explains)\b|\bbehind the\b|\bexplain\b`)
	// An order to act on customers now, not a question.
	reActNow = regexp.MustCompile(`^\s*(?:please\s+)?(?:call|phone|ring|contact|text|message|notify|email|reach out to)\b|马上|立刻|立即|现在就|赶紧|^\s*(?:请)?(?:给|对)\S*(?:打电话|发短信|发消息)`)
	// A comparison that states a direction: 比9月高, higher than.
	reHigher = regexp.MustCompile(`比\S{0,12}?(?:高|多)|高于|多于|更高|更多|\bhigher\b|\bmore\b`)
	reLower  = regexp.MustCompile(`比\S{0,12}?(?:低|少)|低于|少于|更低|更少|\blower\b|\bfewer\b|\bless\b`)
	// A breakdown asked right before a dimension word.
	reUpliftGroup = regexp.MustCompile(`按|各|每|分|哪种|哪类|哪个|不同|\bby\b|\bper\b|\beach\b|\bwhich\b|\bacross\b`)
	// 按风险等级, by tier: the uplift view's third grouping.
	reByTier = regexp.MustCompile(`风险等级|风险层级|\btiers?\b`)
	// Calling customers names the call action of the catalog, if any.
	reCalls = regexp.MustCompile(`打电话|电话|致电|外呼|\bcalls?\b|\bcalled\b|\bcalling\b|\bphone(?:d|s)?\b|\bring\b`)
)

// routeUplift reads an uplift question; base is the previous view a
// follow-up regroups or re-times (按客群呢), or nil.
func (o *Offline) routeUplift(r *reading, base *UpliftRequest) bool {
	req := &UpliftRequest{}
	add := func(d string) {
		if !slices.Contains(req.By, d) {
			req.By = append(req.By, d)
		}
	}
	for _, w := range r.words {
		switch {
		case w.kind == kindDimension && reByTier.MatchString(w.surface):
			add("tier")
		case w.kind == kindDimension && (w.name == "segment" || w.name == "action_type"):
			// 挽留措施 is also the subject (did the actions work): only 按/各/哪种
			// before it asks for a breakdown.
			if reUpliftGroup.MatchString(r.norm[max(0, w.start-7):w.start]) {
				add(w.name)
			}
		case w.name == "segment" || w.name == "action_type":
			add(w.name)
		case w.kind == kindValue:
			return r.clarify(r.say("挽留效果只能按客群、措施类型和风险等级查看，不能按「%s」查看。", "The uplift view groups by segment, action type and risk tier only, not by %q.", w.surface))
		case w.kind == kindDimension:
			return r.clarify(r.say("挽留效果只能按客群、措施类型和风险等级查看，不能按「%s」查看。", "The uplift view groups by segment, action type and risk tier only, not by %q.", w.surface))
		}
	}
	if reCalls.MatchString(r.norm) && o.callAction() != "" {
		add("action_type")
		r.text = consume(r.text, reCalls, func([]string) bool { return true })
	}
	if reByTier.MatchString(r.norm) {
		add("tier")
		r.text = consume(r.text, reByTier, func([]string) bool { return true })
	}
	if base != nil {
		// What the follow-up names replaces the grouping; its period the period.
		if len(req.By) > 0 {
			base.By = req.By
		}
		req = base
	}
	if len(req.By) == 0 {
		add("action_type")
	}
	if r.time.Range != "" || r.time.Start != "" {
		w, err := window(metrics.TimeSpec{Range: r.time.Range, Start: r.time.Start, End: r.time.End}, r.now)
		if err != nil {
			return r.clarify(r.say("没有读懂时期「%s」。", "I could not read the period %q.", r.time.Text))
		}
		req.From, req.To = w.Start.Format(time.DateOnly), w.End.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if o.routeVocabulary(r, RouteUplift) {
		return true
	}
	return o.routed(r, RouteUplift, &RouteRequest{Uplift: req})
}

// callAction is the action type value that is a call to the customer (its
// English label or synonyms say call), or "".
func (o *Offline) callAction() string {
	d, ok := o.cat.Dimension("action_type")
	if !ok {
		return ""
	}
	for _, v := range d.Values {
		words := append([]string{v.Value, v.Label.EN, v.Label.ZH}, v.Synonyms...)
		for _, w := range words {
			if reCalls.MatchString(" "+strings.ToLower(w)+" ") || strings.Contains(w, "回访") {
				return v.Value
			}
		}
	}
	return ""
}

// routeWhatIf reads a what-if; base is the previous what-if a follow-up
// changes (如果是前500名呢), or nil.
func (o *Offline) routeWhatIf(r *reading, base *risk.WhatIfRequest) bool {
	req := &risk.WhatIfRequest{Language: r.plan.Lang}
	seg, several := r.valueOf("segment")
	act, severalA := r.valueOf("action_type")
	if base != nil && !several && !severalA {
		if seg == "" {
			seg = base.Segment
		}
		if act == "" && !reCalls.MatchString(r.norm) {
			act = base.ActionType
		}
	}
	if seg == "" && !several {
		// if we called the top 30 of them: the segment of the list before.
		seg = r.afterSegment()
	}
	switch {
	case several || severalA:
		return r.clarify(r.say("挽留测算一次只算一个客群和一种措施，请选一个。", "The what-if takes one segment and one action at a time; pick one."))
	case seg == "":
		if o.routeVocabulary(r, RouteWhatIf) {
			return true
		}
		if w := leftover(r.text, o.lx.nouns); w != "" && !isDigits(w) {
			// 火星客群: a segment the catalog does not know.
			o.refuse(r.plan, w, nil)
			return true
		}
		return r.clarify(r.say("要测算哪个客群？请写明客群（例如「如果给年轻客群风险最高的50位客户打电话，能挽回多少」）。",
			"Which segment? Name it (for example \"if we call the top 50 young customers at risk, how many would we keep\")."), o.values("segment")...)
	}
	if w := r.otherValue("segment", "action_type"); w != "" {
		return r.clarify(r.say("挽留测算按客群计算，不能按「%s」筛选。", "The what-if is computed per segment; it cannot be limited to %q.", w))
	}
	if w := r.breakdownWord("action_type"); w != "" {
		return r.clarify(r.say("挽留测算对一个客群算一个总数，不按「%s」拆分。", "The what-if gives one total for one segment; it is not broken down by %q.", w))
	}
	req.Segment, req.ActionType = seg, act
	if act == "" && reCalls.MatchString(r.norm) {
		req.ActionType = o.callAction()
	}
	r.text = consume(r.text, reCalls, func([]string) bool { return true })
	req.TopN = routeCount(r.norm)
	if req.TopN == 0 && r.rank.limit > 1 {
		req.TopN = r.rank.limit
	}
	if req.TopN == 0 && base != nil {
		req.TopN = base.TopN
	}
	if req.TopN == 0 {
		return r.clarify(r.say("要对多少位客户采取行动？请写明人数（例如「风险最高的50位」）。", "How many customers would be acted on? Give the number (for example \"the top 50\")."))
	}
	if req.TopN > risk.MaxWhatIfCustomers {
		return r.clarify(r.say("挽留测算最多 %d 位客户。", "The what-if takes at most %d customers.", risk.MaxWhatIfCustomers))
	}
	r.text = consume(r.text, reDigitsOnly, func(m []string) bool {
		n, _ := number(m[1])
		return n == req.TopN
	})
	r.time = timeRead{}
	if o.routeVocabulary(r, RouteWhatIf) {
		return true
	}
	return o.routed(r, RouteWhatIf, &RouteRequest{WhatIf: req})
}

// values lists a dimension's values, for a question back.
func (o *Offline) values(dim string) []string {
	d, ok := o.cat.Dimension(dim)
	if !ok {
		return nil
	}
	var out []string
	for _, v := range d.Values {
		out = append(out, v.Value)
	}
	return out
}
