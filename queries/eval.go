package queries

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/beaconbi/beacon/metrics"
)

// EvalSet is a file of questions with their reference metric queries.
type EvalSet struct {
	Model string     `yaml:"model"`
	Today string     `yaml:"today"`
	Cases []EvalCase `yaml:"cases"`
	File  string     `yaml:"-"`
}

// EvalCase is one question (or a conversation of several) and what it
// must become; Expect "refuse" or "clarify" marks questions that must not
// be answered with a number.
type EvalCase struct {
	ID           string         `yaml:"id"`
	Lang         string         `yaml:"lang"`
	Patterns     []string       `yaml:"patterns"`
	Question     string         `yaml:"question"`
	Query        *metrics.Query `yaml:"query"`
	Expect       string         `yaml:"expect"`
	Conversation []EvalTurn     `yaml:"conversation"`
}

// EvalTurn is one turn of a conversation case.
type EvalTurn struct {
	Question string         `yaml:"question"`
	Query    *metrics.Query `yaml:"query"`
}

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
	Status             string // the planner's status
	Exact              bool   // the resolved query equals the reference
	Correct            bool   // rows equal the reference's, or a required refusal/clarification
	SilentWrong        bool   // a number was given that is not the reference's (or none was due)
	Got, Want          string
	Detail             string
}

// EvalReport sums outcomes by language.
type EvalReport struct {
	Outcomes []EvalOutcome
}

// LangStats are the figures for one language.
type LangStats struct {
	Lang                                            string
	Questions, Exact, Correct, Refused, SilentWrong int
	OutOfScope, OutOfScopeHandled                   int
}

// Stats returns per-language figures, in-scope and out-of-scope apart.
func (r *EvalReport) Stats() []LangStats {
	by := map[string]*LangStats{}
	for _, o := range r.Outcomes {
		s, ok := by[o.Lang]
		if !ok {
			s = &LangStats{Lang: o.Lang}
			by[o.Lang] = s
		}
		if o.Want == "refuse" || o.Want == "clarify" {
			s.OutOfScope++
			if o.Correct {
				s.OutOfScopeHandled++
			}
		} else {
			s.Questions++
			if o.Exact {
				s.Exact++
			}
			if o.Correct {
				s.Correct++
			}
			if o.Status != "answer" {
				s.Refused++
			}
		}
		if o.SilentWrong {
			s.SilentWrong++
		}
	}
	var out []LangStats
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Lang > out[j].Lang })
	return out
}

// Evaluate runs a set through the offline planner over engine, comparing
// each plan's rows with the reference query's rows.
func Evaluate(ctx context.Context, set *EvalSet, engine *metrics.Engine, offline *Offline) (*EvalReport, error) {
	rep := &EvalReport{}
	for _, c := range set.Cases {
		turns := c.Conversation
		if len(turns) == 0 {
			turns = []EvalTurn{{Question: c.Question, Query: c.Query}}
		}
		var prev *metrics.Query
		for i, t := range turns {
			id := c.ID
			if len(turns) > 1 {
				id = fmt.Sprintf("%s#%d", c.ID, i+1)
			}
			lang := c.Lang
			if lang == "" {
				lang = map[bool]string{true: "zh", false: "en"}[hasHan(t.Question)]
			}
			o := EvalOutcome{ID: id, Lang: lang, Question: t.Question}
			p := offline.Plan(t.Question, prev)
			o.Status = p.Status
			o.Got = compact(p.Query)
			if p.Status != "answer" {
				o.Got = p.Status + ": " + p.Message
			}
			switch {
			case t.Query == nil:
				o.Want = c.Expect
				if o.Want == "" {
					o.Want = "refuse"
				}
				o.Correct = p.Status != "answer"
				o.SilentWrong = p.Status == "answer"
			default:
				o.Want = compact(*t.Query)
				want, err := engine.Run(ctx, *t.Query, nil)
				if err != nil {
					return nil, fmt.Errorf("%s: the reference query fails: %w", id, err)
				}
				if p.Status == "answer" {
					o.Exact = sameQuery(p.Query, *t.Query)
					got, err := engine.Run(ctx, p.Query, nil)
					switch {
					case err != nil:
						// The planner's query is rejected: an error, not a number.
						o.Detail = err.Error()
					case sameRows(got, want):
						o.Correct = true
					default:
						o.SilentWrong = true
					}
					q := p.Query
					prev = &q
				}
				if prev == nil || p.Status != "answer" {
					// Keep the conversation on the reference, so one miss does not cascade.
					q := *t.Query
					prev = &q
				}
			}
			rep.Outcomes = append(rep.Outcomes, o)
		}
	}
	return rep, nil
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

// sameRows compares results as multisets of rows, numbers within 1e-9.
func sameRows(a, b *metrics.Result) bool {
	if len(a.Rows) != len(b.Rows) || len(a.Columns) != len(b.Columns) {
		return false
	}
	key := func(row []any) string {
		parts := make([]string, len(row))
		for i, v := range row {
			if f, ok := v.(float64); ok {
				v = math.Round(f*1e9) / 1e9
			}
			parts[i] = fmt.Sprint(v)
		}
		return strings.Join(parts, "|")
	}
	count := map[string]int{}
	for _, r := range a.Rows {
		count[key(r)]++
	}
	for _, r := range b.Rows {
		count[key(r)]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return reflect.DeepEqual(columnNames(a), columnNames(b))
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
