package risk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestCheckNumbers(t *testing.T) {
	source := "客户流失率上升 0.60 个百分点（由 1.00% 升至 1.60%），成本 1.23 万元，共 1,234 次，2026-10。每多留住一位客户成本 300.00 元。"
	for _, tc := range []struct {
		text string
		ok   bool
	}{
		{"流失率升了 0.6 个百分点，从 1% 到 1.6%，花了 1.23 万元做了 1234 次（2026 年 10 月），每位 300 元。", true},
		{"流失率上升 0.7 个百分点。", false},
		{"约 60% 的变化来自年轻客群。", false},
		{"共 １２３４ 次，上升 ０．６ 个百分点。", true},
		{"共 １２３５ 次。", false},
		{"流失率上升了三个百分点。", false},
		{"每多留住一位客户成本 300 元。", true},
		{"Costs doubled.", false},
		{"nearly half of the change", false},
	} {
		err := risk.CheckNumbers(tc.text, source)
		if (err == nil) != tc.ok {
			t.Errorf("%q: got %v, want ok=%v", tc.text, err, tc.ok)
		}
	}
}

// fakeLLM is an OpenAI-compatible chat-completions server that answers
// with reply(offline text).
func fakeLLM(t *testing.T, reply func(offline string) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct{ Role, Content string } `json:"messages"`
		}
		if r.URL.Path != "/v1/chat/completions" || json.NewDecoder(r.Body).Decode(&req) != nil || len(req.Messages) != 2 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": reply(req.Messages[1].Content)}}}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSummaryOfflineFiguresAndLLMRewrite(t *testing.T) {
	ret, db := retention(t)
	ctx := context.Background()
	s, err := ret.Summarize(ctx, "zh", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(s.Offline)
	if s.Source != "offline" || s.Text != s.Offline || s.Month.Start != "2026-10-01" || s.Week.End != "2026-11-24" {
		t.Fatalf("got source %s, month %v, week %v", s.Source, s.Month, s.Week)
	}
	hand := warehousetest.Rows(t, db, `SELECT count(*), sum(cost) FROM retention_actions WHERE action_date BETWEEN DATE '2026-11-18' AND DATE '2026-11-24'`)[0]
	if float64(s.Actions) != hand[0].(float64) || fmt.Sprintf("%.2f", s.Cost) != fmt.Sprintf("%.2f", hand[1].(float64)) {
		t.Errorf("got %d actions costing %v, hand SQL %v and %v", s.Actions, s.Cost, hand[0], hand[1])
	}
	for _, want := range []string{s.Churn.Narrative, s.AUM.Narrative, "高风险客户 " + s.Figures["at_risk"] + " 人", "挽留措施 " + s.Figures["actions"] + " 次"} {
		if !strings.Contains(s.Offline, want) {
			t.Errorf("offline text lacks %q:\n%s", want, s.Offline)
		}
	}

	// A faithful rewrite (the same numbers, other words) is used.
	faithful := fakeLLM(t, func(offline string) string {
		return strings.ReplaceAll(offline, "【挽留周报", "【本周挽留简报")
	})
	s.Rewrite(ctx, &risk.LLMRewriter{APIKey: "k", BaseURL: faithful.URL + "/v1"})
	if s.Source != "llm" || !strings.HasPrefix(s.Text, "【本周挽留简报") {
		t.Errorf("got source %s (%s): %q", s.Source, s.Rejected, s.Text)
	}
	// A rewrite that invents a number is refused: the offline text is sent.
	inventor := fakeLLM(t, func(offline string) string { return offline + "预计下月流失将减少 37.5%。" })
	s.Rewrite(ctx, &risk.LLMRewriter{APIKey: "k", BaseURL: inventor.URL + "/v1"})
	if s.Source != "offline" || s.Text != s.Offline || !strings.Contains(s.Rejected, "37.5") {
		t.Errorf("got source %s, rejected %q", s.Source, s.Rejected)
	}
	// A model server that fails leaves the offline text too.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "overloaded", 503) }))
	defer down.Close()
	s.Rewrite(ctx, &risk.LLMRewriter{APIKey: "k", BaseURL: down.URL})
	if s.Source != "offline" || s.Rejected == "" || s.Text != s.Offline {
		t.Errorf("got source %s, rejected %q, text %q", s.Source, s.Rejected, s.Text)
	}
}
