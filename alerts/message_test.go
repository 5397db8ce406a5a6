package alerts

import (
	"testing"

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
		{"zh", "same_period_last_year", "percent", f64(20), f64(-20), "条件：同比升幅超过 20%或降幅超过 20%；去年同期 9"},
		{"en", "previous_period", "absolute", f64(-5), nil, "Condition: falls by less than 5 (or rises) vs the previous period (then: 9)"},
	}
	for _, c := range cases {
		r := &Rule{Lang: c.lang, Condition: Condition{Kind: "change", Compare: c.compare, Change: c.change, Above: c.above, Below: c.below}}
		if got := conditionText(r, def, Observation{Previous: &prev}); got != c.want {
			t.Errorf("%s %s %s: %q, want %q", c.lang, c.compare, c.change, got, c.want)
		}
	}
}
