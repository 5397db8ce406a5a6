package queries_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// A follow-up of a routed answer stays on its route and changes only what
// it names; one the route cannot take is asked back naming the word; a
// question of its own after a routed answer is a metric question again.
func TestRouteFollowUps(t *testing.T) {
	o := queries.NewOffline(demoEngine(t).Catalog(), testNow)
	type turn struct{ question, status, route, request, names string }
	for _, conv := range [][]turn{
		{
			{"为什么上个月流失率上升了", "answer", "explain", `{"explain":{"metric":"churn_rate","dimensions":["segment","region"],"current":{"range":"last_month"},"language":"zh"}}`, ""},
			{"按分行看呢", "answer", "explain", `{"explain":{"metric":"churn_rate","dimensions":["branch"],"current":{"range":"last_month"},"language":"zh"}}`, ""},
			{"那AUM呢", "answer", "explain", `{"explain":{"metric":"aum","dimensions":["branch"],"current":{"range":"last_month"},"language":"zh"}}`, ""},
			{"那高净值客群呢", "answer", "explain", `{"explain":{"metric":"aum","dimensions":["branch"],"current":{"range":"last_month"},"filters":[{"dimension":"segment","op":"eq","value":"高净值"}],"language":"zh"}}`, ""},
			{"同比呢", "answer", "explain", `{"explain":{"metric":"aum","dimensions":["branch"],"current":{"range":"last_month"},"compare":"same_period_last_year","filters":[{"dimension":"segment","op":"eq","value":"高净值"}],"language":"zh"}}`, ""},
			{"前五呢", "clarify", "", "", "排名"},
			{"上个月各分行流失率是多少", "answer", "", `null`, ""},
		},
		{
			{"why did churn rate go up last month?", "answer", "explain", `{"explain":{"metric":"churn_rate","dimensions":["segment","region"],"current":{"range":"last_month"},"language":"en"}}`, ""},
			{"and by branch?", "answer", "explain", `{"explain":{"metric":"churn_rate","dimensions":["branch"],"current":{"range":"last_month"},"language":"en"}}`, ""},
			{"what about September?", "answer", "explain", `{"explain":{"metric":"churn_rate","dimensions":["branch"],"current":{"range":"2026-09"},"language":"en"}}`, ""},
		},
		{
			{"哪些客户最可能流失", "answer", "risk_list", `{"risk":{"tier":"high"}}`, ""},
			{"只看高净值客群的", "answer", "risk_list", `{"risk":{"tier":"high","segment":"高净值"}}`, ""},
			{"前20名呢", "answer", "risk_list", `{"risk":{"tier":"high","segment":"高净值","limit":20}}`, ""},
			{"按渠道呢", "clarify", "", "", "渠道"},
			{"那AUM呢", "clarify", "", "", "aum"},
			{"那全行呢", "answer", "risk_list", `{"risk":{"tier":"high","limit":20}}`, ""},
		},
		{
			{"who is most likely to leave?", "answer", "risk_list", `{"risk":{"tier":"high"}}`, ""},
			{"only the top 20", "answer", "risk_list", `{"risk":{"tier":"high","limit":20}}`, ""},
			{"in Shanghai?", "clarify", "", "", "shanghai"},
			{"and at Shanghai Pudong?", "answer", "risk_list", `{"risk":{"tier":"high","branch":"上海浦东支行","limit":20}}`, ""},
			{"and if we called the top 30 of them, how many would we keep?", "clarify", "", "", "segment"}, // the list had no segment
		},
		{
			{"今年挽留措施有没有用", "answer", "uplift", `{"uplift":{"by":["action_type"],"from":"2026-01-01","to":"2026-12-31"}}`, ""},
			{"按客群呢", "answer", "uplift", `{"uplift":{"by":["segment"],"from":"2026-01-01","to":"2026-12-31"}}`, ""},
			{"按风险等级呢", "answer", "uplift", `{"uplift":{"by":["tier"],"from":"2026-01-01","to":"2026-12-31"}}`, ""},
			{"上半年呢", "answer", "uplift", `{"uplift":{"by":["tier"],"from":"2026-01-01","to":"2026-06-30"}}`, ""},
			{"那上海呢", "clarify", "", "", "上海"},
		},
		{
			{"如果给年轻客群风险最高的50位客户打电话，能挽回多少", "answer", "whatif", `{"whatif":{"segment":"年轻","top_n":50,"action_type":"客户经理回访","language":"zh"}}`, ""},
			{"如果是前500名呢", "answer", "whatif", `{"whatif":{"segment":"年轻","top_n":500,"action_type":"客户经理回访","language":"zh"}}`, ""},
			{"那退休客群呢", "answer", "whatif", `{"whatif":{"segment":"退休","top_n":500,"action_type":"客户经理回访","language":"zh"}}`, ""},
			{"按分行呢", "clarify", "", "", "分行"},
		},
		{
			// A route question of its own with a follow-up opener refines
			// the list before.
			{"哪些高净值客户最可能流失", "answer", "risk_list", `{"risk":{"tier":"high","segment":"高净值"}}`, ""},
			{"and medium risk?", "answer", "risk_list", `{"risk":{"tier":"medium","segment":"高净值"}}`, ""},
			{"上个月的呢", "clarify", "", "", "上个月"},
		},
		{
			{"退休客群里哪些客户最可能流失", "answer", "risk_list", `{"risk":{"tier":"high","segment":"退休"}}`, ""},
			{"如果给其中风险最高的30位打电话，能挽回多少", "answer", "whatif", `{"whatif":{"segment":"退休","top_n":30,"action_type":"客户经理回访","language":"zh"}}`, ""},
		},
	} {
		var prev queries.Turn
		for _, tc := range conv {
			p := o.PlanAfter(tc.question, prev)
			got, _ := json.Marshal(p.Request)
			switch {
			case p.Status != tc.status || p.Route != tc.route && tc.route != "":
				t.Errorf("%s: %s %s %s %q, want %s %s", tc.question, p.Status, p.Route, got, p.Message, tc.status, tc.route)
			case tc.request != "" && string(got) != tc.request:
				t.Errorf("%s: request %s, want %s", tc.question, got, tc.request)
			case p.Status != "answer" && (p.Route != "" || !strings.Contains(p.Message, tc.names)):
				t.Errorf("%s: %s %q, want it asked back naming %q", tc.question, p.Route, p.Message, tc.names)
			}
			if tc.route == "" && p.Status == "answer" && p.Route != "" {
				t.Errorf("%s: routed to %s, want a metric question", tc.question, p.Route)
			}
			if p.Status == "answer" && p.Route != "" {
				prev = queries.Turn{Route: p.Route, Request: p.Request}
			} else if p.Status == "answer" {
				q := p.Query
				prev = queries.Turn{Query: &q}
			}
		}
	}
}

// Whys that name a direction other than rise and fall: improved and
// worsened by the metric's better direction in the model (asked back when
// it has none), lost customers as the churned count, a bare up or down.
func TestDirectionalWhys(t *testing.T) {
	o := queries.NewOffline(demoEngine(t).Catalog(), testNow)
	for _, tc := range []struct{ question, metric, premise string }{
		{"why did retention improve last month?", "retention_rate", "up"},
		{"上个月客户留存率为什么改善了", "retention_rate", "up"},
		{"为什么续约率变差了", "renewal_rate", "down"},
		{"为什么10月流失率恶化了", "churn_rate", "up"},
		{"why did churn get better in October?", "churn_rate", "down"},
		{"why did complaints get worse last month?", "complaints", "up"},
		{"为什么我们流失的客户变多了", "churned_customers", "up"},
		{"why are we losing more customers?", "churned_customers", "up"},
		{"为什么这个月流失的客户少了", "churned_customers", "down"},
		{"what made AUM drop last month?", "aum", "down"},
		{"why was AUM down in October?", "aum", "down"},
	} {
		p := o.Plan(tc.question, nil)
		if p.Status != "answer" || p.Route != queries.RouteExplain || p.Request.Explain.Metric != tc.metric || p.Premise != tc.premise {
			t.Errorf("%s: %s %s %+v premise %q (%s), want explain %s premise %s", tc.question, p.Status, p.Route, p.Request, p.Premise, p.Message, tc.metric, tc.premise)
		}
	}
	for _, q := range []string{"为什么上个月交易笔数变好了", "why did deposits improve last month?"} {
		if p := o.Plan(q, nil); p.Status != "clarify" || p.Route != "" {
			t.Errorf("%s: %s %s %q, want it asked back (the model does not say which way is better)", q, p.Status, p.Route, p.Message)
		}
	}
	// "broken down by" is no direction.
	if p := o.Plan("explain the change in churn last month, broken down by segment", nil); p.Status != "answer" || p.Premise != "" {
		t.Errorf("broken down: %s premise %q", p.Status, p.Premise)
	}
}

// Through the chat: a follow-up of a routed answer is answered by the same
// capability with the refined request, its figures those of hand SQL over
// the scores; a follow-up the route cannot take gets no number and leaves
// the conversation where it was.
func TestChatRouteFollowUps(t *testing.T) {
	ctx := context.Background()
	db, engine := scoredBank(t)
	chat := queries.NewChat(engine, queries.ChatConfig{DB: db})
	latest := `(SELECT max(month) FROM risk_scores)`
	ask := func(q, conv string) *queries.Answer {
		t.Helper()
		a, err := chat.Ask(ctx, q, conv, "t", nil)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return a
	}
	first := ask("哪些客户最可能流失", "")
	if first.Route != queries.RouteRiskList {
		t.Fatalf("first: %s %s %q", first.Status, first.Route, first.Answer)
	}
	conv := first.ConversationID
	if a := ask("按渠道呢", conv); a.Status != "clarify" || a.RouteResult != nil || !strings.Contains(a.Answer, "渠道") {
		t.Fatalf("按渠道呢: %s %q, want it asked back naming 渠道", a.Status, a.Answer)
	}
	a := ask("只看年轻客群的前5名", conv)
	page, ok := a.RouteResult.(*risk.ListPage)
	if a.Route != queries.RouteRiskList || !ok {
		t.Fatalf("follow-up: %s %s %q", a.Status, a.Route, a.Answer)
	}
	want := warehousetest.Rows(t, db, `SELECT customer_id FROM risk_scores WHERE month = `+latest+` AND tier = 'high' AND segment = '年轻'
		ORDER BY score DESC, customer_id LIMIT 5`)
	total := warehousetest.Rows(t, db, `SELECT count(*) FROM risk_scores WHERE month = `+latest+` AND tier = 'high' AND segment = '年轻'`)[0][0]
	if fmt.Sprint(page.Total) != fmt.Sprint(total) || len(page.Customers) != len(want) {
		t.Fatalf("follow-up list: total %d, %d rows; hand SQL %v, %d rows", page.Total, len(page.Customers), total, len(want))
	}
	for i, w := range want {
		if fmt.Sprint(page.Customers[i].CustomerID) != fmt.Sprint(w[0]) {
			t.Fatalf("follow-up row %d: customer %d, hand SQL %v", i, page.Customers[i].CustomerID, w[0])
		}
	}
	noInventedNumbers(t, a)
	if !strings.Contains(a.Answer, "接着上一个问题") {
		t.Errorf("follow-up answer %q does not say it follows the previous question", a.Answer)
	}
	// A question of its own is a metric question again.
	if a := ask("上个月流失率是多少", conv); a.Route != queries.RouteMetric || a.Query == nil {
		t.Fatalf("metric after a route: %s %s %q", a.Status, a.Route, a.Answer)
	}
	// Another caller's conversation of the same id starts afresh.
	if a, err := chat.Ask(ctx, "前5名呢", first.ConversationID, "someone-else", nil); err != nil || a.Status == "answer" {
		t.Fatalf("another caller: %v %s %q", err, a.Status, a.Answer)
	}
}

// With an LLM configured, a follow-up of a routed answer is read against
// the request made, offline, never as the model's fresh metric query (its
// AUM of last month would answer another question); a question of its own
// still goes to the model.
func TestLLMChatRouteFollowUps(t *testing.T) {
	db, engine := scoredBank(t)
	fake := &fakeModel{replies: []string{
		`{"status":"answer","route":"explain","request":{"explain":{"metric":"churn_rate","current":{"range":"last_month"}}}}`,
		// Asked only for the question of its own, not for the follow-up.
		`{"status":"answer","query":{"metrics":["churn_rate"],"time":{"range":"last_month"}}}`,
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	llm := queries.NewLLM(queries.LLMConfig{APIKey: "test-key", BaseURL: srv.URL + "/v1", Model: "fake", Timeout: time.Second}, engine)
	chat := queries.NewChat(engine, queries.ChatConfig{LLM: llm, DB: db})
	ctx := context.Background()
	a, err := chat.Ask(ctx, "why did churn rise last month?", "", "t", nil)
	if err != nil || a.Route != queries.RouteExplain || a.Plan.Planner != "llm" {
		t.Fatalf("first: %v %s %s %q", err, a.Route, a.Plan.Planner, a.Answer)
	}
	f, err := chat.Ask(ctx, "what about AUM?", a.ConversationID, "t", nil)
	if err != nil || f.Route != queries.RouteExplain || f.Request.Explain.Metric != "aum" || f.Request.Explain.Current.Range != "last_month" {
		t.Fatalf("follow-up: %v %s %+v %q", err, f.Route, f.Request, f.Answer)
	}
	if fake.calls != 1 {
		t.Fatalf("the model was asked %d times; the follow-up is read offline", fake.calls)
	}
	m, err := chat.Ask(ctx, "what was the churn rate last month?", a.ConversationID, "t", nil)
	if err != nil || m.Route != queries.RouteMetric || m.Plan.Planner != "llm" || m.Query == nil || m.Query.Metrics[0] != "churn_rate" || fake.calls != 2 {
		t.Fatalf("metric after a route: %v %s %s %q", err, m.Route, m.Plan.Planner, m.Answer)
	}
}
