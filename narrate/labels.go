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

// ColumnDefinition is how a metric or comparison column's values are
// written: its metric's definition, a percent for a pct_change.
func ColumnDefinition(c metrics.Column, defs map[string]metrics.Definition) metrics.Definition {
	name := c.Name
	if c.Metric != "" {
		name = c.Metric
	}
	d, ok := defs[name]
	if !ok {
		d = metrics.Definition{Name: c.Name, Format: c.Format}
	}
	if strings.HasSuffix(c.Name, "_pct_change") && c.Role == "comparison" {
		d.Format, d.Currency, d.Unit = "percent", "", ""
	}
	return d
}

// ColumnLabel is a column's heading in lang: the metric's or dimension's
// label, 上期/变化/变化率 for a comparison's columns, 期间 for the period.
func ColumnLabel(cat *metrics.Catalog, c metrics.Column, lang string) string {
	zh := lang == "zh"
	switch c.Role {
	case "time":
		return map[bool]string{true: "期间", false: "Period"}[zh]
	case "dimension":
		if d, ok := cat.Dimension(c.Name); ok {
			return Label(lang, d.Label, c.Name)
		}
	case "comparison":
		base := c.Metric
		if m, ok := cat.Metric(c.Metric); ok {
			base = Label(lang, m.Label, c.Metric)
		}
		suffix := strings.TrimPrefix(c.Name, c.Metric+"_")
		words := map[string][2]string{"previous": {"上期", "previous"}, "delta": {"变化", "change"}, "pct_change": {"变化率", "% change"}}[suffix]
		if words[0] == "" {
			return c.Name
		}
		if zh {
			return base + words[0]
		}
		return base + " " + words[1]
	}
	return Label(lang, c.Label, c.Name)
}
