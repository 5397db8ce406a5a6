package narrate

import (
	"strings"

	"github.com/beaconbi/beacon/metrics"
)

// Label picks a label's text in lang, falling back to English and then to
// fallback (a name) when the model gave none.
func Label(lang string, t metrics.Text, fallback string) string {
	if lang == "zh" && t.ZH != "" {
		return t.ZH
	}
	if t.EN != "" {
		return t.EN
	}
	if t.ZH != "" {
		return t.ZH
	}
	return fallback
}

// Period names a resolved range for a heading: 2026年10月, 2026年第三季度,
// October 2026, Q3 2026, 2026-01-01 to 2026-03-31; "" for no range.
func Period(lang string, t metrics.ResolvedTime) string {
	p := periodLabel(lang, t)
	if lang != "zh" {
		p = strings.TrimPrefix(strings.TrimPrefix(p, "in "), "from ")
	}
	return p
}

// ValueLabel is a dimension value's label in lang (高净值 for a segment
// code), or the value itself when the model gives none.
func ValueLabel(lang string, cat *metrics.Catalog, dim, value string) string {
	return valueLabel(lang, cat, dim, value)
}
