package narrate

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/beaconbi/beacon/metrics"
)

// Value writes a metric value for a sentence in lang ("zh" or "en") as
// its definition says: a percent (1.23%), money in its currency and scale
// (1.23 亿元, 4.50 万美元, USD 1.2m), a count or number with the metric's
// unit (1,234 人); "无数据" / "n/a" for no number. The formats are the
// metric engine's (metrics.FormatValue), so an API and a sentence agree.
func Value(lang string, d metrics.Definition, v any) string {
	return metrics.FormatValue(lang, d, v)
}

// Scale is how a set of values is shown on one axis or in one column:
// divided by Divisor, with Word (万, 亿, K, M, B) before the unit.
type Scale struct {
	Divisor float64
	Word    string
}

// MoneyScale picks the scale for money whose largest magnitude is maxAbs:
// 万 or 亿 in Chinese, K, M or B in English, so that the figures on a chart
// axis read as a banker would write them (1.2 亿元, CNY 120M).
func MoneyScale(lang string, maxAbs float64) Scale {
	a := math.Abs(maxAbs)
	if lang == "zh" {
		switch {
		case a >= 1e8:
			return Scale{1e8, "亿"}
		case a >= 1e4:
			return Scale{1e4, "万"}
		}
		return Scale{1, ""}
	}
	switch {
	case a >= 1e9:
		return Scale{1e9, "B"}
	case a >= 1e6:
		return Scale{1e6, "M"}
	case a >= 1e3:
		return Scale{1e3, "K"}
	}
	return Scale{1, ""}
}

// AxisUnit names the unit of a metric's values on a chart axis after
// scaling by s: "%" for a percent, 亿元 or "CNY M" for money, the metric's
// unit for a count; "" when there is none.
func AxisUnit(lang string, d metrics.Definition, s Scale) string {
	switch d.Format {
	case "percent":
		return "%"
	case "currency":
		name := metrics.MoneyName(lang, d.Currency, d.Unit)
		if lang == "zh" {
			if name != "" && !isHan(name) && s.Word != "" {
				return s.Word + " " + name
			}
			return s.Word + name
		}
		return strings.TrimSpace(name + " " + s.Word)
	}
	if s.Word != "" {
		return strings.TrimSpace(s.Word + " " + d.Unit)
	}
	return d.Unit
}

func isHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r >= 0x2E80 && r <= 0x9FFF
}

// Number reads a result cell as a float (metrics.Number).
func Number(v any) (float64, bool) { return metrics.Number(v) }
