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
		o.yearOfEvent(r, year, []string{verb}, loc[0], loc[5])
	}
	for _, loc := range reEnYearOf.FindAllStringSubmatchIndex(r.text, -1) {
		verb, year := r.text[loc[2]:loc[3]], r.text[loc[4]:loc[5]]
		stems := []string{verb, strings.TrimSuffix(verb, "ed"), strings.TrimSuffix(verb, "d")}
		o.yearOfEvent(r, year, stems, loc[0], loc[1])
	}
	return false
}

// yearOfEvent makes the year a value of the one categorical field whose
// name holds both the event's verb and a word of year; with none, or
// several, the year is left to the time words.
func (o *Offline) yearOfEvent(r *reading, year string, verbs []string, start, end int) {
	found := ""
	for _, name := range o.cat.DimensionNames() {
		if o.cat.NumericDimension(name) || !o.dimensionSays(name, []string{"年份", "年度", "year"}) {
			continue
		}
		for _, v := range verbs {
			if len(v) >= 3 && o.dimensionSays(name, []string{v}) && v != "year" {
				if found != "" && found != name {
					return
				}
				found = name
			}
		}
	}
	if found == "" {
		return
	}
	if d, _ := o.cat.Dimension(found); len(d.Values) > 0 && !slices.ContainsFunc(d.Values, func(v *metrics.DimensionValue) bool { return v.Value == year }) {
		return // a year the field does not hold is no value of it
	}
	e := &entry{surface: r.norm[start:end], targets: []target{{Kind: kindValue, Name: found, Dimension: found, Value: year}}}
	r.early = append(r.early, mention{start: start, end: end, entry: e})
	r.text = blank(r.text, start, end)
}
