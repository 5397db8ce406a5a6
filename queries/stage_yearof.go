package queries

import (
	"regexp"
	"slices"
	"strings"

	"github.com/beaconbi/beacon/metrics"
)

// reYearOfEvent is a year told with the event it dates: 2024年入会的会员,
// members who joined in 2023. It names a value of the field that holds the
// year of that event (入会年份, Join year), not the period of the question.
var (
	reZhYearOf = regexp.MustCompile(`(\d{4})\s*年\s*(\p{Han}{2})`)
	reEnYearOf = regexp.MustCompile(`\b([a-z]+)\s+in\s+(\d{4})\b`)
)

// readYearOfEvent reads such a year as the field's value before the time
// words can take it as a second period.
func (o *Offline) readYearOfEvent(r *reading) bool {
	for _, loc := range reZhYearOf.FindAllStringSubmatchIndex(r.text, -1) {
		year, verb := r.text[loc[2]:loc[3]], r.text[loc[4]:loc[5]]
		if o.yearOfEvent(r, year, []string{verb}, loc[0], loc[5]) {
			return true
		}
	}
	for _, loc := range reEnYearOf.FindAllStringSubmatchIndex(r.text, -1) {
		verb, year := r.text[loc[2]:loc[3]], r.text[loc[4]:loc[5]]
		stems := []string{verb, strings.TrimSuffix(verb, "ed"), strings.TrimSuffix(verb, "d")}
		if o.yearOfEvent(r, year, stems, loc[0], loc[1]) {
			return true
		}
	}
	return false
}

// reNewMetric is a metric that counts the event itself: 新开户数, New
// accounts. Its event's year is the period asked (how many new accounts
// did we open in 2024), not a group of accounts.
var reNewMetric = regexp.MustCompile(`^(?:新|new\b)|新增|新开|新发`)

// periodOfEvent decides a year told with its event when the question has
// no other period: the period of a count of that event, and otherwise a
// question back, since the cohort (accounts opened in 2024) and the period
// (2024) give different figures. It reports whether the reading ended.
func (o *Offline) periodOfEvent(r *reading, year string, start, end int) (leave, stop bool) {
	if t, _ := readTime(blank(r.text, start, end), r.now); t.Range != "" || t.Start != "" {
		return false, false // 2024年入会的会员在2025年6月: the cohort, in that period
	}
	mentions, _ := o.lx.find(r.norm)
	for _, m := range mentions {
		if m.start < end && m.end > start {
			continue // 开户 of 2024年开户的客户 is the event, not the figure asked
		}
		for _, t := range m.entry.targets {
			if t.Kind == kindMetric && (reNewMetric.MatchString(strings.ToLower(o.lx.metrics[t.Name].Label.ZH)) || reNewMetric.MatchString(strings.ToLower(o.lx.metrics[t.Name].Label.EN))) {
				return true, false
			}
		}
	}
	phrase := strings.TrimSpace(r.norm[start:end])
	return true, r.clarify(r.say("「%s」是指%s的那批对象（一个群体），还是把%s年当作时期？请另写明时期，例如「……在2025年6月的流失率」。",
		"Does %q mean a cohort (those that %s), or the year %s as the period? Please also name the period, e.g. \"… in June 2025\".",
		phrase, phrase, year))
}

// yearOfEvent makes the year a value of the one categorical field whose
// name holds both the event's verb and a word of year; with none, or
// several, the year is left to the time words.
func (o *Offline) yearOfEvent(r *reading, year string, verbs []string, start, end int) bool {
	found := ""
	for _, name := range o.cat.DimensionNames() {
		if o.cat.NumericDimension(name) || !o.dimensionSays(name, []string{"年份", "年度", "year"}) {
			continue
		}
		for _, v := range verbs {
			if len(v) >= 3 && o.dimensionSays(name, []string{v}) && v != "year" {
				if found != "" && found != name {
					return false
				}
				found = name
			}
		}
	}
	if found == "" {
		return false
	}
	if d, _ := o.cat.Dimension(found); len(d.Values) > 0 && !slices.ContainsFunc(d.Values, func(v *metrics.DimensionValue) bool { return v.Value == year }) {
		return false // a year the field does not hold is no value of it
	}
	if leave, stop := o.periodOfEvent(r, year, start, end); leave {
		return stop
	}
	e := &entry{surface: r.norm[start:end], targets: []target{{Kind: kindValue, Name: found, Dimension: found, Value: year}}}
	r.early = append(r.early, mention{start: start, end: end, entry: e})
	r.text = blank(r.text, start, end)
	return false
}
