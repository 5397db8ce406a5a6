package metrics

import (
	"fmt"
	"slices"
	"strings"

	"github.com/beaconbi/beacon/warehouse"
)

// Checks are data checks, as dbt's tests: rules each loaded value of a
// dimension or column must keep. A load that breaks one is refused whole.
type Checks struct {
	NotNull        bool     `yaml:"not_null"`
	Unique         bool     `yaml:"unique"`
	AcceptedValues []string `yaml:"accepted_values"`
	Range          *Range   `yaml:"range"`

	Line int `yaml:"-"`
}

// Range bounds a numeric column; either end may be open.
type Range struct {
	Min *float64 `yaml:"min"`
	Max *float64 `yaml:"max"`

	Line int `yaml:"-"`
}

// ColumnSpec declares a column that is not a dimension, for its checks and
// the type the model reads it as.
type ColumnSpec struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Type is number or date when the model reads the column so (a load
	// then refuses a value that is neither), or text.
	Type   string  `yaml:"type"`
	Checks *Checks `yaml:"checks"`

	Line int `yaml:"-"`
}

var columnTypes = []string{"number", "date", "text"}

// numericAggs read their column as a number.
var numericAggs = []string{"sum", "avg", "min", "max"}

// DataChecks lists the checks a load into table must pass: the declared
// checks of its dimensions and columns, and that the columns the model
// reads as numbers or dates hold numbers or dates. It needs only the parsed
// model, so a fresh table can be checked before any catalog exists; a
// model whose checks are malformed gives ModelErrors.
func (m *Model) DataChecks(table string) ([]warehouse.DataCheck, error) {
	var errs ModelErrors
	var out []warehouse.DataCheck
	for _, s := range m.Sources {
		t := s.Table
		if t == "" {
			t = s.Name
		}
		if !strings.EqualFold(t, table) {
			continue
		}
		checks, e := sourceChecks(m.File, s)
		errs = append(errs, e...)
		for _, c := range checks {
			if !slices.ContainsFunc(out, func(o warehouse.DataCheck) bool { return o.Expr == c.Expr && o.Rule == c.Rule }) {
				out = append(out, c)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// sourceChecks lists one source's checks and the problems in declaring them.
func sourceChecks(file string, s *Source) ([]warehouse.DataCheck, ModelErrors) {
	var errs ModelErrors
	var out []warehouse.DataCheck
	for _, d := range s.Dimensions {
		if d.Checks == nil {
			continue
		}
		name, expr := d.Column, quoteIdent(d.Column)
		switch {
		case d.Expr != "":
			name, expr = d.Name, d.Expr
		case d.Column == "":
			name, expr = d.Name, quoteIdent(d.Name)
		}
		errs = append(errs, checkProblems(file, "dimension "+d.Name, d.Checks)...)
		out = append(out, d.Checks.rules(name, expr)...)
	}
	for _, c := range s.Columns {
		if c.Name == "" {
			errs = append(errs, ModelError{File: file, Line: c.Line, Message: "a column has no name", Fix: "add name: the_column"})
			continue
		}
		expr := quoteIdent(c.Name)
		switch c.Type {
		case "number":
			out = append(out, warehouse.DataCheck{Column: c.Name, Expr: expr, Rule: warehouse.RuleNumber})
		case "date":
			out = append(out, warehouse.DataCheck{Column: c.Name, Expr: expr, Rule: warehouse.RuleDate})
		case "", "text":
		default:
			errs = append(errs, ModelError{File: file, Line: c.Line, Message: fmt.Sprintf("column %s: unknown type %q", c.Name, c.Type), Fix: suggest(c.Type, columnTypes)})
		}
		if c.Checks != nil {
			errs = append(errs, checkProblems(file, "column "+c.Name, c.Checks)...)
			out = append(out, c.Checks.rules(c.Name, expr)...)
		}
	}
	for _, ms := range s.Measures {
		if ms.Column != "" && slices.Contains(numericAggs, ms.Agg) {
			out = append(out, warehouse.DataCheck{Column: ms.Column, Expr: quoteIdent(ms.Column), Rule: warehouse.RuleNumber})
		}
	}
	if s.Time != nil && s.Time.Column != "" {
		out = append(out, warehouse.DataCheck{Column: s.Time.Column, Expr: quoteIdent(s.Time.Column), Rule: warehouse.RuleDate})
	}
	return out, errs
}

// DataChecks lists the checks of a table the model reads (see Model.DataChecks).
func (c *Catalog) DataChecks(table string) []warehouse.DataCheck {
	checks, _ := c.Model.DataChecks(table) // validated when the catalog was built
	return checks
}

// rules turns declared checks into the warehouse's checks on expr.
func (k *Checks) rules(name, expr string) []warehouse.DataCheck {
	var out []warehouse.DataCheck
	c := warehouse.DataCheck{Column: name, Expr: expr}
	if k.NotNull {
		c.Rule = warehouse.RuleNotNull
		out = append(out, c)
	}
	if k.Unique {
		c.Rule = warehouse.RuleUnique
		out = append(out, c)
	}
	if len(k.AcceptedValues) > 0 {
		c.Rule, c.Values = warehouse.RuleAcceptedValues, k.AcceptedValues
		out = append(out, c)
		c.Values = nil
	}
	if k.Range != nil && (k.Range.Min != nil || k.Range.Max != nil) {
		out = append(out, warehouse.DataCheck{Column: name, Expr: expr, Rule: warehouse.RuleNumber})
		c.Rule, c.Min, c.Max = warehouse.RuleRange, k.Range.Min, k.Range.Max
		out = append(out, c)
	}
	return out
}

// checkProblems finds checks that cannot mean anything.
func checkProblems(file, what string, k *Checks) ModelErrors {
	var errs ModelErrors
	fail := func(line int, fix, format string, args ...any) {
		errs = append(errs, ModelError{File: file, Line: line, Message: what + ": " + fmt.Sprintf(format, args...), Fix: fix})
	}
	if !k.NotNull && !k.Unique && k.AcceptedValues == nil && k.Range == nil {
		fail(k.Line, "add not_null: true, unique: true, accepted_values: [...] or range: {min: ..., max: ...}", "checks declares no rule")
	}
	if k.AcceptedValues != nil && len(k.AcceptedValues) == 0 {
		fail(k.Line, "list the values, accepted_values: [A, B]", "accepted_values is empty, so every value would be refused")
	}
	if r := k.Range; r != nil {
		switch {
		case r.Min == nil && r.Max == nil:
			fail(r.Line, "give min:, max: or both", "range has neither min nor max")
		case r.Min != nil && r.Max != nil && *r.Min > *r.Max:
			fail(r.Line, "swap them", "range min %v is above max %v", *r.Min, *r.Max)
		}
	}
	return errs
}

// dataChecks validates a source's checks and declared columns against its
// table: the columns exist, a range is over numbers, a declared number is
// a number.
func (v *validator) dataChecks(src *source) {
	_, errs := sourceChecks(v.m.File, src.Source)
	v.errs = append(v.errs, errs...)
	for _, d := range src.Dimensions {
		if d.Checks == nil || d.Checks.Range == nil || src.dims[d.Name] != d {
			continue
		}
		typ := src.exprTypes[d.Name]
		if d.Expr == "" {
			typ = src.columns[d.Column]
		}
		if typ != "" && !warehouse.IsNumericType(strings.ToUpper(typ)) {
			v.fail(d.Checks.Line, "check a numeric column, or list accepted_values", "dimension %s: a range needs numbers, but it is %s", d.Name, typ)
		}
	}
	seen := map[string]int{}
	for _, c := range src.Columns {
		if c.Name == "" {
			continue
		}
		if first, dup := seen[c.Name]; dup {
			v.fail(c.Line, "merge them", "column %s is declared twice in source %s (first at line %d)", c.Name, src.Name, first)
			continue
		}
		seen[c.Name] = c.Line
		if !v.column(src, c.Line, "column "+c.Name, c.Name) {
			continue
		}
		typ := src.columns[c.Name]
		if typ == "" {
			continue // the source's table is unknown, already reported
		}
		if (c.Type == "number" || (c.Checks != nil && c.Checks.Range != nil)) && !warehouse.IsNumericType(strings.ToUpper(typ)) {
			v.fail(c.Line, "load the column as numbers (beacon load refuses text in it once the model says type: number)", "column %s is read as a number, but table %s holds it as %s", c.Name, src.Table, typ)
		}
		if c.Type == "date" && typ != "DATE" && !strings.HasPrefix(typ, "TIMESTAMP") {
			v.fail(c.Line, "load the column as dates", "column %s is read as a date, but table %s holds it as %s", c.Name, src.Table, typ)
		}
	}
}
