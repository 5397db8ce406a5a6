package queries

import (
	"regexp"
	"slices"
	"strings"
)

// readEvents reads a status said with a period as the event that one of the
// model's counts counts: in "how many investors left in 2025", "left" is a
// value of the investor's current status, but with a period the question
// asks who left during it, which the count "Investors who left" (or its
// synonym "churned investors") answers. The status filter would count
// everyone whose status is now "left" and who was on the books in 2025.
func (o *Offline) readEvents(r *reading) bool {
	if r.time.Range == "" && r.time.Start == "" {
		return false
	}
	metric := -1
	var values []int
	for i, w := range r.words {
		switch {
		case w.kind == kindMetric && metric < 0:
			metric = i
		case w.kind == kindMetric:
			return false
		case w.kind == kindValue:
			values = append(values, i)
		}
	}
	not := ""
	if metric >= 0 {
		// The count named beside the status must count the whole entity
		// (investors, 客户数), which the event's count narrows.
		m := o.lx.metrics[r.words[metric].name]
		if m == nil || m.Format != "count" || countsSome(o.cat, m) {
			return false
		}
		not = m.Name
	}
	// One of the values must be an event's status (churned pay-per-visit
	// members: churned); the others stay filters.
	value, event := -1, ""
	for _, i := range values {
		if reRateAfter.MatchString(r.norm[r.words[i].end:]) {
			return false // 赔付率, churned rate: a rate, which no count answers
		}
		if e := o.eventCount(r.words[i].surface, not); e != "" {
			if value >= 0 {
				return false
			}
			value, event = i, e
		}
	}
	if value < 0 {
		return false
	}
	v := r.words[value]
	if metric >= 0 {
		r.words = slices.Delete(r.words, metric, metric+1)
		if metric < value {
			value--
		}
	}
	r.words[value] = word{kind: kindMetric, name: event, surface: v.surface, start: v.start, end: v.end, entity: true}
	r.understood(v.surface, "metric", event)
	return false
}

// reRateAfter is a rate's word right after a status.
var reRateAfter = regexp.MustCompile(`^\s*(?:率|比例|比率|占比|比重|rates?\b|ratios?\b|shares?\b|percent)`)

// eventCount returns the one count of some rows (a flag's sum or a
// filtered count) other than not whose label or synonyms hold the word.
func (o *Offline) eventCount(word, not string) string {
	word = strings.TrimSpace(normalize(word))
	found := ""
	for _, name := range o.cat.Names() {
		m, _ := o.cat.Metric(name)
		if name == not || !o.isStatusCount(name) {
			continue
		}
		for _, s := range append([]string{m.Label.ZH, m.Label.EN}, append(m.Synonyms.ZH, m.Synonyms.EN...)...) {
			if s = strings.TrimSpace(normalize(s)); s != word && containsWord(s, word) {
				if found != "" && found != name {
					return ""
				}
				found = name
				break
			}
		}
	}
	return found
}
