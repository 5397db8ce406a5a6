package queries

import "testing"

func TestFormatValue(t *testing.T) {
	cases := []struct {
		lang, format string
		v            any
		want         string
	}{
		{"zh", "percent", 0.0041, "0.41%"},
		{"en", "percent", 0.8523, "85.2%"},
		{"zh", "currency", 2.638e10, "263.80 亿元"},
		{"zh", "currency", 56789.0, "5.68 万元"},
		{"en", "currency", 2.638e10, "CNY 26.38bn"},
		{"en", "currency", 1234567.0, "CNY 1.23m"},
		{"zh", "count", 1234567.0, "1,234,567"},
		{"en", "count", int64(-4321), "-4,321"},
		{"en", "ratio", 2.345, "2.35"},
		{"zh", "percent", nil, "无数据"},
		{"en", "number", nil, "n/a"},
	}
	for _, tc := range cases {
		if got := FormatValue(tc.lang, tc.format, tc.v); got != tc.want {
			t.Errorf("FormatValue(%s, %s, %v) = %q, want %q", tc.lang, tc.format, tc.v, got, tc.want)
		}
	}
}

func TestCompareClauseFollowsTheSignOfCounts(t *testing.T) {
	cases := []struct {
		delta, pct any
		want       string
	}{
		{int64(-8), -0.421, "，环比下降 42.1%"},
		{int64(5), 0.2, "，环比上升 20.0%"},
		{-0.004, -0.5, "，环比下降 0.40 个百分点"},
	}
	for i, tc := range cases {
		format := "count"
		if i == 2 {
			format = "percent"
		}
		if got := compareClause("zh", "previous_period", format, tc.delta, tc.pct); got != tc.want {
			t.Errorf("delta %v: got %q, want %q", tc.delta, got, tc.want)
		}
	}
}

func TestEnglishLeadsWithOrWithoutAPeriod(t *testing.T) {
	cases := []struct{ period, scope, label, want string }{
		{"in October 2026", "", "Churn rate", "In October 2026, churn rate"},
		{"in October 2026", " (High net worth)", "Churn rate", "In October 2026 (High net worth), churn rate"},
		{"", " (Female)", "Attrition rate", "Attrition rate (Female)"},
		{"", "", "AUM", "AUM"},
		{"in Q3 2026", "", "AUM", "In Q3 2026, AUM"},
	}
	for _, tc := range cases {
		if got := enLead(tc.period, tc.scope, tc.label); got != tc.want {
			t.Errorf("enLead(%q, %q, %q) = %q, want %q", tc.period, tc.scope, tc.label, got, tc.want)
		}
	}
}
