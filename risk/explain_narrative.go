package risk

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/beaconbi/beacon/metrics"
)

// Narrate writes the explanation's sentence in its language: the change,
// then where most of it came from, then, with a drill-down, where inside
// that group. "流失率上升 0.60 个百分点（由 1.00% 升至 1.60%），其中 70% 来自
// 年轻客群（该客群流失率由 2.10% 升至 3.40%）。"
func Narrate(e *Explanation, cat *metrics.Catalog) string {
	def := metrics.Definition{Format: e.Format}
	if m, ok := cat.Metric(e.Metric); ok {
		def = cat.Definition(m)
	}
	n := narrator{zh: e.Language != "en", def: def, label: e.Label, cat: cat}
	var b strings.Builder
	b.WriteString(n.change(e.BaselineValue, e.CurrentValue, e.Change))
	if len(e.Breakdowns) == 0 || math.Abs(e.Change) <= shareEpsilon {
		b.WriteString(n.stop())
		return b.String()
	}
	first := e.Breakdowns[0]
	if len(first.Drivers) > 0 {
		b.WriteString(n.driver(first.Dimension, first.Drivers[0], ""))
	}
	if d := e.Drill; d != nil && len(d.Drivers) > 0 && math.Abs(d.Change) > shareEpsilon {
		b.WriteString(n.drill(first.Dimension, first.Drivers[0], d))
	}
	b.WriteString(n.stop())
	return b.String()
}

type narrator struct {
	zh    bool
	def   metrics.Definition
	label string
	cat   *metrics.Catalog
}

func (n narrator) lang() string {
	if n.zh {
		return "zh"
	}
	return "en"
}

func (n narrator) stop() string {
	if n.zh {
		return "。"
	}
	return "."
}

// value writes a value of the metric.
func (n narrator) value(v float64) string {
	return metrics.FormatValue(n.lang(), n.def, v)
}

// delta writes the size of a change: percentage points for a percent.
func (n narrator) delta(d float64) string {
	a := math.Abs(d)
	if n.def.Format == "percent" {
		pp := a * 100
		s := fmt.Sprintf("%.2f", pp)
		if pp >= 1 {
			s = fmt.Sprintf("%.1f", pp)
		}
		if n.zh {
			return s + " 个百分点"
		}
		return s + " percentage points"
	}
	return n.value(a)
}

// change is the opening clause: the metric rose or fell by so much.
func (n narrator) change(base, cur, d float64) string {
	if math.Abs(d) <= shareEpsilon {
		if n.zh {
			return fmt.Sprintf("%s持平（%s）", n.label, n.value(cur))
		}
		return fmt.Sprintf("%s was unchanged at %s", n.label, n.value(cur))
	}
	if n.zh {
		verb, to := "上升", "升至"
		if d < 0 {
			verb, to = "下降", "降至"
		}
		return fmt.Sprintf("%s%s %s（由 %s %s %s）", n.label, verb, n.delta(d), n.value(base), to, n.value(cur))
	}
	verb := "rose"
	if d < 0 {
		verb = "fell"
	}
	return fmt.Sprintf("%s %s %s (from %s to %s)", n.label, verb, n.delta(d), n.value(base), n.value(cur))
}

// groupName names a group: 年轻客群, 获客渠道「手机银行」; Young (Segment).
func (n narrator) groupName(dim string, d Driver) string {
	dl := dim
	if dd, ok := n.cat.Dimension(dim); ok {
		dl = labelOf(dd.Label, n.lang())
	}
	if n.zh {
		switch {
		case strings.HasSuffix(d.Label, dl):
			return d.Label
		case strings.HasSuffix(dl, "群"):
			return d.Label + dl
		}
		return dl + "「" + d.Label + "」"
	}
	return fmt.Sprintf("%s (%s)", d.Label, strings.ToLower(dl))
}

// noun is what a group of dim is called in Chinese: 客群 for a
// segment-like dimension, otherwise 组.
func (n narrator) noun(dim string) string {
	if dd, ok := n.cat.Dimension(dim); ok && strings.HasSuffix(dd.Label.ZH, "群") {
		return "客群"
	}
	return "组"
}

// verb is the direction of a contribution.
func (n narrator) verb(c float64) string {
	switch {
	case n.zh && c >= 0:
		return "上升"
	case n.zh:
		return "下降"
	case c >= 0:
		return "up"
	}
	return "down"
}

// lowerLabel is the label inside an English sentence: Churn rate →
// churn rate, but AUM stays AUM.
func lowerLabel(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && unicode.IsLower(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

// percentOf writes a share of the change as a whole percent.
func percentOf(s float64) string { return fmt.Sprintf("%.0f%%", s*100) }

// driver is the clause naming the biggest driver and its own move.
func (n narrator) driver(dim string, d Driver, lead string) string {
	if d.Share == nil {
		return ""
	}
	name := n.groupName(dim, d)
	own := n.own(dim, d)
	var b strings.Builder
	switch {
	case *d.Share > 1 && n.zh:
		// More than the whole change: other groups moved the other way.
		fmt.Fprintf(&b, "，%s主要来自%s（%s；贡献%s %s，其他分组部分抵消）", lead, name, own, n.verb(d.Contribution), n.delta(d.Contribution))
	case *d.Share > 1:
		fmt.Fprintf(&b, "; %sdriven by %s (%s; %s %s, partly offset by other groups)", lead, name, own, n.verb(d.Contribution), n.delta(d.Contribution))
	case n.zh:
		fmt.Fprintf(&b, "，%s其中 %s 来自%s（%s）", lead, percentOf(*d.Share), name, own)
	default:
		fmt.Fprintf(&b, "; %s%s of the change came from %s (%s)", lead, percentOf(*d.Share), name, own)
	}
	return b.String()
}

// own is the group's own move: its rate, or its amount; and for a ratio
// whose group moved mostly by its size, its share of the denominator.
func (n narrator) own(dim string, d Driver) string {
	if d.Baseline == nil || d.Current == nil {
		if n.zh {
			return "新出现或消失的分组"
		}
		return "a group present in only one period"
	}
	mixLed := d.MixEffect != nil && d.RateEffect != nil && math.Abs(*d.MixEffect) > math.Abs(*d.RateEffect)
	if n.zh {
		to := "升至"
		if *d.Current < *d.Baseline {
			to = "降至"
		}
		s := fmt.Sprintf("该%s%s由 %s %s %s", n.noun(dim), n.label, n.value(*d.Baseline), to, n.value(*d.Current))
		if mixLed {
			s += fmt.Sprintf("，占比由 %s 变为 %s，主要是结构变化", percentOf(*d.BaselineWeight), percentOf(*d.CurrentWeight))
		}
		return s
	}
	verb := "rose"
	if *d.Current < *d.Baseline {
		verb = "fell"
	}
	s := fmt.Sprintf("its %s %s from %s to %s", lowerLabel(n.label), verb, n.value(*d.Baseline), n.value(*d.Current))
	if mixLed {
		s += fmt.Sprintf("; mostly mix: its share went from %s to %s", percentOf(*d.BaselineWeight), percentOf(*d.CurrentWeight))
	}
	return s
}

// drill is the clause inside the biggest driver.
func (n narrator) drill(leadDim string, lead Driver, d *Breakdown) string {
	top := d.Drivers[0]
	if top.Share == nil {
		return ""
	}
	name, in := n.groupName(d.Dimension, top), n.groupName(leadDim, lead)
	if n.zh {
		return fmt.Sprintf("；在%s内部，%s贡献了其变化的 %s（%s）", in, name, percentOf(*top.Share), n.own(d.Dimension, top))
	}
	return fmt.Sprintf("; within %s, %s accounts for %s of its change (%s)", in, name, percentOf(*top.Share), n.own(d.Dimension, top))
}
