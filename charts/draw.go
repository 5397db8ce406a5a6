package charts

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
)

// drawing holds what every chart kind needs of a result: its columns by
// role, each metric's definition and scale, and the title.
type drawing struct {
	r      *metrics.Result
	o      Options
	period int
	dims   []int
	mets   []int
	defs   map[int]metrics.Definition
	scales map[int]narrate.Scale
	title  string
}

func newDrawing(r *metrics.Result, o Options, period int, dims, mets []int) *drawing {
	d := &drawing{r: r, o: o, period: period, dims: dims, mets: mets,
		defs: map[int]metrics.Definition{}, scales: map[int]narrate.Scale{}}
	for i, c := range r.Columns {
		if c.Role != "metric" && c.Role != "comparison" {
			continue
		}
		def := definition(r, c)
		d.defs[i] = def
		d.scales[i] = narrate.Scale{Divisor: 1}
		if def.Format == "currency" {
			d.scales[i] = narrate.MoneyScale(o.Lang, maxAbs(r.Rows, i))
		}
	}
	d.title = o.Title
	if d.title == "" {
		d.title = label(r.Columns[mets[0]], o.Lang)
		if p := narrate.Period(o.Lang, r.Time); p != "" {
			d.title += " · " + p
		}
	}
	return d
}

// value is a cell as drawn: a percent in points, money in its scale,
// rounded for display; "-" (ECharts' gap) for no number.
func (d *drawing) value(col int, v any) any {
	f, ok := narrate.Number(v)
	if !ok {
		return "-"
	}
	if n, isInt := v.(int64); isInt && d.defs[col].Format != "currency" {
		return n
	}
	switch d.defs[col].Format {
	case "percent":
		f *= 100
	case "currency":
		f /= d.scales[col].Divisor
	}
	return math.Round(f*10000) / 10000
}

// unit is the axis name of a metric column: %, 亿元, CNY M, 人.
func (d *drawing) unit(col int) string {
	return narrate.AxisUnit(d.o.Lang, d.defs[col], d.scales[col])
}

// category is a dimension value as shown on an axis or in a legend.
func (d *drawing) category(col int, v any) string {
	if v == nil {
		return map[bool]string{true: "（未填）", false: "(blank)"}[d.o.Lang == "zh"]
	}
	s := fmt.Sprint(v)
	if d.o.Labels != nil && d.r.Columns[col].Role == "dimension" {
		return d.o.Labels(d.r.Columns[col].Name, s)
	}
	return s
}

func (d *drawing) categories(col int) []string {
	var out []string
	for _, v := range distinct(d.r.Rows, col) {
		out = append(out, d.category(col, v))
	}
	return out
}

func (d *drawing) global(trigger string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: d.title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: trigger}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
	}
}

func (d *drawing) yAxis() charts.GlobalOpts {
	return charts.WithYAxisOpts(opts.YAxis{Name: d.unit(d.mets[0]), Type: "value"})
}

// lineYAxis does not start at zero: a retention rate moving between 97%
// and 99% would otherwise draw as a flat line at the top.
func (d *drawing) lineYAxis() charts.GlobalOpts {
	return charts.WithYAxisOpts(opts.YAxis{Name: d.unit(d.mets[0]), Type: "value", Scale: opts.Bool(true)})
}

// line draws a series over time: one line per metric, or per value of
// the first breakdown.
func (d *drawing) line() map[string]any {
	line := charts.NewLine()
	line.SetGlobalOptions(append(d.global("axis"), d.lineYAxis())...)
	xs := distinct(d.r.Rows, d.period)
	line.SetXAxis(xs)
	if len(d.dims) == 0 {
		for _, mi := range d.mets[:min(3, len(d.mets))] {
			line.AddSeries(label(d.r.Columns[mi], d.o.Lang), d.lineData(xs, -1, nil, mi))
		}
	} else {
		groups := distinct(d.r.Rows, d.dims[0])
		for _, v := range groups[:min(maxSeries, len(groups))] {
			line.AddSeries(d.category(d.dims[0], v), d.lineData(xs, d.dims[0], v, d.mets[0]))
		}
	}
	line.Validate()
	return line.JSON()
}

func (d *drawing) lineData(xs []any, dim int, value any, mi int) []opts.LineData {
	data := make([]opts.LineData, len(xs))
	for i := range data {
		data[i] = opts.LineData{Value: "-"}
	}
	for _, row := range d.r.Rows {
		if dim >= 0 && row[dim] != value {
			continue
		}
		data[slices.Index(xs, row[d.period])] = opts.LineData{Value: d.value(mi, row[mi])}
	}
	return data
}

// bar draws one breakdown (a bar per value, a series per metric, up to
// three), or a single row as a bar per metric and comparison.
func (d *drawing) bar() map[string]any {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(d.global("axis"), d.yAxis())...)
	if len(d.dims) == 0 {
		var xs []string
		var data []opts.BarData
		for _, i := range append(slices.Clone(d.mets), comparisons(d.r)...) {
			xs = append(xs, label(d.r.Columns[i], d.o.Lang))
			data = append(data, opts.BarData{Value: d.value(i, d.r.Rows[0][i])})
		}
		bar.SetXAxis(xs).AddSeries(label(d.r.Columns[d.mets[0]], d.o.Lang), data)
	} else {
		bar.SetXAxis(d.categories(d.dims[0]))
		for _, mi := range d.mets[:min(3, len(d.mets))] {
			var data []opts.BarData
			for _, row := range d.r.Rows {
				data = append(data, opts.BarData{Value: d.value(mi, row[mi])})
			}
			bar.AddSeries(label(d.r.Columns[mi], d.o.Lang), data)
		}
	}
	bar.Validate()
	return bar.JSON()
}

// pie draws each value's share of the first metric.
func (d *drawing) pie() map[string]any {
	pie := charts.NewPie()
	pie.SetGlobalOptions(d.global("item")...)
	m0 := d.mets[0]
	var data []opts.PieData
	for _, row := range d.r.Rows {
		data = append(data, opts.PieData{Name: d.category(d.dims[0], row[d.dims[0]]), Value: d.value(m0, row[m0])})
	}
	pie.AddSeries(label(d.r.Columns[m0], d.o.Lang), data)
	pie.Validate()
	return pie.JSON()
}

// grouped draws two breakdowns: the first along the axis, the second as series.
func (d *drawing) grouped() map[string]any {
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(d.global("axis"), d.yAxis())...)
	m0 := d.mets[0]
	xs := distinct(d.r.Rows, d.dims[0])
	bar.SetXAxis(d.categories(d.dims[0]))
	groups := distinct(d.r.Rows, d.dims[1])
	for _, g := range groups[:min(maxSeries, len(groups))] {
		data := make([]opts.BarData, len(xs))
		for i := range data {
			data[i] = opts.BarData{Value: "-"}
		}
		for _, row := range d.r.Rows {
			if row[d.dims[1]] == g {
				data[slices.Index(xs, row[d.dims[0]])] = opts.BarData{Value: d.value(m0, row[m0])}
			}
		}
		bar.AddSeries(d.category(d.dims[1], g), data)
	}
	bar.Validate()
	return bar.JSON()
}

// heatmap draws two breakdowns with many values, the metric as colour:
// the breakdown with more values runs down, so its labels stay readable.
func (d *drawing) heatmap() map[string]any {
	hm := charts.NewHeatMap()
	m0 := d.mets[0]
	across, down := d.dims[0], d.dims[1]
	if len(distinct(d.r.Rows, across)) > len(distinct(d.r.Rows, down)) {
		across, down = down, across
	}
	xs, ys := distinct(d.r.Rows, across), distinct(d.r.Rows, down)
	lo, hi := math.Inf(1), math.Inf(-1)
	var data []opts.HeatMapData
	for _, row := range d.r.Rows {
		v := d.value(m0, row[m0])
		if f, ok := v.(float64); ok {
			lo, hi = min(lo, f), max(hi, f)
		} else if n, ok := v.(int64); ok {
			lo, hi = min(lo, float64(n)), max(hi, float64(n))
		}
		data = append(data, opts.HeatMapData{Value: [3]any{slices.Index(xs, row[across]), slices.Index(ys, row[down]), v}})
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 0
	}
	hm.SetGlobalOptions(append(d.global("item"),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: d.categories(across), SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: d.categories(down), SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: float32(lo), Max: float32(hi),
			Text: []string{d.unit(m0)}, Orient: "horizontal", Left: "center", Bottom: "0"}),
	)...)
	hm.SetXAxis(d.categories(across))
	hm.AddSeries(label(d.r.Columns[m0], d.o.Lang), data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true)}))
	hm.Validate()
	opt := hm.JSON()
	delete(opt, "legend") // the visual map is the legend
	return opt
}

func comparisons(r *metrics.Result) []int {
	var out []int
	for i, c := range r.Columns {
		if c.Role == "comparison" && c.Name == c.Metric+"_previous" {
			out = append(out, i)
		}
	}
	return out
}

func distinct(rows [][]any, i int) []any {
	var out []any
	for _, r := range rows {
		if !slices.Contains(out, r[i]) {
			out = append(out, r[i])
		}
	}
	return out
}

func maxAbs(rows [][]any, i int) float64 {
	m := 0.0
	for _, r := range rows {
		if f, ok := narrate.Number(r[i]); ok {
			m = max(m, math.Abs(f))
		}
	}
	return m
}
