package metrics

import (
	"fmt"
	"slices"
	"strings"
)

// Definition is a metric as the catalog publishes it: what it means, who
// owns it, how it is computed, and what it can be broken down by.
type Definition struct {
	Name        string `json:"name"`
	Label       Text   `json:"label"`
	Description string `json:"description"`
	// DescriptionZH is the description in Chinese, when the model gives one.
	DescriptionZH string              `json:"description_zh,omitempty"`
	Synonyms      Synonyms            `json:"synonyms"`
	Owner         string              `json:"owner"`
	Format        string              `json:"format"`
	Version       int                 `json:"version"`
	Type          string              `json:"type"`
	Formula       string              `json:"formula"`
	Measures      []MeasureDefinition `json:"measures,omitempty"`
	Dimensions    []string            `json:"dimensions"`
	Grains        []string            `json:"grains"`
	// DefaultRange and AsOf come from the time of the metric's source.
	DefaultRange string `json:"default_range,omitempty"`
	AsOf         string `json:"as_of,omitempty"`
	// Currency (ISO 4217) and Unit say how values are written (FormatValue).
	Currency string `json:"currency,omitempty"`
	Unit     string `json:"unit,omitempty"`
	// Better is the direction that is good news: higher, lower or "".
	Better string `json:"better,omitempty"`
}

// MeasureDefinition shows the SQL aggregation behind a measure.
type MeasureDefinition struct {
	Name            string `json:"name"`
	Source          string `json:"source"`
	Table           string `json:"table"`
	SQL             string `json:"sql"`
	Filter          string `json:"filter,omitempty"`
	TimeAggregation string `json:"time_aggregation,omitempty"`
	TimeColumn      string `json:"time_column,omitempty"`
}

// Tables lists the warehouse tables the model reads.
func (c *Catalog) Tables() []string {
	var out []string
	for _, s := range c.sources {
		if !slices.Contains(out, s.Table) {
			out = append(out, s.Table)
		}
	}
	slices.Sort(out)
	return out
}

// Names lists the metric names in model order.
func (c *Catalog) Names() []string { return slices.Clone(c.names) }

// DimensionNames lists every dimension name, sorted.
func (c *Catalog) DimensionNames() []string { return slices.Clone(c.dimNames) }

// Dimension returns a dimension by name.
func (c *Catalog) Dimension(name string) (*Dimension, bool) {
	d, ok := c.dims[name]
	return d, ok
}

// Metric returns a metric by name.
func (c *Catalog) Metric(name string) (*Metric, bool) {
	m, ok := c.metrics[name]
	return m, ok
}

// Definitions publishes every metric, in model order.
func (c *Catalog) Definitions() []Definition {
	out := make([]Definition, 0, len(c.names))
	for _, n := range c.names {
		out = append(out, c.Definition(c.metrics[n]))
	}
	return out
}

func (c *Catalog) definitionsOf(ms []*Metric) []Definition {
	out := make([]Definition, len(ms))
	for i, m := range ms {
		out[i] = c.Definition(m)
	}
	return out
}

// Definition publishes one metric. Definitions are computed once, when the
// catalog is built, since every answer carries those it used.
func (c *Catalog) Definition(m *Metric) Definition {
	if d, ok := c.defs[m.Name]; ok {
		return d
	}
	return c.define(m)
}

func (c *Catalog) define(m *Metric) Definition {
	d := Definition{Name: m.Name, Label: m.Label, Description: strings.TrimSpace(m.Description),
		DescriptionZH: strings.TrimSpace(m.DescriptionZH), Synonyms: m.Synonyms,
		Owner: m.Owner, Format: m.Format, Version: m.Version, Type: string(m.Type)}
	var srcs []*source
	addMeasure := func(ref string) string {
		ms := c.measures[ref]
		if ms == nil {
			return ref
		}
		md := MeasureDefinition{Name: ms.Name, Source: ms.source.Name, Table: ms.source.Table, SQL: aggSQL(ms.Agg, orOne(ms.Expr)),
			Filter: ms.Filter, TimeAggregation: ms.TimeAggregation}
		if ms.source.Time != nil {
			md.TimeColumn = ms.source.Time.Column
		}
		if !slices.ContainsFunc(d.Measures, func(x MeasureDefinition) bool { return x.Source == md.Source && x.Name == md.Name }) {
			d.Measures = append(d.Measures, md)
		}
		if !slices.Contains(srcs, ms.source) {
			srcs = append(srcs, ms.source)
		}
		return ms.Name
	}
	var visit func(m *Metric)
	visit = func(m *Metric) {
		for _, ref := range []string{m.Measure, m.Numerator, m.Denominator} {
			if ref != "" {
				addMeasure(ref)
			}
		}
		for _, dep := range c.metricDeps[m.Name] {
			visit(c.metrics[dep])
		}
	}
	visit(m)
	switch m.Type {
	case "simple":
		d.Formula = m.Measure
	case "ratio":
		d.Formula = m.Numerator + " / " + m.Denominator
	case "derived":
		d.Formula = m.Expr
	case "cumulative":
		d.Formula = "running total of " + m.Measure + m.Metric + " over time"
	case "share":
		d.Formula = m.Metric + " / total " + m.Metric + " of all groups in the result (per period when grouped by time)"
	case "period_over_period":
		d.Formula = fmt.Sprintf("%s of %s versus %s", m.Output, m.Metric, m.Compare)
	}
	// Dimensions that every source of the metric reaches; grains every source allows.
	d.Dimensions = []string{}
	for _, name := range c.dimNames {
		ok := len(srcs) > 0
		for _, s := range srcs {
			if _, _, reach := c.dimPath(s, name); !reach {
				ok = false
			}
		}
		if ok && (len(m.Dimensions) == 0 || slices.Contains(m.Dimensions, name)) {
			d.Dimensions = append(d.Dimensions, name)
		}
	}
	finest := 0
	for _, s := range srcs {
		if s.Time == nil {
			finest = len(grains)
			break
		}
		finest = max(finest, grainIndex(s.Time.Grain))
	}
	d.Grains = slices.Clone(grains[min(finest, len(grains)):])
	d.DefaultRange, d.AsOf = timeDefaultsOf(srcs)
	d.Currency, d.Unit = c.moneyOf(m)
	d.Better = m.Better
	return d
}

func orOne(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
