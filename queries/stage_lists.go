package queries

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/beaconbi/beacon/metrics"
)

var (
	// Exclusion before a value: 除了A, 不含A, 非A, excluding A, other than A.
	reExcludeBefore = regexp.MustCompile(`(?:除了|除去|除开|除|不含|不包括|不包含|排除|去掉|不算|非|excluding|exclude|except(?: for)?|other than|not in|without|outside(?: of)?|apart from|besides|aside from|leave out|leaving out|not counting|but not|not)\s*` +
		// "other than those on the flat tariff": who, then where.
		`(?:\b(?:the|all|any|those|ones|customers|clients|accounts|people|members|users|subscribers)\s*)*(?:\b(?:who are|that are|on|in|with|from|of|at)\s*)?(?:\bthe)?\s*$`)
	// Exclusion after a value: A以外, A之外, A除外.
	reExcludeAfter = regexp.MustCompile(`^\s*(?:的)?\s*(?:(?:客户|用户|会员|人群|群体)?\s*外|\p{Han}{0,3}?(?:以外|之外|除外))`)
	// Words that ask for one pooled figure of listed values.
	// reTotal asks for one figure over what an exclusion leaves.
	reTotal  = regexp.MustCompile(`总计|总和|总额|\btotal\b|\boverall\b|\bsum\b`)
	rePooled = regexp.MustCompile(`合计|合并|加起来|加总|一共|总共|共计|together|combined|in total|altogether|pooled|as a whole`)
)

// readValueLists turns the values named into filters: one value is a
// filter; several values of one dimension are a breakdown restricted to
// them (A和B, A vs B, 分别), unless one figure for them together is asked;
// an excluded value (除了A, A以外, excluding A) is a not_in_known filter:
// rows whose value is unknown are not known to lie outside A, so they are
// not counted, as SQL's <> would not count them.
func (o *Offline) readValueLists(r *reading) bool {
	var order []string
	values := map[string][]any{}
	excluded := map[string]bool{}
	for i := range r.words {
		w := &r.words[i]
		if w.kind != kindValue || w.condition {
			continue
		}
		if !slices.Contains(order, w.name) {
			order = append(order, w.name)
		}
		if !slices.Contains(values[w.name], any(w.value)) {
			values[w.name] = append(values[w.name], w.value)
		}
		if o.readExclusion(r, w) {
			excluded[w.name] = true
			r.qualifyHead(i)
		}
	}
	pooled := rePooled.MatchString(r.norm)
	for _, d := range order {
		vals := values[d]
		switch {
		case excluded[d] && r.allOthersUnsaid(d):
			return r.clarify(r.say("「%s」以外的部分，是要合计成一个数，还是每个%s一行？请写明「合计」或「分别」。",
				"Everything other than %q: one figure in total, or one row for each %s? Please say \"in total\" or \"each\".",
				fmt.Sprint(vals...), o.dimLabel(r.plan.Lang, d)))
		case excluded[d]:
			r.filters = append(r.filters, metrics.Filter{Dimension: d, Op: "not_in_known", Values: vals})
			if reEach.MatchString(r.norm) && !r.oneFigure() && !slices.Contains(r.listDims, d) {
				// 除了A以外，其他类别各有多少: one row for each of the others;
				// 其他客户的AUM合计, total AUM except A: one figure.
				r.listDims = append(r.listDims, d)
			}
		case len(vals) == 1:
			r.filters = append(r.filters, metrics.Filter{Dimension: d, Op: "eq", Value: vals[0]})
		default:
			r.filters = append(r.filters, metrics.Filter{Dimension: d, Op: "in", Values: vals})
			if !pooled {
				r.listDims = append(r.listDims, d)
			}
		}
	}
	return false
}

// readExclusion reports whether an exclusion word stands right before or
// after the value (past the dimension word that may qualify it), and
// blanks those words.
func (o *Offline) readExclusion(r *reading, w *word) bool {
	before := strings.TrimRight(r.text[:w.start], " ")
	if loc := reExcludeBefore.FindStringIndex(before); loc != nil {
		r.text = blank(r.text, loc[0], loc[1])
		w.excluded = true
	}
	end := w.end
	for _, x := range r.words {
		// 上海分行以外: the dimension word after the value is part of it.
		if x.kind == kindDimension && x.start >= end && strings.TrimSpace(r.text[end:x.start]) == "" {
			end = x.end
		}
	}
	// 除A外 closes with 外 what 除 opened; A以外 alone excludes too.
	if loc := reExcludeAfter.FindStringIndex(r.text[end:]); loc != nil {
		r.text = blank(r.text, end+loc[0], end+loc[1])
		w.excluded = true
	}
	return w.excluded
}

// dimLabel is a dimension's label in the question's language.
func (o *Offline) dimLabel(lang, dim string) string {
	d, ok := o.cat.Dimension(dim)
	switch {
	case !ok:
		return dim
	case lang == "zh" && d.Label.ZH != "":
		return d.Label.ZH
	case d.Label.EN != "":
		return strings.ToLower(d.Label.EN)
	}
	return dim
}

// reAllOf names every member of a set: all industries, 所有行业.
var reAllOf = regexp.MustCompile(`(?:\ball(?: the)?|\bevery|所有|全部)\s*$`)

// allOthersUnsaid reports whether an exclusion names "all" the other
// members of its dimension (all industries other than manufacturing) and
// says neither a total nor each: one figure and one row each are both
// readings, so it is asked.
func (r *reading) allOthersUnsaid(dim string) bool {
	if r.oneFigure() || reEach.MatchString(r.norm) {
		return false
	}
	for _, w := range r.words {
		if w.kind == kindDimension && w.name == dim && reAllOf.MatchString(r.norm[:w.start]) {
			return true
		}
	}
	return false
}

// oneFigure reports whether the question asks for one figure over what an
// exclusion leaves (其他客户的AUM合计, total AUM in every product except A).
func (r *reading) oneFigure() bool {
	return rePooled.MatchString(r.norm) || reTotal.MatchString(r.norm)
}

// reEach asks for each member anywhere in a question (各是多少, respectively).
var reEach = regexp.MustCompile(`各是|各有|各自|各类|各种|各项|分别|每个|每一|其他|其余|\beach\b|\bevery\b|respectively|separately`)

// qualifyHead marks the dimension word that heads an excluded value
// ("product lines other than medical", 德国以外的国家) as naming the set,
// not a breakdown, unless grouping words ask for one (各国家, by country).
func (r *reading) qualifyHead(i int) {
	v := r.words[i]
	for j := range r.words {
		d := &r.words[j]
		if d.kind != kindDimension || d.name != v.name {
			continue
		}
		near := d.end <= v.start && v.start-d.end <= 16 || d.start >= v.end && d.start-v.end <= 16
		if near && !reGroup.MatchString(r.norm[max(0, d.start-9):d.start]) && (!reEach.MatchString(r.norm) || r.oneFigure()) {
			d.qualifier = true
		}
	}
}
