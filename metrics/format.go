package metrics

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// maxUnitLen bounds a unit, which is written after every value.
const maxUnitLen = 16

// modelCurrency checks the model's default currency.
func (v *validator) modelCurrency() {
	if c := v.m.Currency; c != "" && !currencyRE.MatchString(c) {
		v.fail(v.m.Line, "use an ISO 4217 code such as CNY, USD or EUR", "unknown currency %q", c)
	}
}

// money checks a metric's currency and unit.
func (v *validator) money(mt *Metric) {
	what := "metric " + mt.Name
	if mt.Currency != "" {
		switch {
		case !currencyRE.MatchString(mt.Currency):
			v.fail(mt.Line, "use an ISO 4217 code such as CNY, USD or EUR", "%s: unknown currency %q", what, mt.Currency)
		case mt.Format != "currency":
			v.fail(mt.Line, "set format: currency, or remove currency:", "%s: currency %s is for money, but its format is %s", what, mt.Currency, mt.Format)
		}
	}
	if mt.Unit != "" {
		switch {
		case utf8.RuneCountInString(mt.Unit) > maxUnitLen || strings.ContainsAny(mt.Unit, "\n\r\t"):
			v.fail(mt.Line, "use a short unit such as 元, people or km", "%s: unit %q is longer than %d characters or spans lines", what, mt.Unit, maxUnitLen)
		case mt.Format == "percent":
			v.fail(mt.Line, "remove unit: a percent has none", "%s: a percent has no unit", what)
		}
	}
}

// moneyOf is a metric's currency (its own or the model's, for money) and unit.
func (c *Catalog) moneyOf(m *Metric) (currency, unit string) {
	if m.Format == "currency" {
		currency = m.Currency
		if currency == "" {
			currency = c.Model.Currency
		}
	}
	return currency, m.Unit
}

// currencyZH are the Chinese names of common currencies; others are
// written by their code.
var currencyZH = map[string]string{"CNY": "元", "USD": "美元", "EUR": "欧元", "GBP": "英镑", "JPY": "日元", "HKD": "港元"}

// FormatValue writes a metric value for a sentence in lang ("zh" or "en")
// as its definition says: a percent (1.23%), money in its currency and
// scale (1.23 亿元, 4.50 万美元, USD 1.2m; a unit: 12.30 万 RMB), a count
// or number with the metric's unit (1,234 人). Money with neither currency
// nor unit has no sign: the model did not say what it is. A value that is
// not a number is "无数据" / "n/a". For a comparison's pct_change, pass
// the definition with Format "percent".
func FormatValue(lang string, d Definition, v any) string {
	f, ok := Number(v)
	if !ok {
		if lang == "zh" {
			return "无数据"
		}
		return "n/a"
	}
	switch d.Format {
	case "percent":
		if math.Abs(f) < 0.1 {
			return fmt.Sprintf("%.2f%%", f*100)
		}
		return fmt.Sprintf("%.1f%%", f*100)
	case "currency":
		return formatMoney(lang == "zh", f, d.Currency, d.Unit)
	case "count":
		return withUnit(thousands(int64(math.Round(f))), d.Unit)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return withUnit(thousands(int64(f)), d.Unit)
	}
	return withUnit(fmt.Sprintf("%.2f", f), d.Unit)
}

func withUnit(s, unit string) string {
	if unit == "" {
		return s
	}
	return s + " " + unit
}

// MoneyName is what money is written in: the metric's unit, else in
// Chinese the currency's name (元, 美元) or code, in English the code; ""
// when the model did not say.
func MoneyName(lang, currency, unit string) string {
	switch {
	case unit != "":
		return unit
	case lang == "zh" && currencyZH[currency] != "":
		return currencyZH[currency]
	}
	return currency
}

// formatMoney scales money by 万/亿 in Chinese and k/m/bn in English.
func formatMoney(zh bool, f float64, currency, unit string) string {
	a := math.Abs(f)
	if zh {
		name := MoneyName("zh", currency, unit)
		sep := ""
		if name != "" && !isHan(name) {
			sep = " " // 1.23 万 EUR, but 1.23 万元
		}
		switch {
		case a >= 1e8:
			return strings.TrimSpace(fmt.Sprintf("%.2f 亿%s%s", f/1e8, sep, name))
		case a >= 1e4:
			return strings.TrimSpace(fmt.Sprintf("%.2f 万%s%s", f/1e4, sep, name))
		}
		return strings.TrimSpace(fmt.Sprintf("%.2f %s", f, name))
	}
	var s string
	switch {
	case a >= 1e9:
		s = fmt.Sprintf("%.2fbn", f/1e9)
	case a >= 1e6:
		s = fmt.Sprintf("%.2fm", f/1e6)
	case a >= 1e3:
		s = fmt.Sprintf("%.1fk", f/1e3)
	default:
		s = fmt.Sprintf("%.2f", f)
	}
	switch {
	case unit != "":
		return s + " " + unit
	case currency != "":
		return currency + " " + s
	}
	return s
}

func isHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r >= 0x2E80 && r <= 0x9FFF
}

// Number reads a result cell as a float: counts arrive as int64, and NaN
// or infinity is no number.
func Number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

// thousands writes n with a comma every three digits.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
