package queries_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/queries"
)

// A scoped caller asking about a branch outside its scope is told the
// question names something not available to it, never that the branch is
// "not in the catalog"; and the answer reads exactly as for a branch that
// does not exist, so it tells nothing of which names exist beyond the
// scope: not in its words, its suggestions or its interpretation.
func TestScopedRefusalIsNeutral(t *testing.T) {
	ctx := context.Background()
	engine := demoEngine(t)
	chat := queries.NewChat(engine, queries.ChatConfig{})
	d, _ := engine.Catalog().Dimension("branch")
	mine, other := d.Values[0], d.Values[1]
	scope := metrics.Scope{"branch": {mine.Value}}
	for _, tc := range []struct {
		lang, hidden, unknown, says string
		forbidden                   []string
	}{
		{"zh", "上个月" + other.Value + "的管理资产", "上个月火星某某支行的管理资产", "问题中有您无法查看的内容", []string{other.Value}},
		{"zh", other.Value + "上个月流失率", "火星分行上个月流失率", "超出您的数据范围（" + mine.Value + "）", []string{other.Value}},
		{"en", "AUM of " + other.Label.EN + " last month", "AUM of Mars Outpost last month", "not available to you", []string{other.Label.EN, strings.ToLower(other.Label.EN), other.Value}},
	} {
		hidden, err := chat.Ask(ctx, tc.hidden, "", "t", scope)
		if err != nil {
			t.Fatal(err)
		}
		unknown, err := chat.Ask(ctx, tc.unknown, "", "t", scope)
		if err != nil {
			t.Fatal(err)
		}
		if hidden.Status != "refuse" || hidden.Result != nil || !strings.Contains(hidden.Answer, tc.says) || strings.Contains(hidden.Answer, "不在指标目录中，因此") {
			t.Errorf("%s: %s %q, want a refusal saying %q", tc.hidden, hidden.Status, hidden.Answer, tc.says)
		}
		if hidden.Answer != unknown.Answer || strings.Join(hidden.Plan.Suggestions, ",") != strings.Join(unknown.Plan.Suggestions, ",") {
			t.Errorf("a hidden branch and an unknown one read differently:\n %q %v\n %q %v", hidden.Answer, hidden.Plan.Suggestions, unknown.Answer, unknown.Plan.Suggestions)
		}
		if !strings.Contains(strings.Join(hidden.Plan.Suggestions, ","), "aum") && strings.Contains(tc.hidden, "管理资产") {
			t.Errorf("%s: suggestions %v leave out the metric asked about", tc.hidden, hidden.Plan.Suggestions)
		}
		body, _ := json.Marshal(hidden)
		for _, f := range tc.forbidden {
			if strings.Contains(strings.ReplaceAll(string(body), tc.hidden, ""), f) {
				t.Errorf("%s: the answer names %q beyond the question's own text: %s", tc.hidden, f, body)
			}
		}
	}
	// An unscoped caller still hears which word was not understood.
	a, err := chat.Ask(ctx, "上个月员工的咖啡消费是多少", "", "t", nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != "refuse" || !strings.Contains(a.Answer, "「员工」") {
		t.Errorf("unscoped refusal: %s %q", a.Status, a.Answer)
	}
}
