package queries

import (
	"fmt"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// reading is a question on its way through the planner's stages: the text
// with every word a stage understood blanked out, and what was understood.
type reading struct {
	question string
	norm     string // the normalized question, never blanked
	text     string // the normalized question, understood words blanked
	now      time.Time
	prev     *metrics.Query
	after    *Turn // the previous turn when it was routed (route_followup.go)
	plan     *Plan

	early   []mention // dimension and time-holding metric names, read before time words
	time    timeRead
	rank    rankRead
	words   []word      // catalog words, in question order
	pending []condition // comparisons read, their fields not yet known
	conds   []metrics.Filter
	// condSpans are where the conditions read stand in the question.
	condSpans []condition
	having    []pendingHaving // conditions on a metric's value
	filters   []metrics.Filter
	listDims  []string // dimensions broken down because several values were listed
	metrics   []string
	dims      []string
	query     metrics.Query
	followup  bool
}

// word is one catalog word of the question and what it names.
type word struct {
	kind       string // metric, dimension, value
	name       string // metric or dimension
	value      string // for values
	surface    string
	start, end int
	// condition marks a numeric dimension that a condition used (年龄50岁以上),
	// which is not a breakdown.
	condition bool
	// qualifier marks a dimension word that only qualifies the value before
	// it (上海 分行): not a breakdown either.
	qualifier bool
	excluded  bool
	// entity marks a metric word that names what a count counts (客户,
	// churned subscribers): before a comparison it is the subject.
	entity bool
}

// rankRead is what ranking words asked for.
type rankRead struct {
	set   bool
	desc  bool
	limit int
	// by is a comparison column to rank by ("delta", "pct_change") when a
	// move is ranked (上升最多, fell the most); up says which way.
	by string
	up bool
}

func (o *Offline) newReading(question string, prev *metrics.Query) *reading {
	norm := normalize(question)
	p := &Plan{Status: "answer", Planner: "offline", Lang: "en"}
	if hasHan(question) {
		p.Lang = "zh"
	}
	return &reading{question: question, norm: norm, text: norm, now: o.now().In(o.cat.Location), prev: prev, plan: p}
}

// say picks the sentence in the question's language.
func (r *reading) say(zh, en string, args ...any) string {
	if r.plan.Lang == "zh" {
		return fmt.Sprintf(zh, args...)
	}
	return fmt.Sprintf(en, args...)
}

// understood records a grounded word in the plan.
func (r *reading) understood(text, kind, name string) {
	r.plan.Understood = append(r.plan.Understood, Grounding{Text: text, Kind: kind, Name: name})
}

// clarify ends the reading with a question back.
func (r *reading) clarify(message string, candidates ...string) bool {
	r.plan.Status = "clarify"
	r.plan.Query = metrics.Query{}
	r.plan.Message = message
	r.plan.Candidates = candidates
	return true
}
