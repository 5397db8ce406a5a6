package queries

import (
	"testing"
	"unicode/utf8"
)

// Any question, however broken, gets a plan with a known status and never
// a panic; an answer always names a metric.
func FuzzPlan(f *testing.F) {
	for _, seed := range []string{"50岁以上会员的流失率", "德国以外 vs 法国", "churn rate for members over 1,000,000 yuan a month", "除了之外以外", "2025年1月到到9月", "over over 50 50", "其中", "为什么", "0.5万到1万元之间", "哪三个", "🙂"} {
		f.Add(seed)
	}
	o, _, _ := membersPlanner(f)
	f.Fuzz(func(t *testing.T, q string) {
		if !utf8.ValidString(q) || len(q) > 500 {
			return
		}
		p := o.Plan(q, nil)
		switch p.Status {
		case "answer":
			if len(p.Query.Metrics) == 0 {
				t.Fatalf("%q: an answer with no metric", q)
			}
		case "refuse", "clarify":
		default:
			t.Fatalf("%q: status %q", q, p.Status)
		}
	})
}
