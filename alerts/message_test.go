package alerts

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// TestChangeConditionWording: change conditions read as a reader says
// them, a negative bound as a fall, in both languages.
func TestChangeConditionWording(t *testing.T) {
	def := metrics.Definition{Name: "churned_customers", Format: "integer"}
	prev := 9.0
	cases := []struct {
		lang, compare, change string
		above, below          *float64
		want                  string
	}{
		{"en", "previous_period", "absolute", nil, f64(-1), "Condition: falls by more than 1 vs the previous period (then: 9)"},
		{"zh", "previous_period", "absolute", nil, f64(-1), "条件：环比降幅超过 1；上期 9"},
		{"en", "previous_period", "percent", f64(1), nil, "Condition: rises by more than 1% vs the previous period (then: 9)"},
		{"zh", "previous_period", "percent", f64(1), nil, "条件：环比升幅超过 1%；上期 9"},
		{"en", "same_period_last_year", "percent", f64(20), f64(-20), "Condition: rises by more than 20% or falls by more than 20% vs the same period last year (then: 9)"},
		{"zh", "same_period_last_year", "percent", f64(20), f64(-20), "条件：同比升幅超过 20% 或降幅超过 20%；去年同期 9"},
		{"en", "previous_period", "absolute", f64(-5), nil, "Condition: falls by less than 5 (or rises) vs the previous period (then: 9)"},
	}
	for _, c := range cases {
		r := &Rule{Lang: c.lang, Condition: Condition{Kind: "change", Compare: c.compare, Change: c.change, Above: c.above, Below: c.below}}
		if got := conditionText(r, def, Observation{Previous: &prev}); got != c.want {
			t.Errorf("%s %s %s: %q, want %q", c.lang, c.compare, c.change, got, c.want)
		}
	}
}

// TestChangeThatRoundsToNothing: a change that would print as -0.00 个百分点
// or +0.0% reads as about the same, in both languages; a real one keeps
// its sign.
func TestChangeThatRoundsToNothing(t *testing.T) {
	rate := metrics.Definition{Name: "churn_rate", Format: "percent"}
	cases := []struct {
		lang, change string
		d            float64
		want         string
	}{
		{"zh", "absolute", -0.00001, "环比基本持平"},
		{"en", "absolute", 0.00002, "vs previous period about the same"},
		{"zh", "absolute", -0.0012, "环比 -0.12 个百分点"},
		{"zh", "percent", 0.01, "环比基本持平"},
		{"en", "percent", -2.5, "vs previous period -2.5%"},
	}
	for _, c := range cases {
		r := &Rule{Lang: c.lang, Condition: Condition{Kind: "change", Compare: "previous_period", Change: c.change}}
		if got := changeText(r, rate, c.d); got != c.want {
			t.Errorf("%s %s %v: %q, want %q", c.lang, c.change, c.d, got, c.want)
		}
	}
}

// TestPercentChangeFromANegativeOrTinyBase: a percent change rule's message
// writes the amount, not the percent, where the report page would write —:
// from a negative or zero base, or of 500% or more (the net inflow figures
// a bank operator saw: +245.1% from -110.14 万元, +2064.6% from 33.12 万元).
func TestPercentChangeFromANegativeOrTinyBase(t *testing.T) {
	def := metrics.Definition{Name: "net_inflow", Format: "currency"}
	res := &metrics.Result{Definitions: []metrics.Definition{def}}
	cases := []struct {
		prev, value float64
		percent     bool // the percent is written
	}{
		{-1101400, 1598300, false},
		{331200, 7169800, false},
		{0, 50000, false},
		{1000000, 1200000, true},
		{1000000, 5900000, true}, // +490%: still said
		{1000000, 6000000, false},
	}
	for _, c := range cases {
		for _, lang := range []string{"zh", "en"} {
			r := &Rule{ID: "c", Name: "n", Lang: lang, Query: metrics.Query{Metrics: []string{"net_inflow"}},
				Condition: Condition{Kind: "change", Compare: "previous_period", Change: "percent", Above: f64(10)}}
			v, p := c.value, c.prev
			o := Observation{Value: &v, Previous: &p}
			if p != 0 {
				pct := (v - p) / math.Abs(p) * 100
				o.Change = &pct
			}
			m := message(nil, r, res, o, "", time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
			if len(m.Figures) != 1 {
				t.Fatalf("figures %+v", m.Figures)
			}
			got := m.Figures[0].Change
			amount := "+" + metrics.FormatValue(lang, def, v-p)
			if c.percent {
				want := fmt.Sprintf("%+.1f%%", (v-p)/math.Abs(p)*100)
				if !strings.HasSuffix(got, " "+want) {
					t.Errorf("%s %v→%v: change %q, want the percent %s", lang, p, v, got, want)
				}
				continue
			}
			if strings.Contains(got, "%") || !strings.HasSuffix(got, " "+amount) || m.Figures[0].Trend != 1 {
				t.Errorf("%s %v→%v: change %q trend %d, want the amount %s rising", lang, p, v, got, m.Figures[0].Trend, amount)
			}
		}
	}
}

// TestPeriodLineWithoutATimeRange: a rule whose query sets no time range
// says its figure is over all the data (or the latest period of its
// grain) instead of giving no period at all; a ranged one gives its window.
func TestPeriodLineWithoutATimeRange(t *testing.T) {
	def := metrics.Definition{Name: "churn_rate", Format: "percent"}
	v := 0.255
	cases := []struct {
		lang   string
		time   metrics.ResolvedTime
		period string
		want   string
	}{
		{"zh", metrics.ResolvedTime{TimeZone: "Asia/Shanghai"}, "", "期间：全部数据（规则未限定时间范围）"},
		{"en", metrics.ResolvedTime{TimeZone: "Asia/Shanghai"}, "", "Period: all data (the rule sets no time range)"},
		{"zh", metrics.ResolvedTime{Grain: "month", TimeZone: "Asia/Shanghai"}, "2026-10", "期间：2026-10（最新一期；规则未限定时间范围）"},
		{"zh", metrics.ResolvedTime{Start: "2026-10-01", End: "2026-10-31", TimeZone: "Asia/Shanghai"}, "", "期间：2026-10-01 – 2026-10-31 (Asia/Shanghai)"},
	}
	for _, c := range cases {
		r := &Rule{ID: "r", Name: "n", Lang: c.lang, Query: metrics.Query{Metrics: []string{"churn_rate"}},
			Condition: Condition{Kind: "threshold", Above: f64(0.02)}}
		res := &metrics.Result{Time: c.time, Definitions: []metrics.Definition{def}}
		m := message(nil, r, res, Observation{Value: &v, Period: c.period, Breach: true}, "", time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC))
		var got []string
		for _, l := range m.Lines {
			if strings.HasPrefix(l, "期间：") || strings.HasPrefix(l, "Period: ") {
				got = append(got, l)
			}
		}
		if len(got) != 1 || got[0] != c.want {
			t.Errorf("%s %+v: period lines %q, want %q", c.lang, c.time, got, c.want)
		}
	}
}
