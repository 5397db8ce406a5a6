package narrate

import (
	"fmt"
	"math"
	"strings"

	"github.com/beaconbi/beacon/metrics"
)

// tinyBase is the percent change (as a fraction) from which a percent is
// noise rather than news: +7378% from a near-zero month says only that the
// base was small, so the sentence gives the amount instead.
const tinyBase = 5.0

// comparison holds what a sentence needs to describe a query's comparison
// of its first metric: the mode and the columns of the metric's previous
// value, delta and percent change in the result.
type comparison struct {
	lang, mode       string
	def              metrics.Definition
	prev, delta, pct int
	metric           string
}

// comparisonOf reads the comparison of metric m from r, or ok=false when
// the query has none or the result lacks its columns.
func comparisonOf(lang string, q metrics.Query, r *metrics.Result, def metrics.Definition, m string) (comparison, bool) {
	c := comparison{lang: lang, mode: q.Compare, def: def, metric: m, prev: -1, delta: -1, pct: -1}
	if q.Compare == "" {
		return c, false
	}
	for i, col := range r.Columns {
		switch col.Name {
		case m + "_previous":
			c.prev = i
		case m + "_delta":
			c.delta = i
		case m + "_pct_change":
			c.pct = i
		}
	}
	return c, c.delta >= 0
}

func (c comparison) cell(row []any, i int) any {
	if i < 0 {
		return nil
	}
	return row[i]
}

// deltaOf is a row's change, ok=false when either value is missing.
func (c comparison) deltaOf(row []any) (float64, bool) {
	return Number(c.cell(row, c.delta))
}

// of writes one row's change: 环比上升 0.30 个百分点 / down 9.0% from the
// same period last year. A missing comparison value, a zero or negative
// base, and a percent change past tinyBase are said plainly, with the
// amount of the change instead of a percent.
func (c comparison) of(row []any) string {
	zh := c.lang == "zh"
	than := map[string]string{"previous_period": "上期", "same_period_last_year": "去年同期"}[c.mode]
	enThan := map[string]string{"previous_period": "the previous period", "same_period_last_year": "the same period last year"}[c.mode]
	prev, hasPrev := Number(c.cell(row, c.prev))
	d, ok := c.deltaOf(row)
	if !ok {
		if zh {
			return than + "无数据，无法比较"
		}
		return "no figure for " + enThan + " to compare with"
	}
	if c.def.Format == "percent" {
		if math.Round(math.Abs(d)*10000) == 0 {
			return flat(c.lang, c.mode)
		}
		return Change(c.lang, c.mode, c.def, d, nil)
	}
	pct, hasPct := Number(c.cell(row, c.pct))
	if c.prev >= 0 && hasPrev && (prev <= 0 || hasPct && math.Abs(pct) >= tinyBase) {
		amount := Value(c.lang, c.def, math.Abs(d))
		base := Value(c.lang, c.def, prev)
		dir := map[bool]string{true: "增加", false: "减少"}[d >= 0]
		enDir := map[bool]string{true: "up", false: "down"}[d >= 0]
		why, enWhy := "基数过小", "too small a base"
		switch {
		case prev == 0:
			if zh {
				return fmt.Sprintf("%s为 0，本期%s %s，不计变化率", than, dir, amount)
			}
			return fmt.Sprintf("%s %s from zero in %s (no percent change)", enDir, amount, enThan)
		case prev < 0:
			why, enWhy = "上期为负", "a negative base"
			if c.mode == "same_period_last_year" {
				why = "去年同期为负"
			}
		}
		if zh {
			return fmt.Sprintf("较%s %s %s %s，%s，不计变化率", than, base, dir, amount, why)
		}
		return fmt.Sprintf("%s %s from %s (%s, %s for a percent change)", enDir, amount, enThan, base, enWhy)
	}
	if d == 0 || hasPct && math.Round(math.Abs(pct)*1000) == 0 {
		return flat(c.lang, c.mode)
	}
	return Change(c.lang, c.mode, c.def, d, c.cell(row, c.pct))
}

func flat(lang, mode string) string {
	if lang == "zh" {
		return map[string]string{"previous_period": "环比", "same_period_last_year": "同比"}[mode] + "基本持平"
	}
	return "about the same as " + map[string]string{"previous_period": "the previous period", "same_period_last_year": "the same period last year"}[mode]
}

// windows names the two periods compared, with their dates: （比较期间：
// 2026年第三季度 2026-07-01–2026-09-30，对比 2026年第二季度 2026-04-01–2026-06-30）
// / (Compared: Q3 2026, … against Q2 2026, …); it says when the current
// period is partial but the comparison period whole, so the change is not
// like for like.
func windows(lang string, r *metrics.Result) string {
	w := r.Time.Comparison
	if w == nil || r.Time.Start == "" {
		return ""
	}
	named := func(t metrics.ResolvedTime) string {
		dates := t.Start + "–" + t.End
		p := Period(lang, t)
		if p == "" || strings.Contains(p, t.Start) {
			return dates
		}
		if lang == "zh" {
			return p + " " + dates
		}
		return p + ", " + dates
	}
	cur := named(r.Time)
	prev := named(metrics.ResolvedTime{Start: w.Start, End: w.End})
	partCur, partPrev := false, false
	for _, p := range r.Partial {
		if p.Period != "" {
			continue
		}
		if p.Comparison {
			partPrev = true
		} else {
			partCur = true
		}
	}
	if lang == "zh" {
		s := "（比较期间：" + cur + "，对比 " + prev
		if partCur && !partPrev {
			s += "；本期尚未结束而对比期是完整的，变化并非同口径"
		}
		return s + "）"
	}
	s := " (Compared: " + cur + ", against " + prev
	if partCur && !partPrev {
		s += "; the current period is partial and the comparison period whole, so the change is not like for like"
	}
	return s + ".)"
}

// extend adds a clause to a sentence before its final full stop.
func extend(lang, s, clause string) string {
	if lang == "zh" {
		return strings.TrimSuffix(s, "。") + clause + "。"
	}
	return strings.TrimSuffix(s, ".") + clause + "."
}

// moverWords are the phrases movers writes, in one language. The verbs
// are indexed so that each language orders its words: the count rising,
// the count falling, then the comparison (环比, the previous period).
type moverWords struct {
	allUp, allDown, mixed string
	rise, fall, missing   string
	lead, sep             string
}

var moversIn = map[bool]moverWords{
	true: {allUp: "%[3]s %[1]d 个全部上升", allDown: "%[3]s %[2]d 个全部下降", mixed: "%[3]s %[1]d 个上升、%[2]d 个下降",
		rise: "上升最多的是%s（%s，%s）", fall: "下降最多的是%s（%s，%s）", missing: "%d 个无对比数据", lead: "；", sep: "，"},
	false: {allUp: "all %[1]d rose against %[3]s", allDown: "all %[2]d fell against %[3]s", mixed: "%[1]d rose and %[2]d fell against %[3]s",
		rise: "the largest rise was %s (%s, %s)", fall: "the largest fall was %s (%s, %s)", missing: "%d had nothing to compare with", lead: "; ", sep: "; "},
}

// movers writes the largest rise and the largest fall of a breakdown with
// a comparison, with their groups, values and changes, and how many rose
// and fell: ；环比上升最多的是华北（3.25%，上升 0.39 个百分点）…
func movers(c comparison, rows [][]any, mi int, name func([]any) string) string {
	zh := c.lang == "zh"
	up, down, nUp, nDown, nMissing := -1, -1, 0, 0, 0
	var hi, lo float64
	for i, row := range rows {
		d, ok := c.deltaOf(row)
		switch {
		case !ok:
			nMissing++
		case d > 0:
			nUp++
			if up < 0 || d > hi {
				up, hi = i, d
			}
		case d < 0:
			nDown++
			if down < 0 || d < lo {
				down, lo = i, d
			}
		}
	}
	than := map[string]string{"previous_period": "环比", "same_period_last_year": "同比"}[c.mode]
	if !zh {
		than = map[string]string{"previous_period": "the previous period", "same_period_last_year": "the same period last year"}[c.mode]
	}
	w := moversIn[zh]
	count := w.mixed
	switch {
	case nDown == 0 && nUp > 0:
		count = w.allUp
	case nUp == 0 && nDown > 0:
		count = w.allDown
	}
	parts := []string{fmt.Sprintf(count, nUp, nDown, than)}
	mover := func(format string, row []any) string {
		return fmt.Sprintf(format, name(row), Value(c.lang, c.def, row[mi]), c.of(row))
	}
	if up >= 0 {
		parts = append(parts, mover(w.rise, rows[up]))
	}
	if down >= 0 {
		parts = append(parts, mover(w.fall, rows[down]))
	}
	if nMissing > 0 {
		parts = append(parts, fmt.Sprintf(w.missing, nMissing))
	}
	return w.lead + strings.Join(parts, w.sep)
}

// PercentSays reports whether a percent change pct from a base prev says
// anything: not from a base at or below zero (net inflow after an
// outflow), nor past tinyBase (+7378% from a near-zero month), where the
// amount of the change is the figure to give. Sentences, KPI cards, report
// tables and the web front follow the same rule.
func PercentSays(prev, pct float64) bool {
	return prev > 0 && math.Abs(pct) < tinyBase
}
