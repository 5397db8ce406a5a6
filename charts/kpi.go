package charts

import (
	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/beaconbi/beacon/narrate"
)

// Figure is a single value as a KPI card shows it: the value written as
// its definition says, and the change against the comparison period with
// an arrow (▲ up, ▼ down, ▶ flat), when the query compared.
type Figure struct {
	Value  string `json:"value"`
	Change string `json:"change,omitempty"`
	Arrow  string `json:"arrow,omitempty"`
}

// figure reads the first metric of the first row as a KPI figure.
func (d *drawing) figure() Figure {
	m0 := d.mets[0]
	row := d.r.Rows[0]
	def := d.defs[m0]
	f := Figure{Value: narrate.Value(d.o.Lang, def, row[m0])}
	mode := ""
	if d.r.Query != nil {
		mode = d.r.Query.Compare
	}
	name := d.r.Columns[m0].Name
	delta, pct := d.r.Value(0, name+"_delta"), d.r.Value(0, name+"_pct_change")
	// A percent from a base at or below zero, or a tiny one, is noise: the
	// card gives the amount of the change instead, as sentences do.
	v, okV := narrate.Number(row[m0])
	x, okX := narrate.Number(delta)
	p, okP := narrate.Number(pct)
	if okV && okX && okP && !narrate.PercentSays(v-x, p) {
		pct = nil
	}
	if x, ok := narrate.Number(delta); ok && mode != "" {
		switch {
		case x > 0:
			f.Arrow = "▲"
		case x < 0:
			f.Arrow = "▼"
		default:
			f.Arrow = "▶"
		}
		f.Change = narrate.Change(d.o.Lang, mode, def, delta, pct)
	}
	return f
}

// kpi draws a single value as a card: the metric and period on top, the
// value large, the change with its arrow below. ECharts has no card, so
// it is three titles over an empty canvas.
func (d *drawing) kpi() map[string]any {
	f := d.figure()
	base := charts.NewPie()
	base.SetGlobalOptions(
		charts.WithTitleOpts(opts.Title{Title: d.title}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(false)}),
	)
	base.Validate()
	opt := base.JSON()
	titles := []opts.Title{
		{Title: d.title, Left: "center", Top: "8%"},
		{Title: f.Value, Left: "center", Top: "32%", TitleStyle: &opts.TextStyle{FontSize: 44, FontWeight: "bold"}},
	}
	if f.Change != "" {
		color := map[string]string{"▲": "#c0392b", "▼": "#27ae60", "▶": "#7f8c8d"}[f.Arrow]
		titles = append(titles, opts.Title{Title: f.Arrow + " " + f.Change, Left: "center", Top: "66%",
			TitleStyle: &opts.TextStyle{FontSize: 18, Color: color}})
	}
	opt["title"] = titles
	opt["series"] = []any{}
	return opt
}
