// Package narrate writes what a metric result says, in Chinese or English:
// the one-sentence answer (10月高净值客户流失率为 2.3%，环比上升 0.4 个百分点。)
// and the number formats behind it (percent, money in 万/亿 or K/M, counts
// with their unit). Chat, alerts and reports share it, so a figure reads
// the same wherever it is shown.
package narrate

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// Sentence writes the one-sentence answer to a result in lang ("zh" or
// "en"): the figure, its period and filters, and the comparison or the
// extremes of a breakdown.
func Sentence(lang string, cat *metrics.Catalog, q metrics.Query, r *metrics.Result) string {
	return Facts(lang, cat, q, r) + partialNote(lang, r)
}

// partialNote says which periods of the answer the data covers only in
// part (a quarter not finished, a month before the history starts), so a
// reader does not take a part for the whole.
func partialNote(lang string, r *metrics.Result) string {
	var parts []string
	for _, p := range r.Partial {
		what := p.Start + "–" + p.End
		if lang == "zh" {
			if p.Comparison {
				what = "对比期" + what
			}
			parts = append(parts, fmt.Sprintf("%s只覆盖 %d/%d 天", what, p.CoveredDays, p.Days))
			continue
		}
		if p.Comparison {
			what = "the comparison period " + what
		}
		parts = append(parts, fmt.Sprintf("%s covers %d of %d days", what, p.CoveredDays, p.Days))
	}
	if len(parts) == 0 {
		return ""
	}
	if lang == "zh" {
		return "（注意：" + strings.Join(parts, "；") + "，数据不完整。）"
	}
	return " (Note: " + strings.Join(parts, "; ") + ": partial data.)"
}

// Facts is the sentence without the note on partial periods, for a
// clause inside another answer.
func Facts(lang string, cat *metrics.Catalog, q metrics.Query, r *metrics.Result) string {
	s := facts(lang, cat, q, r)
	if q.Compare != "" && len(r.Rows) > 0 {
		s += windows(lang, r)
	}
	return s
}

// facts is the sentence without the periods compared.
func facts(lang string, cat *metrics.Catalog, q metrics.Query, r *metrics.Result) string {
	zh := lang == "zh"
	if len(r.Rows) == 0 || len(q.Metrics) == 0 {
		if zh {
			return "没有符合条件的数据。"
		}
		return "No data matched the question."
	}
	m, _ := cat.Metric(q.Metrics[0])
	label := m.Label.EN
	if zh && m.Label.ZH != "" {
		label = m.Label.ZH
	}
	period := periodLabel(lang, r.Time)
	scope := filterLabel(lang, cat, q.Filters)
	col := func(name string) int {
		for i, c := range r.Columns {
			if c.Name == name {
				return i
			}
		}
		return -1
	}
	mi := col(m.Name)
	def := cat.Definition(m)
	val := func(row []any) string { return Value(lang, def, row[mi]) }
	if allNull(r.Rows, mi) {
		if zh {
			return fmt.Sprintf("%s%s%s没有可计算的数据。", period, scope, label)
		}
		return fmt.Sprintf("%s has no data to compute.", enLead(period, scope, label))
	}
	cmp, hasCmp := comparisonOf(lang, q, r, def, m.Name)
	dims := dimensionColumns(r)
	dimIdx := -1
	if len(dims) > 0 {
		dimIdx = dims[0]
	}
	switch {
	case col("period") >= 0:
		// A series: the latest period, and the range of values.
		pi := col("period")
		last := r.Rows[len(r.Rows)-1]
		hi, lo := extremes(r.Rows, mi)
		change, enChange := "", ""
		if hasCmp {
			change, enChange = "，"+cmp.of(last), ", "+cmp.of(last)
		}
		if hasCmp && dimIdx >= 0 {
			// With a breakdown the last row is one group of the latest period:
			// the change said is the movers among that period's groups.
			change, enChange = "", ""
		}
		s := ""
		if zh {
			s = fmt.Sprintf("%s%s%s最近一期（%s）为 %s%s，期间最高 %s（%s），最低 %s（%s）。", period, scope, label, rowName(last, pi, dimIdx), val(last), change,
				val(r.Rows[hi]), rowName(r.Rows[hi], pi, dimIdx), val(r.Rows[lo]), rowName(r.Rows[lo], pi, dimIdx))
		} else {
			s = fmt.Sprintf("%s was %s in the latest period (%s)%s; highest %s (%s), lowest %s (%s).", enLead(period, scope, label), val(last), rowName(last, pi, dimIdx), enChange,
				val(r.Rows[hi]), rowName(r.Rows[hi], pi, dimIdx), val(r.Rows[lo]), rowName(r.Rows[lo], pi, dimIdx))
		}
		if hasCmp && dimIdx >= 0 {
			var latest [][]any
			for _, row := range r.Rows {
				if fmt.Sprint(row[pi]) == fmt.Sprint(last[pi]) {
					latest = append(latest, row)
				}
			}
			name := func(row []any) string { return groupName(lang, cat, r, dims, row) }
			lead := map[bool]string{true: "；最近一期（" + fmt.Sprint(last[pi]) + "）", false: "; in the latest period (" + fmt.Sprint(last[pi]) + ")"}[zh]
			s = extend(lang, s, lead+strings.TrimLeft(movers(cmp, latest, mi, name), "；; "))
		}
		return s
	case dimIdx >= 0:
		var c *comparison
		if hasCmp {
			c = &cmp
		}
		return breakdownSentence(lang, cat, q, r, dims, mi, val, period, scope, label, c)
	}
	row := r.Rows[0]
	s := ""
	if zh {
		s = fmt.Sprintf("%s%s%s为 %s", period, scope, label, val(row))
	} else {
		s = fmt.Sprintf("%s was %s", enLead(period, scope, label), val(row))
	}
	if hasCmp {
		s += map[bool]string{true: "，", false: ", "}[zh] + cmp.of(row)
	}
	for _, other := range q.Metrics[1:] {
		om, _ := cat.Metric(other)
		if j := col(other); j >= 0 {
			odef := cat.Definition(om)
			if zh {
				s += fmt.Sprintf("，%s为 %s", om.Label.ZH, Value(lang, odef, row[j]))
			} else {
				s += fmt.Sprintf("; %s was %s", om.Label.EN, Value(lang, odef, row[j]))
			}
			if oc, ok := comparisonOf(lang, q, r, odef, om.Name); ok {
				s += map[bool]string{true: "，", false: ", "}[zh] + oc.of(row)
			}
		}
	}
	if zh {
		return s + "。"
	}
	return s + "."
}

// dimensionColumns lists the indexes of a result's dimension columns.
func dimensionColumns(r *metrics.Result) []int {
	var out []int
	for i, c := range r.Columns {
		if c.Role == "dimension" {
			out = append(out, i)
		}
	}
	return out
}

// breakdownSentence answers a breakdown: each row when there are few (A和B
// 的对比), the first of a ranking, or the highest and the lowest. A row is
// named by all its dimensions' values (德国女性).
func breakdownSentence(lang string, cat *metrics.Catalog, q metrics.Query, r *metrics.Result, dims []int, mi int, val func([]any) string, period, scope, label string, cmp *comparison) string {
	zh := lang == "zh"
	var dls []string
	for _, i := range dims {
		d, _ := cat.Dimension(r.Columns[i].Name)
		dl := d.Label.EN
		if zh && d.Label.ZH != "" {
			dl = d.Label.ZH
		}
		if !zh {
			dl = strings.ToLower(dl)
		}
		dls = append(dls, dl)
	}
	dl := strings.Join(dls, map[bool]string{true: "、", false: " and "}[zh])
	name := func(row []any) string { return groupName(lang, cat, r, dims, row) }
	hi, lo := extremes(r.Rows, mi)
	switch {
	case len(q.Order) > 0 && len(q.Metrics) > 0 && q.Order[0].By == q.Metrics[0]+"_delta" && cmp != nil:
		return moverSentence(lang, r, val, period, scope, label, dl, name(r.Rows[0]), *cmp, q.Order[0].Desc)
	case len(q.Order) > 0:
		first := r.Rows[0]
		word := map[bool]string{true: "最高", false: "最低"}[q.Order[0].Desc]
		enWord := map[bool]string{true: "highest", false: "lowest"}[q.Order[0].Desc]
		change := ""
		if cmp != nil {
			change = map[bool]string{true: "，", false: ", "}[zh] + cmp.of(first)
		}
		if zh {
			return fmt.Sprintf("%s%s%s%s的%s是%s，为 %s%s（共列出 %d 个）。", period, scope, label, word, dl, name(first), val(first), change, len(r.Rows))
		}
		return capital(fmt.Sprintf("%sthe %s with the %s %s was %s at %s%s (%d listed).", enPrefix(period, scope), dl, enWord, midLabel(label), name(first), val(first), change, len(r.Rows)))
	case len(r.Rows) <= 4:
		var parts []string
		for _, row := range r.Rows {
			p := name(row) + " " + val(row)
			if cmp != nil {
				p += map[bool]string{true: "（" + cmp.of(row) + "）", false: " (" + cmp.of(row) + ")"}[zh]
			}
			parts = append(parts, p)
		}
		if zh {
			return fmt.Sprintf("%s%s按%s的%s：%s。", period, scope, dl, label, strings.Join(parts, "，"))
		}
		return fmt.Sprintf("%s by %s: %s.", enLead(period, scope, label), dl, strings.Join(parts, "; "))
	}
	s := ""
	hiN, loN := ties(r.Rows, mi, hi), ties(r.Rows, mi, lo)
	// Several groups at one extreme are named as many, never as one.
	tied := func(k, n int) string {
		if n < 2 {
			return name(r.Rows[k])
		}
		if zh {
			return fmt.Sprintf("%s等 %d 个", name(r.Rows[k]), n)
		}
		if n == 2 {
			return name(r.Rows[k]) + " and 1 other"
		}
		return fmt.Sprintf("%s and %d others", name(r.Rows[k]), n-1)
	}
	switch {
	case hiN == len(r.Rows) && zh:
		s = fmt.Sprintf("%s%s各%s的%s均为 %s（共 %d 个）。", period, scope, dl, label, val(r.Rows[hi]), len(r.Rows))
	case hiN == len(r.Rows):
		s = fmt.Sprintf("%s was %s in every %s (%d listed).", enLead(period, scope, label), val(r.Rows[hi]), dl, len(r.Rows))
	case zh:
		s = fmt.Sprintf("%s%s各%s的%s中，最高为%s（%s），最低为%s（%s）。", period, scope, dl, label, tied(hi, hiN), val(r.Rows[hi]), tied(lo, loN), val(r.Rows[lo]))
	default:
		s = fmt.Sprintf("%s by %s ranged from %s (%s) to %s (%s).", enLead(period, scope, label), dl, val(r.Rows[lo]), tied(lo, loN), val(r.Rows[hi]), tied(hi, hiN))
	}
	if cmp != nil {
		s = extend(lang, s, movers(*cmp, r.Rows, mi, name))
	}
	return s
}

// groupName names a row by all its dimensions' values (德国女性), a NULL
// as （未填） / (blank).
func groupName(lang string, cat *metrics.Catalog, r *metrics.Result, dims []int, row []any) string {
	zh := lang == "zh"
	var parts []string
	for _, i := range dims {
		if row[i] == nil {
			parts = append(parts, map[bool]string{true: "（未填）", false: "(blank)"}[zh])
			continue
		}
		parts = append(parts, valueLabel(lang, cat, r.Columns[i].Name, fmt.Sprint(row[i])))
	}
	return strings.Join(parts, map[bool]string{true: "", false: " "}[zh])
}

// moverSentence answers a ranking by change (top movers): the first row,
// its value and its change.
func moverSentence(lang string, r *metrics.Result, val func([]any) string, period, scope, label, dl, first string, cmp comparison, desc bool) string {
	row := r.Rows[0]
	change := cmp.of(row)
	if lang == "zh" {
		word := map[bool]string{true: "上升最多", false: "下降最多"}[desc]
		return fmt.Sprintf("%s%s%s%s的%s是%s，为 %s，%s（共列出 %d 个）。", period, scope, label, word, dl, first, val(row), change, len(r.Rows))
	}
	word := map[bool]string{true: "rose", false: "fell"}[desc]
	return capital(fmt.Sprintf("%sthe %s whose %s %s most was %s at %s, %s (%d listed).", enPrefix(period, scope), dl, midLabel(label), word, first, val(row), change, len(r.Rows)))
}

// Change writes a comparison: 环比上升 0.40 个百分点 / up 3.2% from the
// same period last year. A percent changes by percentage points, anything
// else by its percent change (or, without one, by the amount). mode is the
// query's compare: previous_period or same_period_last_year.
func Change(lang, mode string, def metrics.Definition, delta, pct any) string {
	d, _ := Number(delta)
	zh := lang == "zh"
	dir := map[bool]string{true: "上升", false: "下降"}[d >= 0]
	enDir := map[bool]string{true: "up", false: "down"}[d >= 0]
	than := map[string]string{"previous_period": "环比", "same_period_last_year": "同比"}[mode]
	enThan := map[string]string{"previous_period": "the previous period", "same_period_last_year": "the same period last year"}[mode]
	amount := ""
	switch def.Format {
	case "percent":
		if zh {
			amount = fmt.Sprintf("%.2f 个百分点", math.Abs(d)*100)
		} else {
			amount = fmt.Sprintf("%.2f percentage points", math.Abs(d)*100)
		}
	default:
		if p, ok := Number(pct); ok {
			amount = fmt.Sprintf("%.1f%%", math.Abs(p)*100)
		} else {
			amount = Value(lang, def, math.Abs(d))
		}
	}
	if zh {
		return fmt.Sprintf("%s%s %s", than, dir, amount)
	}
	return fmt.Sprintf("%s %s from %s", enDir, amount, enThan)
}

func allNull(rows [][]any, i int) bool {
	for _, r := range rows {
		if i >= 0 && r[i] != nil {
			return false
		}
	}
	return true
}

func extremes(rows [][]any, i int) (hi, lo int) {
	hv, lv := math.Inf(-1), math.Inf(1)
	for k, r := range rows {
		v, ok := Number(r[i])
		if !ok {
			continue
		}
		if v > hv {
			hv, hi = v, k
		}
		if v < lv {
			lv, lo = v, k
		}
	}
	return hi, lo
}

// ties counts the rows whose value in column i equals row k's.
func ties(rows [][]any, i, k int) int {
	want, ok := Number(rows[k][i])
	if !ok {
		return 1
	}
	n := 0
	for _, r := range rows {
		if v, ok := Number(r[i]); ok && v == want {
			n++
		}
	}
	return n
}

func rowName(row []any, pi, di int) string {
	if di >= 0 {
		return fmt.Sprintf("%v %v", row[pi], row[di])
	}
	return fmt.Sprint(row[pi])
}

// enPrefix is "In October 2026 (High net worth), " or "" with no period
// and no filter, to start an English sentence.
func enPrefix(period, scope string) string {
	lead := strings.TrimSpace(capital(period) + scope)
	if lead == "" {
		return ""
	}
	return lead + ", "
}

// enLead starts an English sentence with its period and filters, then the
// metric: "In October 2026, churn rate" or "Attrition rate (Female)".
func enLead(period, scope, label string) string {
	if strings.TrimSpace(period) == "" {
		return capital(label) + scope
	}
	return enPrefix(period, scope) + midLabel(label)
}

// midLabel writes a label inside a sentence: lower case, but an acronym
// such as AUM stays as it is.
func midLabel(label string) string {
	if len(label) > 1 && strings.ToUpper(label[:2]) == label[:2] {
		return label
	}
	return strings.ToLower(label[:1]) + label[1:]
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// periodLabel names the resolved range: 2026年10月, 2026年第三季度,
// 2026年, or the dates; in English October 2026, Q3 2026, 2026.
func periodLabel(lang string, t metrics.ResolvedTime) string {
	if t.Start == "" {
		return ""
	}
	s, err1 := time.Parse("2006-01-02", t.Start)
	e, err2 := time.Parse("2006-01-02", t.End)
	if err1 != nil || err2 != nil {
		return ""
	}
	end := e.AddDate(0, 0, 1)
	zh := lang == "zh"
	switch {
	case s.Day() == 1 && end.Equal(s.AddDate(0, 1, 0)):
		if zh {
			return fmt.Sprintf("%d年%d月", s.Year(), s.Month())
		}
		return "in " + s.Format("January 2006")
	case s.Day() == 1 && (s.Month()-1)%3 == 0 && end.Equal(s.AddDate(0, 3, 0)):
		q := (int(s.Month())-1)/3 + 1
		if zh {
			return fmt.Sprintf("%d年第%s季度", s.Year(), []string{"", "一", "二", "三", "四"}[q])
		}
		return fmt.Sprintf("in Q%d %d", q, s.Year())
	case s.YearDay() == 1 && end.Equal(s.AddDate(1, 0, 0)):
		if zh {
			return fmt.Sprintf("%d年", s.Year())
		}
		return fmt.Sprintf("in %d", s.Year())
	}
	if zh {
		return fmt.Sprintf("%s至%s", t.Start, t.End)
	}
	return fmt.Sprintf("from %s to %s", t.Start, t.End)
}

func filterLabel(lang string, cat *metrics.Catalog, fs []metrics.Filter) string {
	var parts []string
	for _, f := range fs {
		var vals []string
		for _, v := range append([]any{f.Value}, f.Values...) {
			if v == nil {
				continue
			}
			vals = append(vals, valueLabel(lang, cat, f.Dimension, fmt.Sprint(v)))
		}
		sep := "、"
		if lang != "zh" {
			sep = ", "
		}
		p := strings.Join(vals, sep)
		switch f.Op {
		case "not_in", "not_in_known", "neq":
			p = map[bool]string{true: "除" + p + "外", false: "excluding " + p}[lang == "zh"]
		case "gt", "gte", "lt", "lte", "between":
			p = conditionLabel(lang, cat, f)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	if lang == "zh" {
		return strings.Join(parts, "、")
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// conditionLabel writes a numeric condition with the dimension's label:
// 年龄≥50, age > 50, 在网月数 12–24.
func conditionLabel(lang string, cat *metrics.Catalog, f metrics.Filter) string {
	label := f.Dimension
	if d, ok := cat.Dimension(f.Dimension); ok {
		label = d.Label.EN
		if lang == "zh" && d.Label.ZH != "" {
			label = d.Label.ZH
		}
	}
	num := func(v any) string { return strings.TrimSuffix(fmt.Sprint(v), ".0") }
	sym := map[string]string{"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}[f.Op]
	if f.Op == "between" && len(f.Values) == 2 {
		if lang == "zh" {
			return fmt.Sprintf("%s在%s至%s之间", label, num(f.Values[0]), num(f.Values[1]))
		}
		return fmt.Sprintf("%s %s–%s", label, num(f.Values[0]), num(f.Values[1]))
	}
	if lang == "zh" {
		return label + sym + num(f.Value)
	}
	return fmt.Sprintf("%s %s %s", label, sym, num(f.Value))
}

// valueLabel is a dimension value's label in lang, or the value itself.
func valueLabel(lang string, cat *metrics.Catalog, dim, value string) string {
	d, ok := cat.Dimension(dim)
	if !ok {
		return value
	}
	for _, v := range d.Values {
		if v.Value == value {
			if lang != "zh" && v.Label.EN != "" {
				return v.Label.EN
			}
			if lang == "zh" && v.Label.ZH != "" {
				return v.Label.ZH
			}
		}
	}
	return value
}
