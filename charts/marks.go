package charts

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Mark is a line across a chart at a value of its first metric, in the
// metric's own units (0.015 for 1.5%): an alert's threshold.
type Mark struct {
	Value float64
	Label string
}

// accent is the colour of marks and highlighted bars: an alert's red.
const accent = "#d4380d"

// mark draws o.Marks and o.Highlight on a bar chart of one breakdown, and
// names every bar: the chart of an alert on one branch among forty must
// show that branch, by name, against the threshold, not every seventh
// label. Other charts are left as drawn.
func (d *drawing) mark(opt map[string]any) (map[string]any, error) {
	if len(d.o.Marks) == 0 && len(d.o.Highlight) == 0 || len(d.dims) != 1 {
		return opt, nil
	}
	// The option holds go-echarts' own types; marks are added to its JSON.
	b, err := json.Marshal(opt)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	label := map[string]any{"interval": 0, "hideOverlap": false}
	if len(d.r.Rows) > 12 {
		// Upright, forty names of six characters overlap at 800 pixels;
		// turned a quarter, each takes only a line's height.
		label["rotate"], label["fontSize"] = 90, 10
	}
	if axes, ok := m["xAxis"].([]any); ok && len(axes) > 0 {
		if ax, ok := axes[0].(map[string]any); ok {
			ax["axisLabel"] = label
		}
	}
	// The names stay inside the chart, above the legend.
	m["grid"] = map[string]any{"containLabel": true, "left": 40, "right": 40, "bottom": 36}
	series, _ := m["series"].([]any)
	if len(series) == 0 {
		return m, nil
	}
	s0, _ := series[0].(map[string]any)
	if data, ok := s0["data"].([]any); ok {
		for i, row := range d.r.Rows {
			if i < len(data) && slices.Contains(d.o.Highlight, fmt.Sprint(row[d.dims[0]])) {
				if cell, ok := data[i].(map[string]any); ok {
					cell["itemStyle"] = map[string]any{"color": accent}
				}
			}
		}
	}
	var lines []any
	for _, mk := range d.o.Marks {
		lines = append(lines, map[string]any{"yAxis": d.value(d.mets[0], mk.Value), "name": mk.Label,
			"label": map[string]any{"formatter": mk.Label, "position": "insideEndTop", "color": accent}})
	}
	if len(lines) > 0 {
		s0["markLine"] = map[string]any{"symbol": "none", "silent": true, "data": lines,
			"lineStyle": map[string]any{"type": "dashed", "color": accent, "width": 2}}
	}
	return m, nil
}
