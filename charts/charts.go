// Package charts chooses a chart for a metric result and builds its
// ECharts option with go-echarts: a series over time becomes a line, one
// categorical breakdown a bar, a share a pie, two breakdowns a grouped bar
// (few values) or a heatmap (many), a single value a KPI card. Titles,
// units and number formats come from the metrics' definitions.
package charts

import (
	"encoding/json"
	"fmt"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
)

// The chart kinds.
const (
	Line       = "line"
	Bar        = "bar"
	Pie        = "pie"
	GroupedBar = "grouped_bar"
	Heatmap    = "heatmap"
	KPI        = "kpi"
)

// Kinds lists every chart kind, for validating a report's choice.
var Kinds = []string{Line, Bar, Pie, GroupedBar, Heatmap, KPI}

// maxSeries caps the series drawn; more would be unreadable.
const maxSeries = 12

// maxGrouped is the most cells two breakdowns may have and still be drawn
// as grouped bars; beyond it (or beyond maxGroups series) a heatmap reads better.
const (
	maxGrouped = 40
	maxGroups  = 6
)

// Options say how to draw a result.
type Options struct {
	// Lang is "zh" or "en".
	Lang string
	// Title overrides the title made from the metric's label and period.
	Title string
	// Kind forces a chart kind; "" chooses one from the result.
	Kind string
	// Labels names a dimension value (高净值 for HNW); nil shows values as they are.
	Labels func(dim, value string) string
	// Marks and Highlight, on a bar chart of one breakdown, draw lines at
	// values of the first metric and colour the bars of the values named
	// (as the result holds them, before Labels); the bars are then all
	// named. An alert's chart shows its threshold and breaching groups.
	Marks     []Mark
	Highlight []string
}

// Chart is a drawn result: its kind, title and ECharts option.
type Chart struct {
	Kind   string         `json:"kind"`
	Title  string         `json:"title"`
	Option map[string]any `json:"option"`
	// Figure is the value of a KPI card, so a page or message can also write it as text.
	Figure *Figure `json:"figure,omitempty"`
}

// Kind names the chart chosen for a result.
func Kind(r *metrics.Result) string {
	period, dims, _ := roles(r)
	switch {
	case period >= 0:
		return Line
	case len(dims) == 0 && len(r.Rows) == 1:
		return KPI
	case len(dims) == 1 && isShare(r):
		return Pie
	case len(dims) >= 2:
		xs, groups := distinct(r.Rows, dims[0]), distinct(r.Rows, dims[1])
		if len(groups) > maxGroups || len(xs)*len(groups) > maxGrouped {
			return Heatmap
		}
		return GroupedBar
	default:
		return Bar
	}
}

// Build draws r. It fails when the result has no metric or the kind asked
// for does not fit its shape (a line needs a time column, a heatmap two
// breakdowns); an empty result is a chart with no option.
func Build(r *metrics.Result, o Options) (Chart, error) {
	if r == nil || len(r.Rows) == 0 {
		return Chart{Title: o.Title}, nil
	}
	period, dims, mets := roles(r)
	if len(mets) == 0 {
		return Chart{}, fmt.Errorf("chart: the result has no metric column")
	}
	kind := o.Kind
	if kind == "" {
		kind = Kind(r)
	}
	d := newDrawing(r, o, period, dims, mets)
	var opt map[string]any
	switch kind {
	case Line:
		if period < 0 {
			return Chart{}, fmt.Errorf("chart: a line needs a time grain (the result has no period column)")
		}
		opt = d.line()
	case Bar:
		var err error
		if opt, err = d.mark(d.bar()); err != nil {
			return Chart{}, err
		}
	case Pie:
		if len(dims) == 0 {
			return Chart{}, fmt.Errorf("chart: a pie needs a breakdown (a dimension)")
		}
		opt = d.pie()
	case GroupedBar, Heatmap:
		if len(dims) < 2 {
			return Chart{}, fmt.Errorf("chart: a %s needs two breakdowns, the result has %d", kind, len(dims))
		}
		if kind == Heatmap {
			opt = d.heatmap()
		} else {
			opt = d.grouped()
		}
	case KPI:
		f := d.figure()
		return Chart{Kind: kind, Title: d.title, Option: d.kpi(), Figure: &f}, nil
	default:
		return Chart{}, fmt.Errorf("chart: unknown kind %q (valid: %v)", kind, Kinds)
	}
	return Chart{Kind: kind, Title: d.title, Option: opt}, nil
}

// OptionJSON is the ECharts option for r, chosen and titled from its
// definitions, as JSON: what a browser's echarts.setOption or a PNG
// renderer takes. It is "null" when there is nothing to draw.
func OptionJSON(r *metrics.Result, lang string) ([]byte, error) {
	c, err := Build(r, Options{Lang: lang})
	if err != nil {
		return nil, err
	}
	return json.Marshal(c.Option)
}

// LabelledOptionJSON is OptionJSON with each dimension value named by its
// label in the chart's language (高净值 → High net worth), as a report
// page names it: the chart of an English alert then shows the groups its
// message names. cat is read at each call, so a reloaded model's labels
// apply.
func LabelledOptionJSON(cat func() *metrics.Catalog) func(*metrics.Result, string) ([]byte, error) {
	return func(r *metrics.Result, lang string) ([]byte, error) {
		c := cat()
		labels := func(dim, v string) string { return narrate.ValueLabel(lang, c, dim, v) }
		ch, err := Build(r, Options{Lang: lang, Labels: labels})
		if err != nil {
			return nil, err
		}
		return json.Marshal(ch.Option)
	}
}

// Option returns the ECharts option for r, titled title in lang ("zh" or
// "en"), or nil when there is nothing to draw.
func Option(r *metrics.Result, lang, title string) map[string]any {
	c, err := Build(r, Options{Lang: lang, Title: title})
	if err != nil {
		return nil
	}
	return c.Option
}

func roles(r *metrics.Result) (period int, dims, mets []int) {
	period = -1
	for i, c := range r.Columns {
		switch c.Role {
		case "time":
			period = i
		case "dimension":
			dims = append(dims, i)
		case "metric":
			mets = append(mets, i)
		}
	}
	return period, dims, mets
}

func isShare(r *metrics.Result) bool {
	_, _, mets := roles(r)
	return definition(r, r.Columns[mets[0]]).Type == "share"
}

// definition is the definition of a metric column, or one made from the
// column alone when the result does not carry it.
func definition(r *metrics.Result, c metrics.Column) metrics.Definition {
	name := c.Name
	if c.Metric != "" {
		name = c.Metric
	}
	for _, d := range r.Definitions {
		if d.Name == name {
			if c.Role == "comparison" && c.Name == name+"_pct_change" {
				d.Format = "percent"
			}
			return d
		}
	}
	return metrics.Definition{Name: c.Name, Label: c.Label, Format: c.Format}
}

func label(c metrics.Column, lang string) string {
	return narrate.Label(lang, c.Label, c.Name)
}
