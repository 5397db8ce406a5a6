package narrate_test

import (
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
)

// Chart axes scale money as bankers write it: 万/亿 in Chinese, K/M/B in
// English, and name the unit after the scale.
func TestMoneyScaleAndAxisUnit(t *testing.T) {
	cny := metrics.Definition{Format: "currency", Currency: "CNY"}
	chf := metrics.Definition{Format: "currency", Currency: "CHF"}
	people := metrics.Definition{Format: "count", Unit: "人"}
	for _, tc := range []struct {
		lang string
		d    metrics.Definition
		max  float64
		div  float64
		unit string
	}{
		{"zh", cny, 2.5e9, 1e8, "亿元"},
		{"zh", cny, -4.5e5, 1e4, "万元"},
		{"zh", cny, 900, 1, "元"},
		{"zh", chf, 3e8, 1e8, "亿 CHF"},
		{"en", cny, 2.5e9, 1e9, "CNY B"},
		{"en", cny, 4.5e6, 1e6, "CNY M"},
		{"en", cny, 4.5e3, 1e3, "CNY K"},
		{"en", cny, 12, 1, "CNY"},
		{"zh", metrics.Definition{Format: "percent"}, 0.5, 1, "%"},
		{"zh", people, 12, 1, "人"},
	} {
		s := narrate.Scale{Divisor: 1}
		if tc.d.Format == "currency" {
			s = narrate.MoneyScale(tc.lang, tc.max)
		}
		if s.Divisor != tc.div {
			t.Errorf("%s %v: divisor %v, want %v", tc.lang, tc.max, s.Divisor, tc.div)
		}
		if got := narrate.AxisUnit(tc.lang, tc.d, s); got != tc.unit {
			t.Errorf("%s %s %v: unit %q, want %q", tc.lang, tc.d.Currency, tc.max, got, tc.unit)
		}
	}
}
