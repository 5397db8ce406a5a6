package queries_test

import (
	"context"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/queries"
)

// A why goes to explain, never to a bare level, and the direction it
// asserts is checked against the two months, each run on its own.
func TestWhyIsExplainedAndItsPremiseChecked(t *testing.T) {
	ctx := context.Background()
	engine := demoEngine(t)
	chat := queries.NewChat(engine, queries.ChatConfig{})
	month := func(r string) float64 {
		res, err := engine.Run(ctx, metrics.Query{Metrics: []string{"churn_rate"}, Time: &metrics.TimeSpec{Range: r}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Rows[0][0].(float64)
	}
	last := engine.Now().AddDate(0, -1, 0)
	before := engine.Now().AddDate(0, -2, 0)
	rose := month(last.Format("2006-01")) > month(before.Format("2006-01"))
	for _, tc := range []struct {
		question, correction string
		assertsRise          bool
	}{
		{"为什么上个月流失率上升了？", "前提与数据不符", true},
		{"why did churn rate rise last month?", "premise does not match", true},
		{"为什么上个月流失率下降了？", "前提与数据不符", false},
	} {
		a, err := chat.Ask(ctx, tc.question, "", "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != "answer" || a.Route != queries.RouteExplain || a.Result != nil || a.Request == nil || a.Request.Explain.Metric != "churn_rate" {
			t.Fatalf("%s: status %s route %s, want an explanation of churn_rate and no metric rows", tc.question, a.Status, a.Route)
		}
		if wrong := tc.assertsRise != rose; strings.Contains(a.Answer, tc.correction) != wrong {
			t.Errorf("%s (churn rose: %v): answer %q, correction expected: %v", tc.question, rose, a.Answer, wrong)
		}
	}
}

// A scoped caller's answer says it covers their scope only, and a branch
// outside it reads as an unknown word, not as "no data".
func TestScopedCallerSeesNoHiddenName(t *testing.T) {
	ctx := context.Background()
	engine := demoEngine(t)
	chat := queries.NewChat(engine, queries.ChatConfig{})
	branches := engine.Catalog()
	d, _ := branches.Dimension("branch")
	if len(d.Values) < 2 {
		t.Fatal("the demo bank needs two branches")
	}
	mine, other := d.Values[0].Value, d.Values[1].Value
	scope := metrics.Scope{"branch": {mine}}
	a, err := chat.Ask(ctx, "全行上个月流失率", "", "t", scope)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != "answer" || !strings.Contains(a.Answer, mine) {
		t.Errorf("全行 for a scoped caller: %s %q, want an answer naming the scope %s", a.Status, a.Answer, mine)
	}
	hidden, err := chat.Ask(ctx, other+"上个月流失率", "", "t", scope)
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := chat.Ask(ctx, "火星分行上个月流失率", "", "t", scope)
	if err != nil {
		t.Fatal(err)
	}
	if hidden.Status != unknown.Status || hidden.Result != nil || strings.Contains(hidden.Answer, "没有符合条件") {
		t.Errorf("hidden branch: %s %q; unknown branch: %s %q", hidden.Status, hidden.Answer, unknown.Status, unknown.Answer)
	}
}

// 那全行呢 after a question about one city asks about the whole bank: the
// city's filter does not stay.
func TestWholeBankFollowUpDropsTheFilter(t *testing.T) {
	o := queries.NewOffline(demoEngine(t).Catalog(), testNow)
	first := o.Plan("上海上个月的流失率", nil)
	if len(first.Query.Filters) != 1 {
		t.Fatalf("first question: %+v", first.Query)
	}
	for _, q := range []string{"那全行呢？", "what about the whole bank?"} {
		p := o.Plan(q, &first.Query)
		if p.Status != "answer" || len(p.Query.Filters) != 0 || p.Query.Time == nil || p.Query.Time.Range != "last_month" {
			t.Errorf("%s: %s %+v, want churn rate last month with no filter", q, p.Status, p.Query)
		}
	}
}
