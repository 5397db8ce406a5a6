package queries

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/beaconbi/beacon/metrics"
)

// EvalSet is a file of questions with their reference metric queries.
type EvalSet struct {
	Model string `yaml:"model"`
	// Dataset, when set, is a folder (relative to the set's file) holding
	// model.yaml and one CSV per table, named after the table.
	Dataset string     `yaml:"dataset"`
	Today   string     `yaml:"today"`
	Cases   []EvalCase `yaml:"cases"`
	File    string     `yaml:"-"`
}

// DatasetDir is the folder the set's Dataset names, or "" without one.
func (s *EvalSet) DatasetDir() string {
	if s.Dataset == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(s.File), s.Dataset)
}

// EvalCase is one question (or a conversation of several) and what it
// must become; Expect "refuse" or "clarify" marks questions that must not
// be answered with a number.
type EvalCase struct {
	ID       string         `yaml:"id"`
	Lang     string         `yaml:"lang"`
	Patterns []string       `yaml:"patterns"`
	Question string         `yaml:"question"`
	Query    *metrics.Query `yaml:"query"`
	SQL      string         `yaml:"sql"`
	Expect   string         `yaml:"expect"`
	// AlsoOK names a status ("clarify") that is also right for a question
	// an analyst could read two ways.
	AlsoOK       string     `yaml:"also_ok"`
	Conversation []EvalTurn `yaml:"conversation"`
	// A route case (route_eval.go) names the capability and request instead.
	RouteExpect `yaml:",inline"`
}

// EvalTurn is one turn of a conversation case.
type EvalTurn struct {
	Question    string         `yaml:"question"`
	Query       *metrics.Query `yaml:"query"`
	SQL         string         `yaml:"sql"`
	Expect      string         `yaml:"expect"`
	RouteExpect `yaml:",inline"`
}

// turns are the case's questions: its conversation, or its one question.
func (c EvalCase) turns() []EvalTurn {
	if len(c.Conversation) > 0 {
		return c.Conversation
	}
	return []EvalTurn{{Question: c.Question, Query: c.Query, SQL: c.SQL, RouteExpect: c.RouteExpect}}
}

// expected reports whether the turn is due an answer (a reference query
// or hand SQL) rather than a refusal.
func (t EvalTurn) expected() bool { return t.Query != nil || t.SQL != "" || t.routed() }

// ReadEvalSet reads an evaluation file.
func ReadEvalSet(path string) (*EvalSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read eval set: %w", err)
	}
	var s EvalSet
	if err := yaml.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parse eval set %s: %w", path, err)
	}
	s.File = path
	return &s, nil
}

// Now is the evaluation's "now": noon of Today in the catalog's zone.
func (s *EvalSet) Now(loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", s.Today, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("eval set %s: today %q: %w", s.File, s.Today, err)
	}
	return t.Add(12 * time.Hour), nil
}

// EvalOutcome is the verdict on one question.
type EvalOutcome struct {
	ID, Lang, Question string
	// Route is the case's: the route expected, or refuse or clarify.
	Route       string
	Status      string // the planner's status
	Exact       bool   // the resolved query equals the reference
	Correct     bool   // rows equal the reference's, or a required refusal/clarification
	SilentWrong bool   // a number was given that is not the reference's (or none was due)
	Got, Want   string
	Detail      string
}

// EvalReport sums outcomes by language.
type EvalReport struct {
	Outcomes []EvalOutcome
	// Planning holds how long the planner took on each question.
	Planning []time.Duration
}

// PlanningPercentile is the planner's latency at percentile p (0-100).
func (r *EvalReport) PlanningPercentile(p float64) time.Duration {
	if len(r.Planning) == 0 {
		return 0
	}
	d := slices.Clone(r.Planning)
	slices.Sort(d)
	return d[min(len(d)-1, int(p/100*float64(len(d))))]
}

// Tally sums the outcomes of one group of questions: in-scope questions
// (those with a reference) and out-of-scope ones apart.
type Tally struct {
	Questions, Exact, Correct, Refused, SilentWrong int
	OutOfScope, OutOfScopeHandled                   int
}

// add counts one outcome.
func (t *Tally) add(o EvalOutcome) {
	if o.Want == "refuse" || o.Want == "clarify" {
		t.OutOfScope++
		if o.Correct {
			t.OutOfScopeHandled++
		}
	} else {
		t.Questions++
		if o.Exact {
			t.Exact++
		}
		if o.Correct {
			t.Correct++
		}
		if o.Status != "answer" {
			t.Refused++
		}
	}
	if o.SilentWrong {
		t.SilentWrong++
	}
}

// tally sums the outcomes by key, returning the keys in order.
func (r *EvalReport) tally(key func(EvalOutcome) string) ([]string, map[string]*Tally) {
	by := map[string]*Tally{}
	var keys []string
	for _, o := range r.Outcomes {
		k := key(o)
		if by[k] == nil {
			by[k] = &Tally{}
			keys = append(keys, k)
		}
		by[k].add(o)
	}
	slices.Sort(keys)
	return keys, by
}

// LangStats are the figures for one language.
type LangStats struct {
	Lang string
	Tally
}

// Stats returns per-language figures, in-scope and out-of-scope apart.
func (r *EvalReport) Stats() []LangStats {
	keys, by := r.tally(func(o EvalOutcome) string { return o.Lang })
	var out []LangStats
	for _, k := range slices.Backward(keys) {
		out = append(out, LangStats{Lang: k, Tally: *by[k]})
	}
	return out
}

// HandSQL runs a reference statement and returns its rows, for cases whose
// expected answer is written as hand SQL over the data.
type HandSQL func(ctx context.Context, sql string) ([][]any, error)

// Evaluate runs a set through the offline planner over engine, comparing
// each plan's rows with the reference: the case's hand SQL run by hand, or
// else its reference query run by the engine.
func Evaluate(ctx context.Context, set *EvalSet, engine *metrics.Engine, offline *Offline, hand HandSQL) (*EvalReport, error) {
	rep := &EvalReport{}
	for _, c := range set.Cases {
		turns := c.turns()
		var prev Turn
		for i, t := range turns {
			id := c.ID
			if len(turns) > 1 {
				id = fmt.Sprintf("%s#%d", c.ID, i+1)
			}
			lang := c.Lang
			if lang == "" {
				lang = map[bool]string{true: "zh", false: "en"}[hasHan(t.Question)]
			}
			start := time.Now()
			p := offline.PlanAfter(t.Question, prev)
			rep.Planning = append(rep.Planning, time.Since(start))
			o, next, err := judgeTurn(ctx, engine, hand, c, t, p, prev)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", id, err)
			}
			o.ID, o.Lang, o.Question = id, lang, t.Question
			prev = next
			rep.Outcomes = append(rep.Outcomes, o)
		}
	}
	return rep, nil
}

// judgeTurn judges one planned question: a refusal due, a route case
// (route_eval.go) or a metric question; it returns the turn the
// conversation continues from: the plan's when right, else the reference's,
// so that one miss does not cascade.
func judgeTurn(ctx context.Context, engine *metrics.Engine, hand HandSQL, c EvalCase, t EvalTurn, p *Plan, prev Turn) (EvalOutcome, Turn, error) {
	var o EvalOutcome
	o.Status = p.Status
	o.Got = planText(p)
	switch {
	case !t.expected():
		o.Want = cmp.Or(t.Expect, c.Expect, "refuse")
		o.Route = o.Want
		o.Correct = p.Status != "answer"
		o.SilentWrong = p.Status == "answer"
		return o, prev, nil
	case t.routed():
		o.Route = t.Route
		next := judgeRoute(ctx, engine, p, t.RouteExpect, &o)
		return o, next, nil
	}
	if c.Route != "" || t.Route != "" {
		o.Route = RouteMetric
	}
	if p.Status == "answer" && p.Route != "" && p.Route != RouteMetric {
		// A metric question sent to another capability: its numbers are not
		// the ones asked.
		o.Want = "route metric"
		o.SilentWrong = true
		return o, t.reference(), nil
	}
	want, err := referenceRows(ctx, engine, hand, t)
	if err != nil {
		return o, Turn{}, err
	}
	if t.SQL != "" {
		o.Want = "sql: " + strings.Join(strings.Fields(t.SQL), " ")
	} else {
		o.Want = compact(*t.Query)
	}
	var next Turn
	if p.Status == "answer" {
		if t.Query != nil {
			o.Exact = sameQuery(p.Query, *t.Query)
		}
		got, err := engine.Run(ctx, p.Query, nil)
		switch {
		case err != nil:
			// The planner's query is rejected: an error, not a number.
			o.Detail = err.Error()
		case matchRows(got.Rows, want) || p.Query.Compare != "" && comparisonAsList(got.Rows, want):
			o.Correct = true
			q := p.Query
			next.Query = &q
		default:
			o.SilentWrong = true
			o.Detail = fmt.Sprintf("got rows %v, want %v", firstRows(got.Rows), firstRows(want))
		}
	} else if c.AlsoOK != "" && p.Status == c.AlsoOK {
		o.Correct = true
	}
	if next.Query == nil {
		next = t.reference()
	}
	return o, next, nil
}

// planText shows what a plan became: its status and message, its route
// request, or its metric query.
func planText(p *Plan) string {
	switch {
	case p.Status != "answer":
		return p.Status + ": " + p.Message
	case p.Route != "" && p.Route != RouteMetric:
		return "route " + p.Route + " " + requestText(p)
	}
	return compact(p.Query) + understoodText(p.Understood)
}

// understoodText lists the words a plan grounded, so that a reader of a
// miss sees which word was taken for what.
func understoodText(gs []Grounding) string {
	if len(gs) == 0 {
		return ""
	}
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = g.Text + "=" + g.Kind + ":" + g.Name
	}
	return "  read: " + strings.Join(parts, ", ")
}

// referenceRows runs the turn's hand SQL, or its reference query.
func referenceRows(ctx context.Context, engine *metrics.Engine, hand HandSQL, t EvalTurn) ([][]any, error) {
	if t.SQL != "" {
		if hand == nil {
			return nil, fmt.Errorf("the case has hand SQL but nothing runs it")
		}
		rows, err := hand(ctx, t.SQL)
		if err != nil {
			return nil, fmt.Errorf("the hand SQL fails: %w", err)
		}
		return rows, nil
	}
	res, err := engine.Run(ctx, *t.Query, nil)
	if err != nil {
		return nil, fmt.Errorf("the reference query fails: %w", err)
	}
	return res.Rows, nil
}

func firstRows(rows [][]any) [][]any {
	if len(rows) > 4 {
		return rows[:4]
	}
	return rows
}

func compact(q metrics.Query) string {
	b, _ := json.Marshal(q)
	return string(b)
}

// sameQuery compares two queries ignoring the order of filters and the
// representation of values.
func sameQuery(a, b metrics.Query) bool {
	norm := func(q metrics.Query) string {
		q = cloneQuery(q)
		slices.SortFunc(q.Filters, func(x, y metrics.Filter) int { return strings.Compare(x.Dimension, y.Dimension) })
		if q.Time != nil && *q.Time == (metrics.TimeSpec{}) {
			q.Time = nil
		}
		return fmt.Sprint(compact(q))
	}
	return norm(a) == norm(b)
}

// matchRows reports whether got answers want: as many rows, and each
// wanted row matched by its own got row holding all its values (in any
// column order; got may carry more columns, such as a comparison's).
// Numbers compare to nine significant digits, dates as YYYY-MM-DD.
func matchRows(got, want [][]any) bool {
	if len(got) != len(want) {
		return false
	}
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && containsValues(g, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// comparisonAsList reports whether a comparison's rows (each holding the
// current and the previous value) answer a reference that lists the two
// periods one row each: Q1 2023 and Q1 2024 as two rows, or as one row
// with both figures, carry the same numbers.
func comparisonAsList(got, want [][]any) bool {
	if len(want) != 2*len(got) || len(got) == 0 {
		return false
	}
	rest := make([][]any, len(want))
	for i, w := range want {
		times := 0
		for _, v := range w {
			if _, ok := v.(time.Time); ok {
				times++
			} else {
				rest[i] = append(rest[i], v)
			}
		}
		if times != 1 || len(rest[i]) == 0 {
			return false
		}
	}
	used := make([]bool, len(want))
	for _, g := range got {
		if !pairIn(g, rest, used) {
			return false
		}
	}
	return true
}

// pairIn finds two unused reference rows, alike but for their last value,
// whose cells the row holds, and marks them used.
func pairIn(g []any, rest [][]any, used []bool) bool {
	for i := range rest {
		for j := i + 1; j < len(rest); j++ {
			a, b := rest[i], rest[j]
			if used[i] || used[j] || len(a) != len(b) || !matchRows([][]any{a[:len(a)-1]}, [][]any{b[:len(b)-1]}) {
				continue
			}
			if containsValues(g, append(slices.Clone(a), b[len(b)-1])) {
				used[i], used[j] = true, true
				return true
			}
		}
	}
	return false
}

func containsValues(row, values []any) bool {
	used := make([]bool, len(row))
	for _, v := range values {
		found := false
		for i, c := range row {
			if !used[i] && sameCell(c, v) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameCell compares two cells: numbers to a relative 1e-9 (rounding both
// to 9 digits would part 12417079.95 and 12417079.950000007, which sit
// either side of a rounding boundary), anything else by its rendering.
func sameCell(a, b any) bool {
	x, okA := cellNumber(a)
	y, okB := cellNumber(b)
	if okA && okB {
		return x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))
	}
	return evalKey(a) == evalKey(b)
}

// cellNumber reads a numeric cell as a float.
func cellNumber(v any) (float64, bool) {
	k := evalKey(v)
	if _, isTime := v.(time.Time); isTime || k == "null" {
		return 0, false
	}
	switch v.(type) {
	case string, []byte:
		return 0, false
	}
	f, err := strconv.ParseFloat(k, 64)
	if err != nil {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	return f, true
}

// evalKey renders a cell from either side alike.
func evalKey(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 {
			return x.Format("2006-01-02")
		}
		return x.UTC().Format(time.RFC3339)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return evalKey(f)
	case float32:
		return evalKey(float64(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "null"
		}
		if x == 0 {
			return "0"
		}
		return strconv.FormatFloat(x, 'g', 9, 64)
	case int, int8, int16, int32, int64, uint8, uint16, uint32, uint64:
		f, _ := strconv.ParseFloat(fmt.Sprint(x), 64)
		return evalKey(f)
	case interface{ Float64() float64 }:
		return evalKey(x.Float64())
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

func columnNames(r *metrics.Result) []string {
	var out []string
	for _, c := range r.Columns {
		out = append(out, c.Name)
	}
	return out
}

// Print writes the report: per-language figures, then every silent wrong
// answer, and every other miss when misses is true.
func (r *EvalReport) Print(w io.Writer, name string, misses bool) {
	fmt.Fprintf(w, "== %s\n", name)
	fmt.Fprintf(w, "%-4s %9s %12s %12s %9s %12s %14s\n", "lang", "questions", "exact match", "execution", "refused", "silent wrong", "out of scope")
	for _, s := range r.Stats() {
		oos := "-"
		if s.OutOfScope > 0 {
			oos = fmt.Sprintf("%d/%d", s.OutOfScopeHandled, s.OutOfScope)
		}
		fmt.Fprintf(w, "%-4s %9d %11.1f%% %11.1f%% %9d %12d %14s\n", s.Lang, s.Questions, pct(s.Exact, s.Questions), pct(s.Correct, s.Questions), s.Refused, s.SilentWrong, oos)
	}
	if r.hasRoutes() {
		fmt.Fprintf(w, "%-9s %9s %9s %9s %12s\n", "route", "questions", "correct", "refused", "silent wrong")
		for _, s := range r.RouteStats() {
			// A route's questions are all its cases, those due no number too.
			fmt.Fprintf(w, "%-9s %9d %9d %9d %12d\n", s.Route, s.Questions+s.OutOfScope, s.Correct+s.OutOfScopeHandled, s.Refused+s.OutOfScopeHandled, s.SilentWrong)
		}
	}
	fmt.Fprintf(w, "planner p50 %s, p99 %s over %d questions\n", r.PlanningPercentile(50), r.PlanningPercentile(99), len(r.Planning))
	for _, o := range r.Outcomes {
		if o.Correct || !o.SilentWrong && !misses {
			continue
		}
		tag := "MISS"
		if o.SilentWrong {
			tag = "WRONG"
		}
		fmt.Fprintf(w, "%s %s %s\n    got:  %s\n    want: %s\n", tag, o.ID, o.Question, o.Got, o.Want)
		if o.Detail != "" {
			fmt.Fprintf(w, "    %s\n", o.Detail)
		}
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}
