package queries

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// applyTime sets the period. With none asked, it is the last month (or the
// last 12 months for a series) of today's calendar when the data reaches
// it, else of the data's own last month. A period the data does not cover
// is refused, naming the data's range; time words over data with no time
// are asked back, never ignored.
func (o *Offline) applyTime(r *reading) bool {
	q := &r.query
	tr := r.time
	asked := tr.Range != "" || tr.Start != "" || tr.Grain != "" || tr.Compare != "" || tr.Trend
	if !o.allTimed(q.Metrics) {
		if asked {
			return r.clarify(r.say("这个指标的数据没有时间字段，无法按「%s」筛选或比较；去掉时间再问即可得到全部数据的结果。",
				"This metric's data has no time field, so it cannot be read for %q; ask without the period to get the figure over all the data.", timeWords(tr)))
		}
		return false
	}
	r.inheritYear()
	if r.followup && q.Time != nil && q.Time.Range != "" && tr.Range != "" && tr.Extra == "" && tr.Compare == "" && reContrast.MatchString(r.norm) {
		// "compare that with Q1 2024" after Q1 2025: the two periods side by side.
		r.time.Extra, r.time.ExtraRange = tr.Text, tr.Range
		r.time.Range, r.time.Text = q.Time.Range, q.Time.Range
		tr = r.time
	}
	// 二季度对比一季度 compares; 二季度与三季度的…对比 lists both when they
	// are consecutive, else compares them.
	if tr.Extra != "" && (o.comparedPeriods(r, true) || o.listOfPeriods(r) || o.comparedPeriods(r, false)) {
		tr = r.time
	}
	if tr.Extra != "" {
		return r.clarify(r.say("问题中有两个时间：「%s」和「%s」。是要比较这两个时期吗？请只保留一个时间，或用「环比」「同比」说明比较。",
			"The question names two periods, %q and %q. Keep one, or say which comparison you want (vs the previous period, vs last year).", tr.Text, tr.Extra))
	}
	t := metrics.TimeSpec{}
	if q.Time != nil {
		t = *q.Time
	}
	if tr.MonthOnly && r.followup && q.Time != nil {
		// 那10月呢 after a question about 2025 means October 2025.
		if w, err := window(*q.Time, r.now); err == nil && len(tr.Range) == 7 {
			tr.Range = fmt.Sprintf("%d%s", w.Start.Year(), tr.Range[4:])
		}
	}
	if r.followup && q.Time != nil {
		if stop := r.shiftBack(&tr, t); stop {
			return true
		}
	} else if tr.Shift != "" {
		return r.clarify(r.say("「%s」是相对哪个时期说的？请写明具体时间（例如 2025年二季度）。",
			"%q is earlier than which period? Please name the period (for example Q2 2025).", tr.Shift))
	}
	switch {
	case tr.Range != "":
		t.Range, t.Start, t.End = tr.Range, "", ""
		r.understood(tr.Text, "time", tr.Range)
	case tr.Start != "":
		t.Range, t.Start, t.End = "", tr.Start, tr.End
		r.understood(tr.Text, "time", tr.Start+"/"+tr.End)
	}
	if tr.Grain != "" && !tr.Trend && o.rateOfGrain(q.Metrics, tr) {
		// "average visits per member per month": the metric's own unit.
		tr.Grain = ""
	}
	if tr.Grain != "" {
		t.Grain = tr.Grain
	} else if tr.Trend && t.Grain == "" {
		t.Grain = "month"
		if strings.HasSuffix(t.Range, "_days") || strings.HasSuffix(t.Range, "_weeks") {
			t.Grain = "day"
		}
	}
	first, last, spanned := o.dataSpan(q.Metrics)
	if o.data != nil && !spanned {
		// A timed metric whose table holds no rows yet (scores still being
		// computed): a count of nothing would read as 0, which nobody computed.
		o.refuse(r.plan, "", q.Metrics)
		r.plan.Message = r.say("这个指标的数据表目前还没有数据，因此不给出数字；数据载入或计算完成后再问。",
			"This metric's table holds no data yet, so I give no number; ask again once it is loaded or computed.")
		return true
	}
	now := o.asOf(r, q.Metrics)
	if t.Range == "" && t.Start == "" {
		if w := allTimeWord(r.norm); w != "" && o.allCountSome(q.Metrics) {
			// 已流失的学员一共有多少人: everyone who ever left, or those of
			// the last month? A count of events over all time and a count of
			// a status in one month differ; neither is guessed.
			return r.clarify(r.say("「%s」是指数据的全部时期（%s 至 %s）累计，还是某一个月？请写明时间（例如「2025年全年」或「最近一个月」）。",
				"Does %q mean over all the data (%s to %s) or in one month? Please name the period (for example \"in 2025\" or \"last month\").",
				strings.TrimSpace(w), day(first), day(last)))
		}
		o.defaultRange(r, &t, now, last, spanned)
	} else if spanned {
		if w, err := window(t, now); err == nil && (!w.End.After(first) || w.Start.After(last)) {
			o.refuse(r.plan, "", q.Metrics)
			r.plan.Message = r.say("数据覆盖 %s 至 %s，「%s」（%s）不在这个范围内，因此不给出数字。",
				"The data covers %s to %s; %q (%s) lies outside it, so I give no number.",
				day(first), day(last), firstNonEmpty(tr.Text, t.Range), windowText(w))
			return true
		} else if err == nil && w.End.After(last.AddDate(0, 0, 1)) && reEndOf.MatchString(r.norm) {
			// "the end of 2025" when the data stops in June: that end has no data.
			o.refuse(r.plan, "", q.Metrics)
			r.plan.Message = r.say("数据只到 %s，「%s」的期末不在数据范围内，因此不给出数字。", "The data ends on %s; the end of %q lies outside it, so I give no number.", day(last), firstNonEmpty(tr.Text, t.Range))
			return true
		}
		// A period the data covers in part is said by the answer itself
		// (metrics.Result.Partial), with the days covered.
	}
	if tr.Compare != "" {
		o.toDate(r, &t, now)
	}
	q.Time = &t
	if tr.Compare != "" {
		q.Compare = tr.Compare
		r.understood(tr.CompareText, "compare", tr.Compare)
	}
	return false
}

var reEndOf = regexp.MustCompile(`\bend of\b|\bclose of\b|年末|年底|季末|季度末|月末|月底|期末`)

// reYearWord gives a period its year: 2025, 今年, last year.
var reYearWord = regexp.MustCompile(`\d{4}|今年|去年|前年|明年|本年|上年|this year|last year|next year`)

// reRangeYear splits a calendar range into its year and the rest.
var reRangeYear = regexp.MustCompile(`^(\d{4})(-(?:Q[1-4]|H[12]|\d{2}))$`)

// inheritYear gives a second period named without a year the year of the
// first, as speech does: 2025年第二季度与第三季度 is Q2 and Q3 of 2025.
func (r *reading) inheritYear() {
	tr := &r.time
	first, second := reRangeYear.FindStringSubmatch(tr.Range), reRangeYear.FindStringSubmatch(tr.ExtraRange)
	if first == nil || second == nil || reYearWord.MatchString(tr.Extra) || first[1] == second[1] {
		return
	}
	tr.ExtraRange = first[1] + second[2]
}

// reListWord joins two periods as a list (2023年和2024年, 2023 and 2024).
var reListWord = regexp.MustCompile(`和|与|及|、|对比|分别|\band\b|\bvs\b|\bversus\b|\bcompare`)

// reRangeKind names the kind of a calendar range: a year, quarter or month.
var reRangeKind = []struct {
	re    *regexp.Regexp
	grain string
}{{regexp.MustCompile(`^\d{4}$`), "year"}, {regexp.MustCompile(`^\d{4}-Q[1-4]$`), "quarter"}, {regexp.MustCompile(`^\d{4}-\d{2}$`), "month"}}

// listOfPeriods reads two consecutive periods of one kind named as a list
// (2023年和2024年的新签客户数分别是多少) as the span of both at their grain,
// one row each; other pairs of periods are asked back.
func (o *Offline) listOfPeriods(r *reading) bool {
	tr := &r.time
	if !reListWord.MatchString(r.norm) {
		return false
	}
	grain := ""
	for _, k := range reRangeKind {
		if k.re.MatchString(tr.Range) && k.re.MatchString(tr.ExtraRange) {
			grain = k.grain
		}
	}
	a, errA := metrics.ResolveRange(tr.Range, r.now)
	b, errB := metrics.ResolveRange(tr.ExtraRange, r.now)
	if grain == "" || errA != nil || errB != nil {
		return false
	}
	if b.Start.Before(a.Start) {
		a, b = b, a
	}
	if !a.End.Equal(b.Start) {
		return false // 2022 and 2024: the year between is not asked for
	}
	tr.Start, tr.End = day(a.Start), day(b.End.AddDate(0, 0, -1))
	tr.Text = tr.Text + "、" + tr.Extra
	tr.Range, tr.Extra = "", ""
	if tr.Grain == "" {
		tr.Grain = grain
	}
	return true
}

// rePeriodContrast sets one period against another: June 2025 compared
// with June 2024, 2025年二季度对比一季度.
var rePeriodContrast = regexp.MustCompile(`对比|相比|比较|较|比|\bvs\.?|\bversus\b|\bcompared? (?:with|to)\b|\bagainst\b|^\s*compare\b`)

// comparedPeriods reads two periods set against each other as a
// comparison of the later with the earlier, when the earlier is the same
// period a year before (same_period_last_year) or the period right before
// it (previous_period); any other pair stays two periods, asked back.
// With between, the contrast word must stand between the two periods.
func (o *Offline) comparedPeriods(r *reading, between bool) bool {
	tr := &r.time
	words := r.norm
	if between {
		words = betweenPeriods(r.norm, tr.Text, tr.Extra)
		if reAndOnly.MatchString(words) && reContrastNext.MatchString(afterPeriods(r.norm, tr.Text, tr.Extra)) {
			words = "相比" // 四季度和三季度相比: the contrast closes the pair
		}
		if reAndOnly.MatchString(words) && reContrastFirst.MatchString(beforePeriods(r.norm, tr.Text, tr.Extra)) {
			words = "相比" // compare visits in Q1 2023 and Q1 2024: the contrast opens it
		}
	}
	if tr.Compare != "" || !rePeriodContrast.MatchString(words) {
		return false
	}
	a, errA := metrics.ResolveRange(tr.Range, r.now)
	b, errB := metrics.ResolveRange(tr.ExtraRange, r.now)
	if errA != nil || errB != nil {
		return false
	}
	later, laterRange := a, tr.Range
	earlier := b
	if b.Start.After(a.Start) {
		later, laterRange, earlier = b, tr.ExtraRange, a
	}
	switch {
	case earlier.Start.Equal(later.Start.AddDate(-1, 0, 0)) && earlier.End.Equal(later.End.AddDate(-1, 0, 0)):
		tr.Compare = "same_period_last_year"
	case earlier.End.Equal(later.Start) && sameLength(earlier, later):
		tr.Compare = "previous_period"
	default:
		return false
	}
	tr.CompareText = tr.Extra
	tr.Range, tr.Text = laterRange, tr.Text+"、"+tr.Extra
	tr.Extra, tr.ExtraRange = "", ""
	return true
}

var (
	reAndOnly       = regexp.MustCompile(`^\s*(?:和|与|跟|同|and|with)\s*$`)
	reContrastFirst = regexp.MustCompile(`^\s*(?:compare|对比|比较|比一比|比一下)`)
	reContrastNext  = regexp.MustCompile(`^\s*(?:相比|比较|对比|比)`)
)

// beforePeriods returns the words before the first of two period phrases.
func beforePeriods(norm, a, b string) string {
	i, j := strings.Index(norm, a), strings.Index(norm, b)
	if i < 0 || j < 0 || a == "" || b == "" {
		return ""
	}
	return norm[:min(i, j)]
}

// afterPeriods returns the words after the later of two period phrases.
func afterPeriods(norm, a, b string) string {
	i, j := strings.Index(norm, a), strings.Index(norm, b)
	if i < 0 || j < 0 || a == "" || b == "" {
		return ""
	}
	if j > i {
		return norm[j+len(b):]
	}
	return norm[i+len(a):]
}

// betweenPeriods returns the words between two period phrases (对比 in
// 二季度对比一季度; 与 in 二季度与三季度的…对比, which lists them), or the
// whole question when either phrase cannot be found in it.
func betweenPeriods(norm, a, b string) string {
	i, j := strings.Index(norm, a), strings.Index(norm, b)
	if i < 0 || j < 0 || a == "" || b == "" {
		return norm
	}
	if j < i {
		i, j, a = j, i, b
	}
	if i+len(a) > j {
		return norm
	}
	return norm[i+len(a) : j]
}

// sameLength reports whether two windows are the same number of calendar
// months (a month against a month, a quarter against a quarter).
func sameLength(a, b metrics.Window) bool {
	months := func(w metrics.Window) int {
		return (w.End.Year()-w.Start.Year())*12 + int(w.End.Month()) - int(w.Start.Month())
	}
	return months(a) == months(b) && a.Start.Day() == 1 && b.Start.Day() == 1
}

// window is the dates a query's time covers, End exclusive.
func window(t metrics.TimeSpec, now time.Time) (metrics.Window, error) {
	if t.Range != "" {
		return metrics.ResolveRange(t.Range, now)
	}
	s, err := metrics.ParseDate(t.Start, now.Location())
	if err != nil {
		return metrics.Window{}, err
	}
	e, err := metrics.ParseDate(t.End, now.Location())
	if err != nil {
		return metrics.Window{}, err
	}
	return metrics.Window{Start: s, End: e.AddDate(0, 0, 1)}, nil
}

// defaultRange fills the period of a question that gave none: the model's
// default_range, else last month, or the data's own last month when the
// data ends before last month.
func (o *Offline) defaultRange(r *reading, t *metrics.TimeSpec, now, last time.Time, spanned bool) {
	if d, ok := o.cat.DefaultTime(r.query.Metrics[0]); ok && t.Grain == "" {
		t.Range, t.Start, t.End = d.Range, d.Start, d.End
		r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，按模型设定的默认区间", "no period given: using the model's default range"))
		return
	}
	// Against the server's clock, not the model's as_of: with as_of: latest
	// "now" is the data's last day, and its last month would never be read.
	thisMonth := time.Date(r.now.Year(), r.now.Month(), 1, 0, 0, 0, 0, r.now.Location())
	if spanned && last.Before(thisMonth.AddDate(0, -1, 0)) {
		// The data ends before last month: read its own last month.
		end := time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, r.now.Location())
		if t.Grain != "" {
			t.Start, t.End = end.AddDate(0, -11, 0).Format("2006-01-02"), end.AddDate(0, 1, -1).Format("2006-01-02")
			r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，按数据的最后12个月（截至%d年%d月）展示", "no period given: showing the data's last 12 months, to %s", zhOrEnMonth(r, end)...))
			return
		}
		switch o.coarsestGrain(r.query.Metrics) {
		case "quarter":
			// A quarterly source has no month of its own: its last quarter.
			t.Range = fmt.Sprintf("%d-Q%d", last.Year(), (int(last.Month())+2)/3)
			r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，按数据的最后一个季度（%s）", "no period given: using the data's last quarter, %s", t.Range))
			return
		case "year":
			t.Range = fmt.Sprintf("%d", last.Year())
			r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，按数据的最后一年（%s年）", "no period given: using the data's last year, %s", t.Range))
			return
		}
		t.Range = end.Format("2006-01")
		r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，按数据的最后一个月（%d年%d月）", "no period given: using the data's last month, %s", zhOrEnMonth(r, end)...))
		return
	}
	if t.Grain != "" {
		t.Range = "last_12_months"
		r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，按近12个月展示", "no period given: showing the last 12 months"))
		return
	}
	switch o.coarsestGrain(r.query.Metrics) {
	case "quarter":
		t.Range = "last_quarter"
		r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，默认上个季度", "no period given: using last quarter"))
		return
	case "year":
		t.Range = "last_year"
		r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，默认去年", "no period given: using last year"))
		return
	}
	t.Range = "last_month"
	r.plan.Notes = append(r.plan.Notes, r.say("未指定时间，默认上个月", "no period given: using last month"))
}

// coarsestGrain is the coarsest of the metrics' finest grains: a question
// over a quarterly source is read by quarters, not months.
func (o *Offline) coarsestGrain(names []string) string {
	order := map[string]int{"day": 0, "week": 1, "month": 2, "quarter": 3, "year": 4}
	out := ""
	for _, m := range names {
		if g := o.finest[m]; out == "" || order[g] > order[out] {
			out = g
		}
	}
	return out
}

func zhOrEnMonth(r *reading, t time.Time) []any {
	if r.plan.Lang == "zh" {
		return []any{t.Year(), int(t.Month())}
	}
	return []any{t.Format("January 2006")}
}

// allTimed reports whether every metric can be filtered by time.
func (o *Offline) allTimed(names []string) bool {
	for _, m := range names {
		if !o.timed[m] {
			return false
		}
	}
	return true
}

// asOf is "today" for the metrics: the model's as_of, else the clock.
func (o *Offline) asOf(r *reading, names []string) time.Time {
	if o.data != nil && len(names) > 0 {
		if t, ok := o.data.AsOf(names[0]); ok {
			return t
		}
	}
	return r.now
}

// dataSpan is the time all the metrics' data covers together.
func (o *Offline) dataSpan(names []string) (first, last time.Time, ok bool) {
	if o.data == nil {
		return first, last, false
	}
	for i, m := range names {
		f, l, has := o.data.MetricExtent(m)
		l = periodEnd(l, o.finest[m])
		if !has {
			return first, last, false
		}
		if i == 0 || f.After(first) {
			first = f
		}
		if i == 0 || l.Before(last) {
			last = l
		}
	}
	return first, last, len(names) > 0
}

// periodEnd is the last day of the period at grain that starts at t: the
// last row of a monthly source stands for its whole month.
func periodEnd(t time.Time, grain string) time.Time {
	switch grain {
	case "week":
		return t.AddDate(0, 0, 6)
	case "month":
		return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, t.Location())
	case "quarter":
		return time.Date(t.Year(), t.Month()+3, 0, 0, 0, 0, 0, t.Location())
	case "year":
		return time.Date(t.Year()+1, 1, 0, 0, 0, 0, 0, t.Location())
	}
	return t
}

func timeWords(tr timeRead) string {
	return strings.TrimSpace(firstNonEmpty(tr.Text, tr.CompareText, tr.Grain, "时间"))
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func day(t time.Time) string { return t.Format("2006-01-02") }

// windowText shows a window with its last day inclusive.
func windowText(w metrics.Window) string {
	return fmt.Sprintf("%s – %s", day(w.Start), day(w.End.AddDate(0, 0, -1)))
}

// toDates are the to-date ranges of the calendar periods still running.
var toDates = map[string]string{"this_year": "ytd", "this_quarter": "qtd", "this_month": "mtd", "this_week": "wtd"}

// toDate compares a period still running by its days so far: 今年同比 is
// this year to date against the same days of last year, not against the
// whole of last year, which would set 333 days against 365.
func (o *Offline) toDate(r *reading, t *metrics.TimeSpec, now time.Time) {
	td, ok := toDates[t.Range]
	if !ok {
		return
	}
	w, err := window(*t, now)
	if err != nil || !w.End.After(now) {
		return
	}
	t.Range = td
	r.plan.Notes = append(r.plan.Notes, r.say("本期尚未结束，按截至今天的天数与上期同样的天数比较",
		"the period is still running, so it is compared day for day with the same days of the earlier period"))
}

var (
	// reShiftBack asks, in a follow-up, for the period before the one just
	// asked: "the quarter before", "the previous month", 前一个季度.
	reShiftBack = regexp.MustCompile(`\b(?:the )?(month|quarter|year|period) before\b|\b(?:the )?(?:previous|prior|preceding) (month|quarter|year|period)\b|\b(?:a|one) (month|quarter|year) (?:earlier|before)\b|再?往?前一个?(月|季度|季|年|期)|上一个?(月|季度|季|年|期)|(?:一|1)个?(月|季度|年)(?:前|之前|以前)`)
	// reVersus before such words makes them the other side of a comparison.
	reVersus = regexp.MustCompile(`(?:\bvs\.?|\bversus|\bcompared (?:to|with)|\bagainst|\bthan|和|与|跟|较|比|对比)\s*$`)
)

var unitMonths = map[string]int{"month": 1, "quarter": 3, "year": 12}

var shiftUnits = map[string]string{"月": "month", "季度": "quarter", "季": "quarter", "年": "year", "期": "period", "": "period"}

// shiftBack reads, in a follow-up, the period before the previous
// question's: after 2025年三季度, 前一个季度 is 2025-Q2, not today's last
// quarter. A unit other than the previous period's is asked back.
func (r *reading) shiftBack(tr *timeRead, prev metrics.TimeSpec) bool {
	loc := reShiftBack.FindStringSubmatchIndex(r.norm)
	if loc == nil || reVersus.MatchString(r.norm[:loc[0]]) {
		return false
	}
	phrase := strings.TrimSpace(r.norm[loc[0]:loc[1]])
	if tr.Range != "" && !strings.Contains(phrase, tr.Text) || tr.Start != "" || tr.Extra != "" {
		return false // another period is named too
	}
	unit := "period"
	for i := 2; i < len(loc); i += 2 {
		if loc[i] >= 0 {
			unit = cmp.Or(shiftUnits[r.norm[loc[i]:loc[i+1]]], r.norm[loc[i]:loc[i+1]])
		}
	}
	w, err := window(prev, r.now)
	own := unitOf(w)
	if unit == "period" {
		unit = own
	}
	// A year earlier than a quarter is that quarter a year before; a month
	// before a quarter is no quarter at all.
	if err != nil || own == "" || unitMonths[unit] < unitMonths[own] {
		return r.clarify(r.say("「%s」是指上一个问题所问时期的前一期吗？请写明具体时间（例如 2025年二季度）。",
			"Does %q mean the period before the one asked last? Please name the period (for example Q2 2025).", phrase))
	}
	tr.Range, tr.Text, tr.Start, tr.End = periodName(w.Shift(-1, unit), own), phrase, "", ""
	if strings.Contains(phrase, tr.CompareText) || tr.CompareText == "" {
		tr.Compare, tr.CompareText = "", ""
	}
	return false
}

// unitOf names the calendar unit a window is exactly: one month, quarter
// or year; else "".
func unitOf(w metrics.Window) string {
	if w.Start.Day() != 1 || !w.End.Equal(w.End.AddDate(0, 0, 1-w.End.Day())) {
		return ""
	}
	months := (w.End.Year()-w.Start.Year())*12 + int(w.End.Month()-w.Start.Month())
	switch {
	case months == 1:
		return "month"
	case months == 3 && (w.Start.Month()-1)%3 == 0:
		return "quarter"
	case months == 12 && w.Start.Month() == 1:
		return "year"
	}
	return ""
}

// periodName writes a whole calendar unit as a range name: 2025-06,
// 2025-Q2, 2025.
func periodName(w metrics.Window, unit string) string {
	switch unit {
	case "month":
		return w.Start.Format("2006-01")
	case "quarter":
		return fmt.Sprintf("%d-Q%d", w.Start.Year(), (int(w.Start.Month())+2)/3)
	}
	return fmt.Sprint(w.Start.Year())
}

// rePerUnit is a grain said as a rate's unit: per month, a month.
var rePerUnit = regexp.MustCompile(`^(?:per|a) (month|quarter|year|week|day)$`)

// rateOfGrain reports whether a grain said as "per month" is the unit of
// every metric asked (Average monthly visits per member), not a breakdown.
func (o *Offline) rateOfGrain(names []string, tr timeRead) bool {
	m := rePerUnit.FindStringSubmatch(strings.TrimSpace(tr.GrainText))
	if m == nil || len(names) == 0 {
		return false
	}
	adj := map[string]string{"month": "monthly", "quarter": "quarterly", "year": "annual", "week": "weekly", "day": "daily"}[m[1]]
	for _, name := range names {
		metric, ok := o.cat.Metric(name)
		if !ok {
			return false
		}
		label := normalize(metric.Label.EN)
		if !containsWord(label, adj) && !strings.Contains(label, "per "+m[1]) && !strings.Contains(label, "a "+m[1]) {
			return false
		}
	}
	return true
}

// reAllTime asks for a total over all time (累计, ever); reInTotal for a
// total, which is over all time only of something that has already
// happened (已流失的学员一共有多少人), not of a standing status (有效保单数一共).
var (
	reAllTime = regexp.MustCompile(`累计|迄今|至今|有史以来|\bever\b|\ball[- ]time\b|\bto date\b`)
	reInTotal = regexp.MustCompile(`一共|总共|总计|\bin total\b|\baltogether\b`)
	rePerfect = regexp.MustCompile(`已经|已|曾经|曾|\bhave been\b|\bhas been\b|\bhad\b`)
)

// allTimeWord returns the word asking for a total over all time, or "".
func allTimeWord(norm string) string {
	if w := reAllTime.FindString(norm); w != "" {
		return w
	}
	if rePerfect.MatchString(norm) {
		return reInTotal.FindString(norm)
	}
	return ""
}

// allCountSome reports whether every metric counts some of the rows (a
// status or an event), whose total over all time is not its monthly figure.
func (o *Offline) allCountSome(names []string) bool {
	for _, name := range names {
		if !o.isStatusCount(name) {
			return false
		}
	}
	return len(names) > 0
}
