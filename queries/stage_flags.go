package queries

import (
	"regexp"
	"strings"
)

// A flag named with a verb of having or lacking it is a condition, not a
// breakdown: 持有联名信用卡的会员 keeps the holders, 没有联名卡的会员 the others,
// members without a co-brand card likewise.
var (
	reFlagOff = regexp.MustCompile(`(?:没有|没|未持有|不持有|未开通|没开通|无|未|不|\bwithout|\bno|\bnot having|\blacking)\s*(?:an?\s+|the\s+)?$`)
	reFlagOn  = regexp.MustCompile(`(?:持有|拥有|有|开通了|已开通|开通|带有|使用|用|\bwith|\bhaving|\bhas|\bhave|\bholding|\busing|\buse|\buses)\s*(?:an?\s+|the\s+)?$`)
	// reFlagPeople ends a flag's word that names its holders (tablet
	// users, 平板用户): those with the flag on.
	reFlagPeople = regexp.MustCompile(`(?:用户|客户|会员|学员|持卡人|\busers|\bcustomers|\bclients|\bmembers|\bholders|\blearners|\bsubscribers)$`)
	// reFlagInName is a label that carries the verb itself (持有联名信用卡).
	reFlagInName = regexp.MustCompile(`^(?:持有|拥有|开通|已开通|有)`)
	// reFlagGroup asks for both sides: 按是否持有联名卡, by whether.
	reFlagGroup = regexp.MustCompile(`(?:按|是否|分|各|\bby\b|\bwhether\b|\bper\b)\s*(?:是否|whether)?\s*(?:持有|拥有|有|开通|(?:[a-z]+ )?(?:have|has|hold|holds)|having|with)?\s*(?:an?\s+|the\s+)?$`)
)

// readFlags turns such a flag's name into its value "on" or "off".
func (o *Offline) readFlags(r *reading) bool {
	if reShare.MatchString(r.norm) {
		return false // what share of subscribers have a bundle: the flag's share, not a filter
	}
	for i := range r.words {
		w := &r.words[i]
		if w.kind != kindDimension || w.condition || w.qualifier {
			continue
		}
		on, off, ok := o.flagValues(w.name)
		if !ok {
			continue
		}
		from := max(0, w.start-32)
		before := o.labelWordsOff(r.norm[from:w.start], w.name)
		if reFlagGroup.MatchString(before) {
			continue
		}
		var verb []int
		switch {
		case reFlagOff.MatchString(before):
			w.kind, w.value, verb = kindValue, off, reFlagOff.FindStringIndex(before)
		case reFlagOn.MatchString(before) || reFlagInName.MatchString(w.surface) || reFlagPeople.MatchString(strings.TrimSpace(w.surface)):
			w.kind, w.value, verb = kindValue, on, reFlagOn.FindStringIndex(before)
		default:
			continue
		}
		if verb != nil {
			r.text = blank(r.text, from+verb[0], from+verb[1])
		}
	}
	return false
}

// labelWordsOff drops from the end of text the words of a flag's own label
// that speech puts before its synonym: "with a corporate loan" for the flag
// "Has corporate loan" named by "loan" is "with a loan".
func (o *Offline) labelWordsOff(text, dim string) string {
	d, ok := o.cat.Dimension(dim)
	if !ok {
		return text
	}
	label := " " + normalize(d.Label.EN) + " "
	for {
		fields := strings.Fields(text)
		if len(fields) == 0 || hasHan(fields[len(fields)-1]) || !strings.Contains(label, " "+fields[len(fields)-1]+" ") {
			return text
		}
		text = strings.TrimRight(text, " ")
		text = text[:len(text)-len(fields[len(fields)-1])]
	}
}

// flagValues returns the values of a flag: its declared true and false
// values, or true and false of a boolean column.
func (o *Offline) flagValues(dim string) (on, off string, ok bool) {
	if o.cat.BooleanDimension(dim) {
		return "true", "false", true
	}
	d, found := o.cat.Dimension(dim)
	if !found || len(d.Values) != 2 {
		return "", "", false
	}
	for _, v := range d.Values {
		switch strings.ToLower(v.Value) {
		case "true", "1", "yes", "y", "on", "enabled", "是":
			on = v.Value
		case "false", "0", "no", "n", "off", "disabled", "否":
			off = v.Value
		}
	}
	return on, off, on != "" && off != ""
}
