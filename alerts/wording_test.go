package alerts

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// TestMessagesUseTheModelsLabelsAndUnits: in both languages, a scoped
// owner's messages state the scope by the dimension's label (支行, Branch),
// name groups by their values' labels (High net worth for 高净值 in
// English), and write every value and band bound of complaint_rate with
// the unit its definition gives (‰, complaints per 1,000 customers); a
// subscription's figures likewise.
func TestMessagesUseTheModelsLabelsAndUnits(t *testing.T) {
	ctx := context.Background()
	// The branches' English names are their labels in English messages.
	branches := warehousetest.Rows(t, bank, `SELECT branch_name, branch_name_en FROM branches ORDER BY branch_id LIMIT 2`)
	mine := []string{branches[0][0].(string), branches[1][0].(string)}
	mineEN := []string{branches[0][1].(string), branches[1][1].(string)}
	scope := metrics.Scope{"branch": mine}
	segmentEN := map[string]string{"高净值": "High net worth", "大众富裕": "Mass affluent", "年轻": "Young", "退休": "Retired", "普通": "Ordinary", "潜在": "Potential"}
	cases := []struct {
		lang, scopeLine string
		group           func(segment string) string
	}{
		{"zh", "数据范围：支行（" + mine[0] + "、" + mine[1] + "）", func(s string) string { return s }},
		{"en", "Scope: Branch (" + mineEN[0] + ", " + mineEN[1] + ")", func(s string) string { return segmentEN[s] }},
	}
	perMille := `-?\d+(\.\d{2})? ‰` // 5.03 ‰, or 0 ‰ for a whole number
	band := regexp.MustCompile(`（` + perMille + ` – ` + perMille + `）|\(` + perMille + ` – ` + perMille + `\)`)
	for _, c := range cases {
		t.Run(c.lang, func(t *testing.T) {
			sc, ch, _ := engineHarness(t)
			r := &Rule{ID: "complaints", Name: "投诉率偏离常态", Lang: c.lang,
				Query:     metrics.Query{Metrics: []string{"complaint_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_month"}},
				Condition: Condition{Kind: "band", Periods: 12, K: 1, Grain: "month"},
				Schedule:  Schedule{Cron: "0 9 * * *", TimeZone: "Asia/Shanghai"}, Channels: []ChannelRef{{Name: "retention-dingtalk"}},
				Owner: Owner{Subject: "branch-head", Scope: scope}}
			if err := sc.PutRule(ctx, r, OriginAPI); err != nil {
				t.Fatal(err)
			}
			res, err := sc.TestRule(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := ch["retention-dingtalk"].got
			if len(got) != 1 || len(res.Observations) != 6 {
				t.Fatalf("%d messages and %d groups, want one message over the 6 segments", len(got), len(res.Observations))
			}
			m := got[0]
			if !slices.Contains(m.Lines, c.scopeLine) {
				t.Errorf("scope not stated as %q: %q", c.scopeLine, m.Lines)
			}
			if !band.MatchString(strings.Join(m.Lines, "\n")) {
				t.Errorf("the band is not written in ‰: %q", m.Lines)
			}
			for i, f := range m.Figures {
				seg := res.Observations[i].Labels[0][1]
				if !strings.HasSuffix(f.Label, " · "+c.group(seg)) {
					t.Errorf("figure %q does not name segment %s by its label %q", f.Label, seg, c.group(seg))
				}
				if !regexp.MustCompile(`^` + perMille + `$`).MatchString(f.Value) {
					t.Errorf("figure %s is %q, not a value in ‰", f.Label, f.Value)
				}
			}
			if strings.Contains(m.Title+strings.Join(m.Lines, ""), "branch=") {
				t.Errorf("a code name is shown: %s %q", m.Title, m.Lines)
			}

			sub := &Subscription{ID: "segments", Name: "客群投诉率", Report: "adhoc", Lang: c.lang,
				Figures:  []metrics.Query{{Metrics: []string{"complaint_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_month"}}},
				Schedule: Schedule{Cron: "0 9 * * 1", TimeZone: "Asia/Shanghai"}, Channels: []ChannelRef{{Name: "retention-dingtalk"}}, Owner: Owner{Subject: "branch-head", Scope: scope}}
			if err := sc.PutSubscription(ctx, sub, OriginAPI); err != nil {
				t.Fatal(err)
			}
			if _, err := sc.TestSubscription(ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
			got = ch["retention-dingtalk"].got
			sm := got[len(got)-1]
			if !slices.Contains(sm.Lines, c.scopeLine) || len(sm.Figures) != 6 {
				t.Errorf("subscription: %d figures, lines %q; want 6 and the scope as %q", len(sm.Figures), sm.Lines, c.scopeLine)
			}
			for _, f := range sm.Figures {
				named := false
				for seg := range segmentEN {
					named = named || strings.HasSuffix(f.Label, " · "+c.group(seg))
				}
				if !named || !strings.HasSuffix(f.Value, " ‰") || !regexp.MustCompile(perMille+`$`).MatchString(f.Change) && !strings.Contains(f.Change, pick(c.lang == "zh", "基本持平", "about the same")) {
					t.Errorf("subscription figure %q = %q (%q): want a segment label, a value and change in ‰", f.Label, f.Value, f.Change)
				}
			}
		})
	}
}

// TestFigureChangeThatRoundsToNothingHasNoArrow: a subscription figure
// whose change prints as nothing reads "about the same" with no trend; a
// real change keeps its arrow.
func TestFigureChangeThatRoundsToNothingHasNoArrow(t *testing.T) {
	res := &metrics.Result{
		Columns:     []metrics.Column{{Name: "segment", Role: "dimension"}, {Name: "churn_rate", Role: "metric"}, {Name: "churn_rate_delta", Role: "comparison", Metric: "churn_rate"}},
		Rows:        [][]any{{"年轻", 0.0123, -0.00001}, {"退休", 0.0123, -0.0012}},
		Definitions: []metrics.Definition{{Name: "churn_rate", Format: "percent", Label: metrics.Text{ZH: "客户流失率", EN: "Churn rate"}}},
	}
	want := []notify.Figure{
		{Label: "客户流失率 · 年轻", Value: "1.23%", Change: "环比基本持平", Trend: 0},
		{Label: "客户流失率 · 退休", Value: "1.23%", Change: "环比 -0.12 个百分点", Trend: -1},
	}
	got := figures(names{lang: "zh"}, res, "churn_rate")
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("figure %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
