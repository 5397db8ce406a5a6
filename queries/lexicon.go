package queries

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/beaconbi/beacon/metrics"
)

// Kinds of catalog words.
const (
	kindMetric    = "metric"
	kindDimension = "dimension"
	kindValue     = "value"
)

// target is what a catalog word names.
type target struct {
	Kind      string
	Name      string // metric or dimension name
	Value     string // for values: the stored value
	Dimension string // for values: its dimension
}

// entry is one surface form and everything it may name.
type entry struct {
	surface string
	han     bool
	runes   int
	targets []target
}

// Lexicon holds every word of a catalog that a question may use: metric,
// dimension and value names, labels and synonyms in Chinese and English.
// It is built from the model alone, so a new model needs no code.
type Lexicon struct {
	entries []*entry
	metrics map[string]*metrics.Metric
	// entity holds the words that name what a count metric counts
	// (customers, 客户 for 客户数): as the subject of a question that names
	// another metric they are not a second metric.
	entity map[string]bool
	// stem holds the entity words cut from a count's label (客户 of 客户数).
	stem map[string]bool
	// nouns are the names of the model's sources and tables (loans,
	// claims): what the rows are, which a question may name freely.
	nouns map[string]bool
	// order is the sequence find looks entries up in.
	order []findJob
}

// NewLexicon builds the lexicon of a catalog.
func NewLexicon(cat *metrics.Catalog) *Lexicon {
	lx := &Lexicon{metrics: map[string]*metrics.Metric{}, entity: map[string]bool{}, stem: map[string]bool{}, nouns: map[string]bool{}}
	bySurface := map[string]*entry{}
	add := func(surface string, t target) {
		s := strings.TrimSpace(normalize(surface))
		if s == "" || utf8.RuneCountInString(s) < 2 && !hasHan(s) {
			return
		}
		if !hasHan(s) && !strings.HasSuffix(s, "s") && len(s) >= 3 {
			// English plurals: fee waiver and fee waivers, branch and branches.
			plural := s + "s"
			switch {
			case strings.HasSuffix(s, "ch") || strings.HasSuffix(s, "sh") || strings.HasSuffix(s, "x"):
				plural = s + "es"
			case strings.HasSuffix(s, "y") && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
				plural = s[:len(s)-1] + "ies" // category → categories
			}
			addSurface(bySurface, plural, t)
		}
		addSurface(bySurface, s, t)
		for _, v := range append(withArticle(s), spokenForms(s)...) {
			addSurface(bySurface, v, t)
		}
	}

	// A metric or dimension is named by its name (with and without
	// underscores), its labels and its synonyms.
	addNamed := func(name string, label metrics.Text, syn metrics.Synonyms, t target) {
		add(name, t)
		add(strings.ReplaceAll(name, "_", " "), t)
		add(label.ZH, t)
		add(label.EN, t)
		for _, s := range append(syn.ZH, syn.EN...) {
			add(s, t)
		}
	}
	for _, name := range cat.Names() {
		m, _ := cat.Metric(name)
		lx.metrics[name] = m
		t := target{Kind: kindMetric, Name: name}
		addNamed(name, m.Label, m.Synonyms, t)
		for _, s := range append([]string{m.Label.EN}, m.Synonyms.EN...) {
			// "Investors who left" is asked as "investors left in 2025".
			if short := reRelative.ReplaceAllString(normalize(s), " "); short != normalize(s) && strings.Count(short, " ") >= 1 {
				add(short, t)
			}
		}
	}
	for _, name := range cat.DimensionNames() {
		d, _ := cat.Dimension(name)
		addNamed(name, d.Label, d.Synonyms, target{Kind: kindDimension, Name: name})
		for _, v := range d.Values {
			vt := target{Kind: kindValue, Name: name, Dimension: name, Value: v.Value}
			add(v.Value, vt)
			add(v.Label.ZH, vt)
			add(v.Label.EN, vt)
			for _, s := range v.Synonyms {
				add(s, vt)
			}
		}
	}
	lx.addEntityWords(cat, bySurface)
	lx.addVerbForms(cat, bySurface)
	for _, t := range cat.Tables() {
		for _, w := range strings.Fields(normalize(t)) {
			lx.nouns[w] = true
			lx.nouns[strings.TrimSuffix(strings.TrimSuffix(w, "s"), "ie")] = true
			lx.nouns[strings.TrimSuffix(w, "ies")+"y"] = true
			lx.nouns[w+"s"] = true // card_months: cards
		}
	}
	for _, e := range bySurface {
		lx.entries = append(lx.entries, e)
	}
	// Longest first, so 活跃客户数 wins over 客户数.
	sort.Slice(lx.entries, func(i, j int) bool {
		a, b := lx.entries[i], lx.entries[j]
		if a.runes != b.runes {
			return a.runes > b.runes
		}
		return a.surface < b.surface
	})
	lx.order = lx.jobs()
	return lx
}

// reRelative is a relative pronoun inside an English label, which speech
// drops: "customers who churned" is asked as "customers churned".
var reRelative = regexp.MustCompile(`\s+(?:who|that|which)\s+`)

// reOpener is the first word of an English phrase that people follow with
// an article: "with family bundle" is asked as "with a family bundle".
var reOpener = regexp.MustCompile(`^(with|without|has|have|having|had|on|in|no|of|for|from|using|uses)\s+`)

// withArticle returns the phrase with a, an and the after its opener.
func withArticle(s string) []string {
	loc := reOpener.FindStringSubmatchIndex(s)
	if loc == nil || strings.HasPrefix(s[loc[1]:], "a ") || strings.HasPrefix(s[loc[1]:], "the ") {
		return nil
	}
	head, rest := s[:loc[3]], s[loc[1]:]
	return []string{head + " a " + rest, head + " an " + rest, head + " the " + rest}
}

// reBarePrep is a preposition a label uses without the article that
// speech puts after it (users active at start: at the start).
var reBarePrep = regexp.MustCompile(`\b(at|of|in|on|for|by) (?:(?:a|an|the) )?`)

// spokenForms are the ways speech says an English label of three words
// or more: with "the" after its prepositions (users active at the start)
// and with a relative clause before a closing participle (share of
// registered members who have cancelled).
func spokenForms(s string) []string {
	words := strings.Fields(s)
	if len(words) < 3 || hasHan(s) {
		return nil
	}
	var forms []string
	if with := reBarePrep.ReplaceAllString(s, "$1 the "); with != s && !strings.Contains(s, " the ") {
		forms = append(forms, with)
	}
	last := words[len(words)-1]
	if strings.HasSuffix(last, "ed") || last == "left" || last == "lost" || last == "gone" {
		head := strings.Join(words[:len(words)-1], " ")
		for _, rel := range []string{"who", "who have", "who had", "who were", "that", "that have", "that were", "which were"} {
			forms = append(forms, head+" "+rel+" "+last)
		}
	}
	return forms
}

// addEntityWords lets a count metric be named by what it counts: 客户 for
// 客户数 ("有多少客户"), customers for Customers, unless the word already
// names something else.
func (lx *Lexicon) addEntityWords(cat *metrics.Catalog, bySurface map[string]*entry) {
	for _, name := range cat.Names() {
		m := lx.metrics[name]
		if m.Format != "count" || m.Type != "simple" {
			continue
		}
		some := countsSome(cat, m)
		if !some {
			for _, w := range append([]string{name, strings.ReplaceAll(name, "_", " "), m.Label.EN}, m.Synonyms.EN...) {
				if w = strings.TrimSpace(normalize(w)); !strings.Contains(w, " ") {
					lx.entity[w] = true // a plain noun: customers, subscribers
				}
			}
			lx.entity[strings.TrimSpace(normalize(m.Label.EN))] = true
		}
		for _, suffix := range []string{"数量", "人数", "数"} {
			stem, ok := strings.CutSuffix(m.Label.ZH, suffix)
			if !ok || utf8.RuneCountInString(stem) < 2 {
				continue
			}
			stem = strings.TrimSpace(normalize(stem))
			if _, taken := bySurface[stem]; !taken {
				// 有效客户 for 有效客户数 too; only a plain count's stem is the entity.
				addSurface(bySurface, stem, target{Kind: kindMetric, Name: name})
				lx.entity[stem], lx.stem[stem] = !some, !some
			}
			break
		}
	}
	lx.addSynonymStems(cat, bySurface)
}

// addSynonymStems lets a count be named by the stem of a Chinese synonym
// the model gave it (客户 of 客户数 for 付费客户数), when no other word has
// that stem and no other count claims it: a stem two counts share is not
// guessed between.
func (lx *Lexicon) addSynonymStems(cat *metrics.Catalog, bySurface map[string]*entry) {
	claims := map[string][]string{}
	for _, name := range cat.Names() {
		m := lx.metrics[name]
		if m.Format != "count" || m.Type != "simple" {
			continue
		}
		for _, s := range m.Synonyms.ZH {
			for _, suffix := range []string{"数量", "人数", "数"} {
				stem, ok := strings.CutSuffix(strings.TrimSpace(s), suffix)
				if !ok || utf8.RuneCountInString(stem) < 2 {
					continue
				}
				stem = strings.TrimSpace(normalize(stem))
				if !slices.Contains(claims[stem], name) {
					claims[stem] = append(claims[stem], name)
				}
				break
			}
		}
	}
	for stem, names := range claims {
		if _, taken := bySurface[stem]; taken || len(names) != 1 {
			continue
		}
		addSurface(bySurface, stem, target{Kind: kindMetric, Name: names[0]})
		// A stem is cut from a count's name either way (客户情况怎么样 asks
		// nothing in particular); it names the entity only for a plain count.
		lx.entity[stem], lx.stem[stem] = !countsSome(cat, lx.metrics[names[0]]), true
	}
}

// reZhStatusCount splits a count's Chinese label into the status and what
// it counts: 流失用户数 → 流失, 用户; 违约笔数 → 违约, 笔.
var reZhStatusCount = regexp.MustCompile(`^(\p{Han}{2,4}?)(客户|用户|会员|账户|保单|贷款|订单|人|户|笔|件|张|单|家|个)数(?:量)?$`)

// reEnStatusCount splits an English label into a participle and a noun:
// Churned accounts → churned, accounts.
var reEnStatusCount = regexp.MustCompile(`^(\w+ed)\s+(\w+)$`)

// addVerbForms lets a count of some status be asked with the status as
// the verb: 流失了多少用户 and 违约了几笔 for 流失用户数 and 违约笔数, "accounts
// (that) churned" for Churned accounts.
func (lx *Lexicon) addVerbForms(cat *metrics.Catalog, bySurface map[string]*entry) {
	for _, name := range cat.Names() {
		m := lx.metrics[name]
		if m.Format != "count" || !countsSome(cat, m) {
			continue
		}
		t := target{Kind: kindMetric, Name: name}
		if g := reZhStatusCount.FindStringSubmatch(strings.TrimSpace(normalize(m.Label.ZH))); g != nil {
			for _, how := range []string{"了多少", "了几", "多少", "几"} {
				for _, cl := range []string{"", "个", "位", "名", "家", "户", "笔", "件", "张"} {
					if s := g[1] + how + cl + g[2]; !strings.HasSuffix(cl+g[2], g[2]+g[2]) {
						addSurface(bySurface, s, t)
					}
				}
			}
		}
		if g := reEnStatusCount.FindStringSubmatch(strings.TrimSpace(normalize(m.Label.EN))); g != nil {
			for _, link := range []string{" ", " that ", " who ", " which "} {
				addSurface(bySurface, g[2]+link+g[1], t)
			}
		}
	}
}

// countsSome reports whether a count metric counts only some rows: those
// passing a filter, or a sum of a flag (churned customers). Its words name
// a status, not the entity.
func countsSome(cat *metrics.Catalog, m *metrics.Metric) bool {
	for _, md := range cat.Definition(m).Measures {
		if md.Filter != "" || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(md.SQL)), "count") {
			return true
		}
	}
	return false
}

func addSurface(bySurface map[string]*entry, s string, t target) {
	e, ok := bySurface[s]
	if !ok {
		e = &entry{surface: s, han: hasHan(s), runes: utf8.RuneCountInString(s)}
		bySurface[s] = e
	}
	for _, x := range e.targets {
		if x == t {
			return
		}
	}
	e.targets = append(e.targets, t)
}

// mention is one catalog word found in a question.
type mention struct {
	start, end int
	entry      *entry
}

// find returns the non-overlapping catalog words in text, longest first,
// and the text with them blanked.
func (lx *Lexicon) find(text string) ([]mention, string) {
	orig := text
	var found []mention
	for _, j := range lx.order {
		e := j.entry
		if j.split {
			for {
				start, end, ok := splitIndex(text, e.surface)
				if !ok {
					break
				}
				found = append(found, mention{start: start, end: end, entry: e})
				text = blank(text, start, end)
			}
			continue
		}
		from := 0
		for {
			i := strings.Index(text[from:], e.surface)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(e.surface)
			from = end
			if !e.han && !(boundary(text, start-1) && boundary(text, end)) {
				continue
			}
			found = append(found, mention{start: start, end: end, entry: e})
			text = blank(text, start, end)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].start < found[j].start })
	return found, lx.overlapping(orig, text, found)
}

// findJob looks for an entry as written, or split by speech.
type findJob struct {
	entry *entry
	split bool
}

// jobs orders the lookups longest first. A split label is at least one
// rune longer than the label, so 流失了多少人 (流失人数) is read before the
// shorter 会员流失 can take its first half.
func (lx *Lexicon) jobs() []findJob {
	var jobs []findJob
	for _, e := range lx.entries {
		jobs = append(jobs, findJob{entry: e})
		if e.splits() {
			jobs = append(jobs, findJob{entry: e, split: true})
		}
	}
	size := func(j findJob) int {
		if j.split {
			return j.entry.runes + 1
		}
		return j.entry.runes
	}
	slices.SortStableFunc(jobs, func(a, b findJob) int { return size(b) - size(a) })
	return jobs
}

// overlapping blanks the rest of a metric's word that shares runes with a
// mention of the same metric: in 只还最低还款的占比, 最低还款…占比 names the
// minimum-payment rate and 只还最低 is its synonym, so 只还 is no unknown
// word left over.
func (lx *Lexicon) overlapping(orig, text string, found []mention) string {
	for _, e := range lx.entries {
		if !e.han || !allOfKind(e, kindMetric) {
			continue
		}
		for from := 0; ; {
			i := strings.Index(orig[from:], e.surface)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(e.surface)
			from = end
			for _, m := range found {
				if m.start < end && start < m.end && sameTargets(m.entry, e) {
					text = blank(text, start, end)
				}
			}
		}
	}
	return text
}

// sameTargets reports whether two entries name one metric alone.
func sameTargets(a, b *entry) bool {
	return len(a.targets) == 1 && len(b.targets) == 1 && a.targets[0] == b.targets[0]
}

// splits reports whether a Chinese metric label may be found with a
// particle or a question word inside it, as speech splits it: 兑换了多少里程
// is 兑换里程, 流失了多少客户 is 流失客户.
func (e *entry) splits() bool {
	// A label shared with a dimension (到店次数, a metric and a field) splits
	// too; one shared with a value does not: 流失的客户 is the customers who
	// left, a filter, as much as a count of them.
	kinds := map[string]bool{}
	for _, t := range e.targets {
		kinds[t.Kind] = true
	}
	return e.han && e.runes >= 4 && kinds[kindMetric] && !kinds[kindValue]
}

// reSplitGap is what speech puts inside a label: an aspect particle, 的,
// a total (到店总次数) or a question word, and nothing that carries meaning.
var reSplitGap = regexp.MustCompile(`^(?:了|过|的|一共|总共|共|总|多少|几)+`)

// splitIndex finds surface in text cut in two at a rune boundary (at
// least two runes each side) with only reSplitGap words between.
func splitIndex(text, surface string) (int, int, bool) {
	runes := []rune(surface)
	for k := 2; k <= len(runes)-2; k++ {
		head, tail := string(runes[:k]), string(runes[k:])
		for from := 0; ; {
			i := strings.Index(text[from:], head)
			if i < 0 {
				break
			}
			start := from + i
			after := start + len(head)
			from = after
			gap := reSplitGap.FindString(text[after:])
			rest := text[after+len(gap):]
			switch {
			case gap == "":
			case strings.HasPrefix(rest, tail):
				return start, after + len(gap) + len(tail), true
			case strings.HasSuffix(tail, "数") && strings.ContainsAny(gap, "多几") && len(tail) > len("数") && strings.HasPrefix(rest, strings.TrimSuffix(tail, "数")):
				// 流失了多少人 is 流失人数: the question word asks the 数.
				return start, after + len(gap) + len(tail) - len("数"), true
			}
		}
	}
	return 0, 0, false
}

func allOfKind(e *entry, kind string) bool {
	for _, t := range e.targets {
		if t.Kind != kind {
			return false
		}
	}
	return true
}

// boundary reports whether the byte at i does not continue an English word.
func boundary(text string, i int) bool {
	if i < 0 || i >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	if r == utf8.RuneError {
		r, _ = utf8.DecodeLastRuneInString(text[:i+1])
	}
	return !(unicode.IsLetter(r) && r < unicode.MaxASCII || unicode.IsDigit(r) || r == '_')
}
