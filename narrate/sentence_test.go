package narrate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/narrate"
	"github.com/beaconbi/beacon/warehouse"
)

var bank *warehouse.DB

func TestMain(m *testing.M) { metricstest.Main(m, 2_000, 24, &bank) }

// A ranking by change (top movers) names the first row, its value and its
// change, not "the highest" value; other answers keep their form.
func TestSentencesOfDemoBankResults(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	cat := eng.Catalog()
	movers := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Range: "last_month"},
		Compare: "previous_period", Order: []metrics.Order{{By: "churn_rate_delta", Desc: true}}, Limit: 5}
	r, err := eng.Run(context.Background(), movers, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := r.Rows[0][0].(string)
	for lang, want := range map[string][]string{
		"zh": {"2026年10月客户流失率上升最多的支行是" + first, "环比", "（共列出 5 个）"},
		"en": {"In October 2026, the branch whose churn rate rose most was " + narrate.ValueLabel("en", cat, "branch", first), "from the previous period", "(5 listed)"},
	} {
		s := narrate.Sentence(lang, cat, movers, r)
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: %q lacks %q", lang, s, w)
			}
		}
		if v := narrate.Value(lang, cat.Definitions()[0], r.Rows[0][1]); !strings.Contains(s, v) {
			t.Errorf("%s: %q lacks the value %s", lang, s, v)
		}
	}
}

// A change from a missing, zero, negative or tiny base is said plainly,
// with the amount rather than a percent; a change that rounds to nothing
// is "about the same"; and the two windows are named with their dates.
func TestChangeFromAWeakBase(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	cat := eng.Catalog()
	q := metrics.Query{Metrics: []string{"net_inflow"}, Compare: "previous_period"}
	cols := []metrics.Column{{Name: "net_inflow", Role: "metric"}, {Name: "net_inflow_previous", Role: "comparison"},
		{Name: "net_inflow_delta", Role: "comparison"}, {Name: "net_inflow_pct_change", Role: "comparison"}}
	tm := metrics.ResolvedTime{Start: "2026-10-01", End: "2026-10-31", Comparison: &metrics.ResolvedWindow{Compare: "previous_period", Start: "2026-09-01", End: "2026-09-30"}}
	for _, tc := range []struct {
		name   string
		row    []any
		zh, en string
		notZH  string
	}{
		{"no previous", []any{3.5e8, nil, nil, nil}, "上期无数据，无法比较", "no figure for the previous period", "%"},
		{"zero base", []any{3.5e8, 0.0, 3.5e8, nil}, "上期为 0，本期增加 3.50 亿元，不计变化率", "up CNY 350.00m from zero in the previous period", "%"},
		{"negative base", []any{3.53e8, -3.425e7, 3.8725e8, 11.296}, "较上期 -3425.00 万元 增加 3.87 亿元，上期为负", "up CNY 387.25m from the previous period (CNY -34.25m, a negative base", "1129"},
		{"tiny base", []any{5.2e6, 7e4, 5.13e6, 73.28}, "较上期 7.00 万元 增加 513.00 万元，基数过小", "up CNY 5.13m from the previous period (CNY 70.0k, too small a base", "7328"},
		{"ordinary", []any{1.1e8, 1e8, 1e7, 0.1}, "环比上升 10.0%", "up 10.0% from the previous period", "基数过小"},
		{"flat", []any{1.0001e8, 1e8, 1e4, 0.0001}, "环比基本持平", "about the same as the previous period", "上升"},
	} {
		r := &metrics.Result{Columns: cols, Rows: [][]any{tc.row}, Time: tm}
		zh, en := narrate.Sentence("zh", cat, q, r), narrate.Sentence("en", cat, q, r)
		if !strings.Contains(zh, tc.zh) || !strings.Contains(en, tc.en) {
			t.Errorf("%s:\n zh %q lacks %q\n en %q lacks %q", tc.name, zh, tc.zh, en, tc.en)
		}
		if strings.Contains(strings.SplitN(zh, "（比较期间", 2)[0], tc.notZH) {
			t.Errorf("%s: zh %q should not say %q", tc.name, zh, tc.notZH)
		}
		if !strings.Contains(zh, "对比 2026年9月 2026-09-01–2026-09-30") || !strings.Contains(en, "against September 2026, 2026-09-01–2026-09-30") {
			t.Errorf("%s: the windows are not named: %q / %q", tc.name, zh, en)
		}
	}
}

// Groups tied at an extreme are named as many, and groups all equal are
// said to be equal, never one of them "the highest" and "the lowest".
func TestTiedExtremes(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	cat := eng.Catalog()
	q := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch"}}
	cols := []metrics.Column{{Name: "branch", Role: "dimension"}, {Name: "churn_rate", Role: "metric"}}
	rows := func(vs ...float64) [][]any {
		var out [][]any
		for i, v := range vs {
			out = append(out, []any{[]string{"上海徐汇支行", "上海静安支行", "北京海淀支行", "广州天河支行", "深圳南山支行"}[i], v})
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		rows   [][]any
		zh, en string
	}{
		{"all equal", rows(0, 0, 0, 0, 0), "均为 0.00%（共 5 个）", "in every branch (5 listed)"},
		{"tied lowest", rows(0, 0, 0.02, 0.01, 0.03), "最低为上海徐汇支行等 2 个（0.00%）", "(Shanghai Xuhui and 1 other)"},
		{"no ties", rows(0.04, 0, 0.02, 0.01, 0.03), "最高为上海徐汇支行（4.00%），最低为上海静安支行（0.00%）", "to 4.00%"},
	} {
		r := &metrics.Result{Columns: cols, Rows: tc.rows}
		zh, en := narrate.Sentence("zh", cat, q, r), narrate.Sentence("en", cat, q, r)
		if !strings.Contains(zh, tc.zh) || !strings.Contains(en, tc.en) {
			t.Errorf("%s:\n zh %q lacks %q\n en %q lacks %q", tc.name, zh, tc.zh, en, tc.en)
		}
	}
}
