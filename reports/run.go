package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
)

// Runner runs a governed metric query under a row scope; *metrics.Engine
// is one.
type Runner interface {
	Run(ctx context.Context, q metrics.Query, scope metrics.Scope) (*metrics.Result, error)
	Catalog() *metrics.Catalog
}

// maxTableRows caps the rows a section's table shows; the chart and the
// xlsx export hold them all.
const maxTableRows = 50

// Page is a report run for one reader: what the HTML page, the xlsx
// workbook and a message are made from.
type Page struct {
	Name        string
	Lang        string
	Title       string
	Description string
	// Scope is the reader's row scope, said on the page so that a branch
	// head knows the figures are theirs alone.
	Scope metrics.Scope
	// Shared marks a page opened from a shared link: its scope is the
	// rule's or subscription's owner's, not its reader's, and says so.
	Shared   bool
	Sections []*Figure
}

// Figure is one section as run: its result, chart, sentence, table and
// the definitions and SQL behind it.
type Figure struct {
	Title    string
	Note     string
	Sentence string
	Query    metrics.Query
	Result   *metrics.Result
	Chart    charts.Chart
	// Option is the chart's ECharts option as JSON ("" for no chart).
	Option string
	Table  Table
	// Error says why the section could not be run; the rest of the report still is.
	Error string
}

// Table is a result as the page shows it: headers, and each cell as text
// with its raw value.
type Table struct {
	Head      []string
	Rows      [][]Cell
	Truncated int // rows not shown
	// Note explains a "—" in a percent-change column: the base was zero,
	// negative or too small for a percent to mean anything.
	Note string
}

// Long reports whether the table is long enough to fold away under its
// chart (a monthly series by segment), so the page reads as figures first.
func (t Table) Long() bool { return len(t.Rows) > 12 }

// Cell is a value written for a reader, with the number behind it.
type Cell struct {
	Text    string
	Value   any
	Numeric bool
}

// Run runs every section of r under scope, in lang ("zh" or "en"). A
// section that fails is reported in its place unless the failure is the
// caller's (a canceled request, a timeout), which ends the run.
func Run(ctx context.Context, rn Runner, r *Report, scope metrics.Scope, lang string) (*Page, error) {
	p := &Page{Name: r.Name, Lang: lang, Title: narrate.Label(lang, r.Title, r.Name), Description: pick(lang, r.Description), Scope: scope}
	for _, s := range r.Sections {
		f, err := runSection(ctx, rn, r.Query(s), s, scope, lang)
		if err != nil {
			if code := beacon.ErrorCode(err); code == beacon.ECANCELED || code == beacon.ETIMEOUT || ctx.Err() != nil {
				return nil, err
			}
			f = &Figure{Title: SectionTitle(rn.Catalog(), s, lang), Query: r.Query(s), Error: userMessage(err)}
		}
		p.Sections = append(p.Sections, f)
	}
	return p, nil
}

// RunQuery runs one metric query as a one-section report: the report for
// any governed query. Errors are returned as they are, so a bad query is
// the caller's 4xx.
func RunQuery(ctx context.Context, rn Runner, q metrics.Query, chart string, scope metrics.Scope, lang string) (*Page, error) {
	if chart != "" {
		// Build falls back to a chart of its own choice, as if chart= were
		// absent: only table (a dashboard panel's kind) may ask for that.
		if valid := append(slices.Clone(charts.Kinds), "table"); !slices.Contains(valid, chart) {
			return nil, beacon.Invalid("chart", valid, "unknown chart %q", clip(chart))
		}
		if msg := fits(Section{Query: q, Chart: chart}); msg != "" {
			return nil, beacon.Invalid("chart", charts.Kinds, "%s", msg)
		}
	}
	s := Section{Query: q, Chart: chart}
	f, err := runSection(ctx, rn, q, s, scope, lang)
	if err != nil {
		return nil, err
	}
	return &Page{Name: "query", Lang: lang, Title: f.Title, Scope: scope, Sections: []*Figure{f}}, nil
}

func runSection(ctx context.Context, rn Runner, q metrics.Query, s Section, scope metrics.Scope, lang string) (*Figure, error) {
	cat := rn.Catalog()
	res, err := rn.Run(ctx, q, scope)
	if err != nil {
		return nil, err
	}
	f := &Figure{Title: SectionTitle(cat, s, lang), Note: pick(lang, s.Note), Query: q, Result: res,
		Sentence: narrate.Sentence(lang, cat, q, res)}
	labels := func(dim, v string) string { return narrate.ValueLabel(lang, cat, dim, v) }
	f.Chart, err = charts.Build(res, charts.Options{Lang: lang, Kind: s.Chart, Labels: labels})
	if err != nil {
		// The shape was checked when the report was loaded; a result that
		// still does not fit (no rows for a grain) is drawn as chosen.
		f.Chart, err = charts.Build(res, charts.Options{Lang: lang, Labels: labels})
		if err != nil {
			return nil, err
		}
	}
	if f.Chart.Option != nil {
		b, err := json.Marshal(f.Chart.Option)
		if err != nil {
			return nil, fmt.Errorf("encode chart of %s: %w", f.Title, err)
		}
		f.Option = string(b)
	}
	f.Table = table(cat, res, lang)
	return f, nil
}

// table writes a result's rows for reading: dimension values by their
// labels, metric values in their formats.
func table(cat *metrics.Catalog, r *metrics.Result, lang string) Table {
	var t Table
	defs := map[string]metrics.Definition{}
	for _, d := range r.Definitions {
		defs[d.Name] = d
	}
	for _, c := range r.Columns {
		t.Head = append(t.Head, narrate.ColumnLabel(cat, c, lang))
	}
	for i, row := range r.Rows {
		if i == maxTableRows {
			t.Truncated = len(r.Rows) - i
			break
		}
		cells := make([]Cell, len(row))
		for j, v := range row {
			cells[j] = cellOf(cat, r.Columns[j], defs, v, lang)
			if c := r.Columns[j]; c.Role == "comparison" {
				var dash bool
				cells[j], dash = changeCell(r, i, c, defs, cells[j], lang)
				if dash {
					t.Note = map[bool]string{true: "—：上期为零、为负或过小，变化率没有意义，请看“变化”一栏的变化额。",
						false: "—: the previous figure was zero, negative or too small for a percent change to mean anything; see the change column for the amount."}[lang == "zh"]
				}
			}
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// changeCell writes a comparison's change as a change: signed, a rate's
// change in percentage points (+0.28 个百分点, not 0.28%), one that rounds
// to nothing without a sign; a percent change whose base is zero, negative
// or tiny (narrate.PercentSays) is "—", and dash says so.
func changeCell(r *metrics.Result, row int, c metrics.Column, defs map[string]metrics.Definition, cell Cell, lang string) (Cell, bool) {
	v, ok := narrate.Number(cell.Value)
	switch {
	case strings.HasSuffix(c.Name, "_pct_change"):
		prev, okPrev := narrate.Number(r.Value(row, c.Metric+"_previous"))
		if !okPrev {
			cur, okCur := narrate.Number(r.Value(row, c.Metric))
			d, okD := narrate.Number(r.Value(row, c.Metric+"_delta"))
			prev, okPrev = cur-d, okCur && okD
		}
		if !okPrev {
			return cell, false
		}
		if !ok || !narrate.PercentSays(prev, v) {
			return Cell{Text: "—", Value: cell.Value, Numeric: ok}, true
		}
		cell.Text = signed(fmt.Sprintf("%.1f%%", v*100))
	case strings.HasSuffix(c.Name, "_delta") && ok:
		d := narrate.ColumnDefinition(c, defs)
		if d.Format == "percent" {
			cell.Text = signed(fmt.Sprintf("%.2f", v*100)) + map[bool]string{true: " 个百分点", false: " pp"}[lang == "zh"]
		} else if v > 0 && !zero(cell.Text) {
			cell.Text = "+" + cell.Text
		} else if zero(cell.Text) {
			cell.Text = strings.TrimPrefix(cell.Text, "-")
		}
	}
	return cell, false
}

// signed puts + before a positive figure; one that rounds to zero has no
// sign (never "-0.00").
func signed(s string) string {
	if zero(s) {
		return strings.TrimPrefix(s, "-")
	}
	if strings.HasPrefix(s, "-") {
		return s
	}
	return "+" + s
}

// zero says whether a written figure reads as zero (0.00%, -0.0 万元).
func zero(s string) bool {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	return digits != "" && strings.Trim(digits, "0") == ""
}

func cellOf(cat *metrics.Catalog, c metrics.Column, defs map[string]metrics.Definition, v any, lang string) Cell {
	switch c.Role {
	case "metric", "comparison":
		d := narrate.ColumnDefinition(c, defs)
		_, isNum := narrate.Number(v)
		return Cell{Text: narrate.Value(lang, d, v), Value: v, Numeric: isNum}
	case "dimension":
		if v == nil {
			return Cell{Text: map[bool]string{true: "（未填）", false: "(blank)"}[lang == "zh"]}
		}
		return Cell{Text: narrate.ValueLabel(lang, cat, c.Name, fmt.Sprint(v)), Value: v}
	}
	if v == nil {
		return Cell{}
	}
	return Cell{Text: fmt.Sprint(v), Value: v}
}

// SectionTitle is a section's title in lang, or its metrics' labels.
func SectionTitle(cat *metrics.Catalog, s Section, lang string) string {
	if t := pick(lang, s.Title); t != "" {
		return t
	}
	var names []string
	for _, m := range s.Query.Metrics {
		if mt, ok := cat.Metric(m); ok {
			names = append(names, narrate.Label(lang, mt.Label, m))
		} else {
			names = append(names, m)
		}
	}
	sep := map[bool]string{true: "、", false: ", "}[lang == "zh"]
	return strings.Join(names, sep)
}

// pick is a text in lang, falling back to the other language.
func pick(lang string, t metrics.Text) string {
	return narrate.Label(lang, t, "")
}

// userMessage is what a reader may see of a section's failure: the
// message of a user-facing error, never an internal one's details.
func userMessage(err error) string {
	if beacon.ErrorCode(err) == beacon.EINTERNAL {
		return "internal error"
	}
	return err.Error()
}

// clip shortens a client's text for an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
