// Package charts chooses a chart for a metric result and builds its
// ECharts option with go-echarts: a series over time becomes a line, one
// categorical breakdown a bar, a share a pie, two breakdowns a grouped bar.
package charts

import (
	"fmt"
	"math"
	"slices"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/beaconbi/beacon/metrics"
)

// maxSeries caps the series drawn; more would be unreadable.
const maxSeries = 12

// Kind names the chart chosen for a result.
func Kind(r *metrics.Result) string {
	period, dims, _ := roles(r)
	switch {
	case period >= 0:
		return "line"
	case len(dims) == 1 && isShare(r):
		return "pie"
	default:
		return "bar"
	}
}

// Option returns the ECharts option for r, titled in lang ("zh" or "en"),
// or nil when there is nothing to draw.
func Option(r *metrics.Result, lang, title string) map[string]any {
	if r == nil || len(r.Rows) == 0 {
		return nil
	}
	period, dims, mets := roles(r)
	if len(mets) == 0 {
		return nil
	}
	global := []charts.GlobalOpts{
		charts.WithTitleOpts(opts.Title{Title: title}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}),
	}
	yName := ""
	if r.Columns[mets[0]].Format == "percent" {
		yName = "%"
	}
	m0 := mets[0]
	switch Kind(r) {
	case "line":
		line := charts.NewLine()
		line.SetGlobalOptions(append(global, charts.WithYAxisOpts(opts.YAxis{Name: yName}))...)
		xs := distinct(r.Rows, period)
		line.SetXAxis(xs)
		if len(dims) == 0 {
			for _, mi := range mets[:min(3, len(mets))] {
				line.AddSeries(label(r.Columns[mi], lang), lineData(r, xs, period, -1, nil, mi))
			}
		} else {
			for _, v := range distinct(r.Rows, dims[0])[:min(maxSeries, len(distinct(r.Rows, dims[0])))] {
				line.AddSeries(fmt.Sprint(v), lineData(r, xs, period, dims[0], v, m0))
			}
		}
		line.Validate()
		return line.JSON()
	case "pie":
		pie := charts.NewPie()
		pie.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: title}), charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "bottom"}))
		var data []opts.PieData
		for _, row := range r.Rows {
			data = append(data, opts.PieData{Name: fmt.Sprint(row[dims[0]]), Value: scaled(r.Columns[m0], row[m0])})
		}
		pie.AddSeries(label(r.Columns[m0], lang), data)
		pie.Validate()
		return pie.JSON()
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(global, charts.WithYAxisOpts(opts.YAxis{Name: yName}))...)
	switch {
	case len(dims) == 0:
		// One row: each metric (and its comparison, if any) as a bar.
		var xs []string
		var data []opts.BarData
		for _, i := range append(slices.Clone(mets), comparisons(r)...) {
			xs = append(xs, label(r.Columns[i], lang))
			data = append(data, opts.BarData{Value: scaled(r.Columns[i], r.Rows[0][i])})
		}
		bar.SetXAxis(xs).AddSeries(label(r.Columns[m0], lang), data)
	case len(dims) == 1:
		xs := distinct(r.Rows, dims[0])
		bar.SetXAxis(xs)
		for _, mi := range mets[:min(3, len(mets))] {
			var data []opts.BarData
			for _, row := range r.Rows {
				data = append(data, opts.BarData{Value: scaled(r.Columns[mi], row[mi])})
			}
			bar.AddSeries(label(r.Columns[mi], lang), data)
		}
	default:
		// Two breakdowns: the first along the axis, the second as series.
		xs := distinct(r.Rows, dims[0])
		bar.SetXAxis(xs)
		groups := distinct(r.Rows, dims[1])
		for _, g := range groups[:min(maxSeries, len(groups))] {
			data := make([]opts.BarData, len(xs))
			for i := range data {
				data[i] = opts.BarData{Value: "-"}
			}
			for _, row := range r.Rows {
				if row[dims[1]] == g {
					data[slices.Index(xs, row[dims[0]])] = opts.BarData{Value: scaled(r.Columns[m0], row[m0])}
				}
			}
			bar.AddSeries(fmt.Sprint(g), data)
		}
	}
	bar.Validate()
	return bar.JSON()
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

func comparisons(r *metrics.Result) []int {
	var out []int
	for i, c := range r.Columns {
		if c.Role == "comparison" && c.Name == c.Metric+"_previous" {
			out = append(out, i)
		}
	}
	return out
}

func isShare(r *metrics.Result) bool {
	_, _, mets := roles(r)
	for _, d := range r.Definitions {
		if d.Name == r.Columns[mets[0]].Name {
			return d.Type == "share"
		}
	}
	return false
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

func lineData(r *metrics.Result, xs []any, period, dim int, value any, mi int) []opts.LineData {
	data := make([]opts.LineData, len(xs))
	for i := range data {
		data[i] = opts.LineData{Value: "-"}
	}
	for _, row := range r.Rows {
		if dim >= 0 && row[dim] != value {
			continue
		}
		data[slices.Index(xs, row[period])] = opts.LineData{Value: scaled(r.Columns[mi], row[mi])}
	}
	return data
}

// scaled shows percentages as percent points, rounded for display.
func scaled(c metrics.Column, v any) any {
	f, ok := v.(float64)
	if !ok {
		if n, isInt := v.(int64); isInt {
			return n
		}
		return "-"
	}
	if c.Format == "percent" {
		f *= 100
	}
	return math.Round(f*10000) / 10000
}

func label(c metrics.Column, lang string) string {
	if lang == "zh" && c.Label.ZH != "" {
		return c.Label.ZH
	}
	if c.Label.EN != "" {
		return c.Label.EN
	}
	return c.Name
}
