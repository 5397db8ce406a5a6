package queries

import (
	"testing"
	"time"
)

func TestReadTime(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, sh)
	cases := []struct {
		q                   string
		rng, grain, compare string
		trend               bool
	}{
		{"上个月高净值客户流失率是多少？", "last_month", "", "", false},
		{"本季度各分行续约率排名", "this_quarter", "", "", false},
		{"近三个月的流失率", "last_3_months", "", "", false},
		{"过去12个月每月的AUM", "last_12_months", "month", "", false},
		{"近一年流失率趋势", "last_12_months", "", "", true},
		{"近两个季度", "last_2_quarters", "", "", false},
		{"近7天", "last_7_days", "", "", false},
		{"2024年3月的续约率", "2024-03", "", "", false},
		{"2024年Q3", "2024-Q3", "", "", false},
		{"2024年第三季度", "2024-Q3", "", "", false},
		{"2025年下半年", "2025-H2", "", "", false},
		{"上半年", "first_half", "", "", false},
		{"去年上半年", "2025-H1", "", "", false},
		{"2024年", "2024", "", "", false},
		{"3月份", "2026-03", "", "", false},
		{"12月", "2025-12", "", "", false},
		{"年初至今", "ytd", "", "", false},
		{"本月至今", "mtd", "", "", false},
		{"今年流失率同比", "this_year", "", "same_period_last_year", false},
		{"和去年同期比呢", "", "", "same_period_last_year", false},
		{"上个月流失率环比", "last_month", "", "previous_period", false},
		{"今年比去年高吗", "this_year", "", "same_period_last_year", false},
		{"按季度看今年的续约率", "this_year", "quarter", "", false},
		{"churn rate by segment over the last 6 months", "last_6_months", "", "", false},
		{"renewal rate in Q3 2024", "2024-Q3", "", "", false},
		{"AUM in March 2024", "2024-03", "", "", false},
		{"monthly churn this year", "this_year", "month", "", false},
		{"churn rate last month vs the same period last year", "last_month", "", "same_period_last_year", false},
		{"net inflow YTD", "ytd", "", "", false},
		{"complaints in the past three months", "last_3_months", "", "", false},
		{"churn in 2025", "2025", "", "", false},
		{"aum trend over the last twelve months", "last_12_months", "", "", true},
		{"win-back rate quarter over quarter", "", "", "previous_period", false},
		{"H1 2025", "2025-H1", "", "", false},
		{"churn in Q2", "2026-Q2", "", "", false},
		{"churn in the third quarter of last year", "2025-Q3", "", "", false},
		{"churn rate Q3 last year", "2025-Q3", "", "", false},
	}
	for _, tc := range cases {
		tr, _ := readTime(normalize(tc.q), now)
		if tr.Range != tc.rng || tr.Grain != tc.grain || tr.Compare != tc.compare || tr.Trend != tc.trend {
			t.Errorf("%q: got %+v, want range %q grain %q compare %q trend %v", tc.q, tr, tc.rng, tc.grain, tc.compare, tc.trend)
		}
	}
}

func TestNumber(t *testing.T) {
	for s, want := range map[string]int{"三": 3, "十二": 12, "两": 2, "二十四": 24, "十": 10, "12": 12, "six": 6, "一百": 100} {
		if got, ok := number(s); !ok || got != want {
			t.Errorf("number(%q) = %d %v, want %d", s, got, ok, want)
		}
	}
}

// Spans of whole months and years read as start and end dates.
func TestReadTimeSpans(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, sh)
	cases := []struct{ q, start, end string }{
		{"2025年1月到9月的流失率", "2025-01-01", "2025-09-30"},
		{"churn rate from 2024-01 to 2024-06", "2024-01-01", "2024-06-30"},
		{"tickets from 2023 to 2024", "2023-01-01", "2024-12-31"},
		{"2023年到2024年的工单数", "2023-01-01", "2024-12-31"},
		{"2023-2024年新签客户数", "2023-01-01", "2024-12-31"},
		{"new logos 2023 through 2024", "2023-01-01", "2024-12-31"},
	}
	for _, tc := range cases {
		tr, _ := readTime(normalize(tc.q), now)
		if tr.Start != tc.start || tr.End != tc.end {
			t.Errorf("%q: got %+v, want %s to %s", tc.q, tr, tc.start, tc.end)
		}
	}
	// A span backwards is not a span.
	if tr, _ := readTime(normalize("from 2025 to 2023"), now); tr.Start != "" {
		t.Errorf("from 2025 to 2023 read as %+v", tr)
	}
}
