package alerts

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
	"github.com/beaconbi/beacon/notify"
)

// Renderer draws the chart of a result as a PNG (and, where Beacon serves
// it, an expiring link to it). It is optional: without one, messages carry
// text and the link.
type Renderer interface {
	Chart(ctx context.Context, res *metrics.Result, lang string) (*notify.Image, error)
}

// OptionRenderer is a Renderer that can also draw an ECharts option as
// given: a report's key chart, drawn as the report page draws it.
type OptionRenderer interface {
	ChartOption(ctx context.Context, opt []byte) (*notify.Image, error)
}

// noticeTest marks a send asked for through the test endpoint.
const noticeTest = "test"

// definition is the metric's definition in the result, for formatting.
func definition(res *metrics.Result, metric string) metrics.Definition {
	if res != nil {
		for _, d := range res.Definitions {
			if d.Name == metric {
				return d
			}
		}
	}
	return metrics.Definition{Name: metric}
}

// label is the metric's label in lang.
func label(d metrics.Definition, lang string) string {
	l := d.Label.EN
	if lang == "zh" && d.Label.ZH != "" {
		l = d.Label.ZH
	}
	if l == "" {
		l = d.Name
	}
	return l
}

// message words one notice about one group. Figures are formatted by the
// metric's definition (its format and unit); nothing is recomputed by the
// channels. cat gives the dimensions' and values' labels (nil: their names).
func message(cat *metrics.Catalog, r *Rule, res *metrics.Result, o Observation, notice string, at time.Time) notify.Message {
	zh := r.Lang != "en"
	n := names{cat: cat, lang: r.Lang}
	def := definition(res, r.metric())
	name := label(def, r.Lang)
	group := n.group(o)
	// The heading's bracketed word is the kind's (notify.Message.Subject
	// adds it to the title), worded here more finely than the kinds.
	kind := notify.KindFiring
	var head string
	switch notice {
	case noticeResolved:
		kind = notify.KindResolved
		head = pick(zh, "已恢复", "Resolved")
	case noticeTest:
		kind = notify.KindTest
		head = pick(zh, "测试", "Test")
	case noticeRepeat:
		head = pick(zh, "告警·仍未恢复", "Still firing")
	default:
		head = pick(zh, "告警", "Alert")
	}
	title := r.Name
	if group != "" {
		title += pick(zh, "：", ": ") + group
	}
	fig := notify.Figure{Label: name, Value: metrics.FormatValue(r.Lang, def, ptrValue(o.Value))}
	if o.Change != nil {
		fig.Change = changeText(r, def, *o.Change)
		if !flat(r, def, *o.Change) {
			fig.Trend = sign(*o.Change)
		}
	}
	if amount, ok := percentUnsaid(r, o); ok {
		abs := *r
		abs.Condition.Change = "absolute"
		fig.Change = changeText(&abs, def, amount)
		fig.Trend = 0
		if !flat(&abs, def, amount) {
			fig.Trend = sign(amount)
		}
	}
	lines := []string{conditionText(r, def, o)}
	if res != nil {
		lines = append(lines, periodLine(zh, res.Time, o.Period))
	}
	if len(r.Owner.Scope) > 0 {
		lines = append(lines, n.scopeLine(r.Owner.Scope))
	}
	return notify.Message{Kind: kind, KindText: head, Lang: r.Lang, Title: title, Lines: lines, Figures: []notify.Figure{fig}, At: at, TimeZone: r.Schedule.TimeZone}
}

func pick(zh bool, a, b string) string {
	if zh {
		return a
	}
	return b
}

func ptrValue(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func sign(f float64) int {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// catalog is the model's catalog, for the labels messages use; nil when
// the querier has none (a fake in tests), and messages use names.
func (sc *Scheduler) catalog() *metrics.Catalog {
	if c, ok := sc.q.(interface{ Catalog() *metrics.Catalog }); ok {
		return c.Catalog()
	}
	return nil
}

// names writes the model's labels in messages in lang.
func (sc *Scheduler) names(lang string) names {
	return names{cat: sc.catalog(), lang: lang}
}

// names writes the model's names in a message, in its language: a
// dimension's label (支行, Branch) and a value's label (High net worth for
// 高净值 in English), or the name itself where the model gives none or no
// catalog is at hand.
type names struct {
	cat  *metrics.Catalog
	lang string
}

func (n names) dimension(dim string) string {
	if n.cat != nil {
		if d, ok := n.cat.Dimension(dim); ok {
			return narrate.Label(n.lang, d.Label, dim)
		}
	}
	return dim
}

func (n names) value(dim, v string) string {
	if n.cat == nil {
		return v
	}
	return narrate.ValueLabel(n.lang, n.cat, dim, v)
}

// group names an observation's group by its values' labels: 上海静安支行 / 高净值.
func (n names) group(o Observation) string {
	parts := make([]string, len(o.Labels))
	for i, l := range o.Labels {
		parts[i] = n.value(l[0], l[1])
	}
	return strings.Join(parts, " / ")
}

// scopeLine states an owner's row scope, a dimension at a time in the
// order of their names: 数据范围：支行（上海静安支行、上海浦东支行）/
// Scope: Branch (上海静安支行, 上海浦东支行).
func (n names) scopeLine(s metrics.Scope) string {
	zh := n.lang != "en"
	dims := make([]string, 0, len(s))
	for dim := range s {
		dims = append(dims, dim)
	}
	slices.Sort(dims)
	parts := make([]string, len(dims))
	for i, dim := range dims {
		vals := make([]string, len(s[dim]))
		for j, v := range s[dim] {
			vals[j] = n.value(dim, v)
		}
		parts[i] = n.dimension(dim) + pick(zh, "（"+strings.Join(vals, "、")+"）", " ("+strings.Join(vals, ", ")+")")
	}
	return pick(zh, "数据范围：", "Scope: ") + strings.Join(parts, pick(zh, "；", "; "))
}

// changeText words a change condition's change.
func changeText(r *Rule, def metrics.Definition, d float64) string {
	zh := r.Lang != "en"
	cmp := pick(zh, "环比", "vs previous period")
	if r.Condition.Compare == "same_period_last_year" {
		cmp = pick(zh, "同比", "vs same period last year")
	}
	if flat(r, def, d) {
		return cmp + pick(zh, "基本持平", " about the same")
	}
	if r.Condition.Change == "percent" {
		return fmt.Sprintf("%s %+.1f%%", cmp, d)
	}
	if def.Format == "percent" {
		return fmt.Sprintf("%s %+.2f %s", cmp, d*100, pick(zh, "个百分点", "pp"))
	}
	v := metrics.FormatValue(r.Lang, def, d)
	if d >= 0 {
		v = "+" + v
	}
	return cmp + " " + v
}

// periodLine says the period a figure is for: the query's window, or, for
// a query with no time range, that the figure is over all the data (or
// over the latest period of its grain), so that a reader does not take the
// whole history's figure for last month's.
func periodLine(zh bool, t metrics.ResolvedTime, period string) string {
	head := pick(zh, "期间：", "Period: ")
	switch {
	case t.Start != "":
		return head + t.Start + " – " + t.End + " (" + t.TimeZone + ")"
	case period != "":
		return head + period + pick(zh, "（最新一期；规则未限定时间范围）", " (the latest period; the rule sets no time range)")
	default:
		return head + pick(zh, "全部数据（规则未限定时间范围）", "all data (the rule sets no time range)")
	}
}

// percentUnsaid is the amount of a percent change to write instead of its
// percent, and true, when the percent says nothing by narrate.PercentSays:
// from a zero or negative base (net inflow after an outflow) or of 500% or
// more. The report page the message links to writes the amount there too;
// the condition itself is still judged on the percent.
func percentUnsaid(r *Rule, o Observation) (float64, bool) {
	if r.Condition.Change != "percent" || o.Value == nil || o.Previous == nil {
		return 0, false
	}
	if o.Change != nil && narrate.PercentSays(*o.Previous, *o.Change/100) {
		return 0, false
	}
	return *o.Value - *o.Previous, true
}

// flat reports whether a change rounds to nothing as written (-0.00 个百分点,
// +0.0%), which is said as "about the same" with no arrow.
func flat(r *Rule, def metrics.Definition, d float64) bool {
	switch {
	case r.Condition.Change == "percent":
		return math.Abs(d) < 0.05
	case def.Format == "percent":
		return math.Abs(d*100) < 0.005
	}
	return d == 0
}

// conditionText says what the rule watches and where the value stands.
func conditionText(r *Rule, def metrics.Definition, o Observation) string {
	zh := r.Lang != "en"
	c := r.Condition
	f := func(v float64) string { return metrics.FormatValue(r.Lang, def, v) }
	var bounds []string
	switch c.Kind {
	case "threshold":
		if c.Above != nil {
			bounds = append(bounds, pick(zh, "高于 ", "above ")+f(*c.Above))
		}
		if c.Below != nil {
			bounds = append(bounds, pick(zh, "低于 ", "below ")+f(*c.Below))
		}
		return pick(zh, "条件：", "Condition: ") + strings.Join(bounds, pick(zh, " 或 ", " or "))
	case "change":
		return changeCondition(r, f, o)
	default:
		band := pick(zh, "无足够历史", "not enough history")
		if o.Low != nil && o.High != nil {
			band = f(*o.Low) + " – " + f(*o.High)
		}
		return fmt.Sprintf(pick(zh, "条件：超出近 %d 期均值 ± %g 倍标准差（%s）", "Condition: outside the mean ± %g·σ of the last %d periods (%s)"),
			bandArgs(zh, c, band)...)
	}
}

// changeCondition words a change condition as a reader says it: "环比降幅
// 超过 1；上期 9" / "falls by more than 1 vs the previous period
// (previous period: 9)", a negative bound as a fall and a positive one as
// a rise.
func changeCondition(r *Rule, f func(float64) string, o Observation) string {
	zh := r.Lang != "en"
	c := r.Condition
	amount := func(v float64) string {
		if c.Change == "percent" {
			return strconv.FormatFloat(v, 'g', -1, 64) + "%"
		}
		return f(v)
	}
	var bounds []string
	if c.Above != nil {
		if a := *c.Above; a >= 0 {
			bounds = append(bounds, pick(zh, "升幅超过 ", "rises by more than ")+amount(a))
		} else {
			bounds = append(bounds, pick(zh, "降幅不足 ", "falls by less than ")+amount(-a)+pick(zh, "（或上升）", " (or rises)"))
		}
	}
	if c.Below != nil {
		if b := *c.Below; b <= 0 {
			bounds = append(bounds, pick(zh, "降幅超过 ", "falls by more than ")+amount(-b))
		} else {
			bounds = append(bounds, pick(zh, "升幅不足 ", "rises by less than ")+amount(b)+pick(zh, "（或下降）", " (or falls)"))
		}
	}
	prev := pick(zh, "无数据", "no data")
	if o.Previous != nil {
		prev = f(*o.Previous)
	}
	if c.Compare == "same_period_last_year" {
		return pick(zh, "条件：同比", "Condition: ") + strings.Join(bounds, pick(zh, " 或", " or ")) +
			pick(zh, "；去年同期 ", " vs the same period last year (then: ") + prev + pick(zh, "", ")")
	}
	return pick(zh, "条件：环比", "Condition: ") + strings.Join(bounds, pick(zh, " 或", " or ")) +
		pick(zh, "；上期 ", " vs the previous period (then: ") + prev + pick(zh, "", ")")
}

func bandArgs(zh bool, c Condition, band string) []any {
	if zh {
		return []any{c.Periods, c.K, band}
	}
	return []any{c.K, c.Periods, band}
}
