package risk

import (
	"fmt"
	"math"
	"sort"
)

// Reason is one of a score's top reasons: a feature that raised the
// customer's risk, by how much, and the sentence a relationship manager
// reads.
type Reason struct {
	Feature string `json:"feature"`
	// Value is the customer's value of the feature (for a categorical
	// feature, ValueText holds it).
	Value     float64 `json:"value"`
	ValueText string  `json:"value_text,omitempty"`
	// Contribution is the feature's share of the score's log-odds above
	// the model's base (GBDT: Saabas path attribution; logistic
	// regression: w·z).
	Contribution float64 `json:"contribution"`
	ZH           string  `json:"zh"`
	EN           string  `json:"en"`
}

// Reasons returns up to n features that raised row i's risk most, from the
// model's per-feature contributions; one-hot columns are summed back into
// their categorical feature.
func (cm *ChurnModel) Reasons(t *FeatureTable, i int, x []float64, n int) []Reason {
	contrib, _ := cm.Model.Contributions(x)
	byFeature := map[string]float64{}
	for j, c := range contrib {
		byFeature[cm.Encoder.FeatureOf(j)] += c
	}
	names := make([]string, 0, len(byFeature))
	for f, c := range byFeature {
		if c > 1e-9 {
			names = append(names, f)
		}
	}
	sort.Slice(names, func(a, b int) bool {
		if byFeature[names[a]] != byFeature[names[b]] {
			return byFeature[names[a]] > byFeature[names[b]]
		}
		return names[a] < names[b]
	})
	if len(names) > n {
		names = names[:n]
	}
	out := make([]Reason, 0, len(names))
	for _, f := range names {
		r := Reason{Feature: f, Contribution: byFeature[f]}
		if j := indexOf(cm.Encoder.Numeric, f); j >= 0 {
			r.Value = t.Numeric[j][i]
			r.ZH, r.EN = phraseNumeric(f, r.Value, t, i)
		} else if c := indexOf(cm.Encoder.Categorical, f); c >= 0 {
			r.ValueText = t.Categorical[c][i]
			r.ZH, r.EN = phraseCategory(f, r.ValueText)
		}
		out = append(out, r)
	}
	return out
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// value of another numeric feature of row i, for sentences that need two.
func numeric(t *FeatureTable, name string, i int) float64 {
	if j := indexOf(NumericFeatures, name); j >= 0 {
		return t.Numeric[j][i]
	}
	return math.NaN()
}

// phraseNumeric words a numeric feature's value in Chinese and English.
func phraseNumeric(f string, v float64, t *FeatureTable, i int) (zh, en string) {
	pct := func(v float64) string { return fmt.Sprintf("%.0f%%", math.Abs(v)*100) }
	change := func(zhWhat, enWhat string) (string, string) {
		if v < 0 {
			return fmt.Sprintf("%s较前三个月下降 %s", zhWhat, pct(v)), fmt.Sprintf("%s down %s on the previous 3 months", enWhat, pct(v))
		}
		return fmt.Sprintf("%s较前三个月上升 %s", zhWhat, pct(v)), fmt.Sprintf("%s up %s on the previous 3 months", enWhat, pct(v))
	}
	switch f {
	case "tx_count_change":
		return change("近三个月交易笔数", "transactions")
	case "tx_amount_change":
		return change("近三个月交易金额", "transaction amount")
	case "app_logins_change":
		return change("近三个月手机银行登录次数", "app logins")
	case "tx_count_3m":
		return fmt.Sprintf("近三个月仅 %.0f 笔交易", v), fmt.Sprintf("only %.0f transactions in the last 3 months", v)
	case "tx_count_prev_3m":
		return fmt.Sprintf("前三个月交易 %.0f 笔，近三个月 %.0f 笔", v, numeric(t, "tx_count_3m", i)),
			fmt.Sprintf("%.0f transactions in the 3 months before, %.0f in the last 3", v, numeric(t, "tx_count_3m", i))
	case "tx_amount_3m":
		return fmt.Sprintf("近三个月交易金额 %s", moneyZH(v)), fmt.Sprintf("transactions of %s in the last 3 months", moneyEN(v))
	case "app_logins_3m":
		return fmt.Sprintf("近三个月手机银行登录 %.0f 次", v), fmt.Sprintf("%.0f app logins in the last 3 months", v)
	case "balance_change_3m", "aum_change_3m":
		zhWhat, enWhat := "存款余额", "balance"
		if f == "aum_change_3m" {
			zhWhat, enWhat = "管理资产（AUM）", "AUM"
		}
		if v < 0 {
			return fmt.Sprintf("近三个月%s减少 %s", zhWhat, pct(v)), fmt.Sprintf("%s down %s in 3 months", enWhat, pct(v))
		}
		return fmt.Sprintf("近三个月%s增加 %s", zhWhat, pct(v)), fmt.Sprintf("%s up %s in 3 months", enWhat, pct(v))
	case "net_outflow_3m":
		if v < 0 {
			return fmt.Sprintf("近三个月净流入 %s", moneyZH(-v)), fmt.Sprintf("net inflow of %s in 3 months", moneyEN(-v))
		}
		return fmt.Sprintf("近三个月净流出 %s", moneyZH(v)), fmt.Sprintf("net outflow of %s in 3 months", moneyEN(v))
	case "balance":
		return fmt.Sprintf("存款余额 %s", moneyZH(v)), fmt.Sprintf("balance of %s", moneyEN(v))
	case "aum":
		return fmt.Sprintf("管理资产（AUM）%s", moneyZH(v)), fmt.Sprintf("AUM of %s", moneyEN(v))
	case "months_inactive":
		if v == 0 {
			return "本月仍有交易", "transacted this month"
		}
		return fmt.Sprintf("已连续 %.0f 个月无交易", v), fmt.Sprintf("no transactions for %.0f months", v)
	case "complaints_90d":
		return fmt.Sprintf("近 90 天投诉 %.0f 次", v), fmt.Sprintf("%.0f complaints in the last 90 days", v)
	case "products_held":
		return fmt.Sprintf("仅持有 %.0f 个产品", v), fmt.Sprintf("holds only %.0f products", v)
	case "products_dropped_6m":
		return fmt.Sprintf("持有产品比近六个月最多时少 %.0f 个", v), fmt.Sprintf("%.0f fewer products than at any time in the last 6 months", v)
	case "contracts_closed_6m":
		return fmt.Sprintf("近六个月 %.0f 笔产品到期未续", v), fmt.Sprintf("%.0f products matured without renewal in 6 months", v)
	case "term_deposits_maturing_90d":
		return fmt.Sprintf("%.0f 笔定期存款 90 天内到期", v), fmt.Sprintf("%.0f term deposits due within 90 days", v)
	case "maturing_amount_90d":
		return fmt.Sprintf("90 天内到期定期存款 %s", moneyZH(v)), fmt.Sprintf("%s of term deposits due within 90 days", moneyEN(v))
	case "tenure_months":
		return fmt.Sprintf("开户 %.0f 个月", v), fmt.Sprintf("customer for %.0f months", v)
	}
	return fmt.Sprintf("%s = %g", f, v), fmt.Sprintf("%s = %g", f, v)
}

var categoryEN = map[string]string{
	"高净值": "high net worth", "大众富裕": "mass affluent", "年轻": "young", "退休": "retired", "普通": "ordinary", "潜在": "potential",
	"手机银行": "mobile app", "网上银行": "online banking", "客户经理": "relationship manager", "网点": "branch",
}

func phraseCategory(f, v string) (zh, en string) {
	enV := v
	if e, ok := categoryEN[v]; ok {
		enV = e
	}
	switch f {
	case "segment":
		return fmt.Sprintf("所属客群（%s）流失率较高", v), fmt.Sprintf("%s segment, which leaves more often", enV)
	case "channel":
		return fmt.Sprintf("主要渠道为%s", v), fmt.Sprintf("main channel: %s", enV)
	case "age_band":
		return fmt.Sprintf("年龄段 %s", v), fmt.Sprintf("age band %s", enV)
	}
	return fmt.Sprintf("%s：%s", f, v), fmt.Sprintf("%s: %s", f, enV)
}

func moneyZH(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e8:
		return fmt.Sprintf("%.2f亿元", v/1e8)
	case a >= 1e4:
		return fmt.Sprintf("%.1f万元", v/1e4)
	}
	return fmt.Sprintf("%.0f元", v)
}

func moneyEN(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return fmt.Sprintf("¥%.2fM", v/1e6)
	case a >= 1e3:
		return fmt.Sprintf("¥%.1fK", v/1e3)
	}
	return fmt.Sprintf("¥%.0f", v)
}
