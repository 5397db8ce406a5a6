// Package reports declares reports in YAML beside the semantic model (a
// title and sections, each a governed metric query with its chart and an
// optional note), validates them against the catalog with file:line
// errors, runs them under the reader's row scope and renders them as an
// HTML page with ECharts options, each figure's definition and its SQL.
package reports

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
)

// Report is a report as declared in YAML.
type Report struct {
	// Name is how the report is addressed: GET /reports/{name}.
	Name        string       `yaml:"name" json:"name"`
	Title       metrics.Text `yaml:"title" json:"title"`
	Description metrics.Text `yaml:"description" json:"description"`
	// Time is the default time of sections that give none of their own.
	Time     *metrics.TimeSpec `yaml:"time" json:"time,omitempty"`
	Sections []Section         `yaml:"sections" json:"sections"`

	File string `yaml:"-" json:"-"`
	Line int    `yaml:"-" json:"-"`
}

// Section is one figure of a report: a governed metric query, the chart
// it is drawn as ("" chooses from the result's shape) and a note.
type Section struct {
	Title metrics.Text  `yaml:"title" json:"title"`
	Query metrics.Query `yaml:"query" json:"query"`
	Chart string        `yaml:"chart" json:"chart,omitempty"`
	Note  metrics.Text  `yaml:"note" json:"note"`
	// Key marks the section whose chart a subscription's message shows;
	// by default the first section that is not a KPI card.
	Key bool `yaml:"key" json:"key,omitempty"`

	Line int `yaml:"-" json:"-"`
}

// Compiler checks a query against the catalog without running it;
// *metrics.Engine is one.
type Compiler interface {
	Compile(q metrics.Query, scope metrics.Scope) (*metrics.Compiled, error)
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// yamlLineRE finds the line yaml.v3 names in its errors.
var yamlLineRE = regexp.MustCompile(`line (\d+)`)

// Parse reads one report's YAML; file names it in error messages. Unknown
// keys are errors, so a misspelt field is not silently ignored.
func Parse(file string, data []byte) (*Report, error) {
	fail := func(line int, msg, fix string) error {
		return metrics.ModelErrors{{File: file, Line: line, Message: msg, Fix: fix}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fail(1, "the report is empty", "start with name:, title: and sections:")
	}
	var r Report
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&r); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			var errs metrics.ModelErrors
			for _, e := range te.Errors {
				errs = append(errs, metrics.ModelError{File: file, Line: lineOf(e), Message: strings.TrimPrefix(yamlLineRE.ReplaceAllString(e, ""), ": "),
					Fix: "see docs/reports.md for the fields of a report and a section"})
			}
			return nil, errs
		}
		return nil, fail(lineOf(err.Error()), "not valid YAML: "+err.Error(), "check indentation and quoting")
	}
	r.File, r.Line = file, 1
	setLines(&r, data)
	return &r, nil
}

// setLines records the line of each section, read from the YAML tree.
func setLines(r *Report, data []byte) {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return
	}
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "name" {
			r.Line = doc.Content[i].Line
		}
		if doc.Content[i].Value != "sections" {
			continue
		}
		for j, item := range doc.Content[i+1].Content {
			if j < len(r.Sections) {
				r.Sections[j].Line = item.Line
			}
		}
	}
}

func lineOf(msg string) int {
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

// Validate checks a report against the catalog: its name, titles, and
// each section's query (compiled, not run) and chart kind. All problems
// are returned at once, each at its line.
func (r *Report) Validate(c Compiler) error {
	var errs metrics.ModelErrors
	fail := func(line int, fix, format string, args ...any) {
		errs = append(errs, metrics.ModelError{File: r.File, Line: line, Message: fmt.Sprintf(format, args...), Fix: fix})
	}
	if !nameRE.MatchString(r.Name) {
		fail(r.Line, "use lower case letters, digits and _, starting with a letter (weekly_retention)", "report name %q is not a valid name", r.Name)
	}
	if r.Title.ZH == "" && r.Title.EN == "" {
		fail(r.Line, "add title: {zh: ..., en: ...}", "report %s has no title", r.Name)
	}
	if len(r.Sections) == 0 {
		fail(r.Line, "add sections:, each with a query: of governed metrics", "report %s has no sections", r.Name)
	}
	keys := 0
	for i, s := range r.Sections {
		what := fmt.Sprintf("section %d", i+1)
		if s.Key {
			if keys++; keys > 1 {
				fail(s.Line, "mark one section key: true, the chart a subscription's message shows", "%s: a second key section", what)
			}
		}
		if s.Chart != "" && !slices.Contains(charts.Kinds, s.Chart) {
			fail(s.Line, "use one of "+strings.Join(charts.Kinds, ", ")+", or leave chart: out to choose from the result", "%s: unknown chart %q", what, s.Chart)
		}
		if len(s.Query.Metrics) == 0 {
			fail(s.Line, "add query: {metrics: [churn_rate], ...}", "%s has no metric", what)
			continue
		}
		if _, err := c.Compile(r.Query(s), nil); err != nil {
			fail(s.Line, "fix the query as the message says; GET /api/v1/metrics lists metrics and their dimensions", "%s: %s", what, errMessage(err))
		}
		if msg := fits(s); msg != "" {
			fail(s.Line, "change chart: or the query", "%s: %s", what, msg)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// fits says why a section's chart cannot draw its query's shape, or "".
func fits(s Section) string {
	grain := s.Query.Time != nil && s.Query.Time.Grain != ""
	dims := len(s.Query.Dimensions)
	switch s.Chart {
	case charts.Line:
		if !grain {
			return "a line needs a time grain (query.time.grain)"
		}
	case charts.GroupedBar, charts.Heatmap:
		if dims < 2 {
			return fmt.Sprintf("a %s needs two dimensions, the query has %d", s.Chart, dims)
		}
	case charts.Pie:
		if dims == 0 {
			return "a pie needs a dimension"
		}
	case charts.KPI:
		if dims > 0 || grain {
			return "a KPI card shows one value: no dimensions and no time grain"
		}
	}
	return ""
}

// Query is a section's query with the report's default time.
func (r *Report) Query(s Section) metrics.Query {
	q := s.Query
	if q.Time == nil && r.Time != nil {
		t := *r.Time
		q.Time = &t
	}
	return q
}

// errMessage is an error's message on one line.
func errMessage(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// Set is the reports a server offers, by name.
type Set struct {
	byName map[string]*Report
}

// NewSet validates reports and indexes them by name; a name used twice
// is an error at the second's line.
func NewSet(c Compiler, rs ...*Report) (*Set, error) {
	s := &Set{byName: map[string]*Report{}}
	var errs metrics.ModelErrors
	for _, r := range rs {
		if err := r.Validate(c); err != nil {
			var me metrics.ModelErrors
			if errors.As(err, &me) {
				errs = append(errs, me...)
				continue
			}
			return nil, err
		}
		if prev, ok := s.byName[r.Name]; ok {
			errs = append(errs, metrics.ModelError{File: r.File, Line: r.Line, Message: fmt.Sprintf("report %s is also declared in %s:%d", r.Name, prev.File, prev.Line), Fix: "give each report its own name"})
			continue
		}
		s.byName[r.Name] = r
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

// Get returns a report by name.
func (s *Set) Get(name string) (*Report, bool) {
	if s == nil {
		return nil, false
	}
	r, ok := s.byName[name]
	return r, ok
}

// Names lists the reports, sorted.
func (s *Set) Names() []string {
	if s == nil {
		return nil
	}
	var out []string
	for n := range s.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Demo loads the demo bank's reports (models/*.report.yaml, embedded).
func Demo(c Compiler) (*Set, error) {
	return Load(c, models.DemoReports())
}

// Load parses and validates report files (name → YAML).
func Load(c Compiler, files map[string][]byte) (*Set, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var rs []*Report
	var errs metrics.ModelErrors
	for _, n := range names {
		r, err := Parse(n, files[n])
		if err != nil {
			var me metrics.ModelErrors
			if errors.As(err, &me) {
				errs = append(errs, me...)
				continue
			}
			return nil, err
		}
		rs = append(rs, r)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return NewSet(c, rs...)
}
