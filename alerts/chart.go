package alerts

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
	"github.com/beaconbi/beacon/notify"
)

// ruleChart draws a rule's chart. A rule broken down by one dimension,
// with a renderer that draws options and the model's catalog, gets a bar
// per group, every bar named, the breaching groups in red and, for a
// threshold, its bounds as dashed lines: the reader of "流失率过高：天津南开支行"
// finds 天津南开支行 on it and sees how far it is over. Any other rule gets
// the renderer's own chart of its result.
func (sc *Scheduler) ruleChart(ctx context.Context, r *Rule, ev *Evaluation) (*notify.Image, error) {
	or, ok := sc.cfg.Renderer.(OptionRenderer)
	cat := sc.catalog()
	if !ok || cat == nil || len(r.Query.Dimensions) != 1 || ev.Result == nil || firstMetric(ev.Result) != r.metric() {
		return sc.cfg.Renderer.Chart(ctx, ev.Result, r.Lang)
	}
	o := chartOptions(r, ev, cat)
	c, err := charts.Build(ev.Result, o)
	if err != nil || c.Kind != charts.Bar {
		return sc.cfg.Renderer.Chart(ctx, ev.Result, r.Lang)
	}
	b, err := json.Marshal(c.Option)
	if err != nil {
		return nil, err
	}
	return or.ChartOption(ctx, b)
}

// chartOptions are the marks of a rule's chart: its threshold's bounds,
// labelled as its message words them, and its breaching groups.
func chartOptions(r *Rule, ev *Evaluation, cat *metrics.Catalog) charts.Options {
	o := charts.Options{Lang: r.Lang, Labels: func(dim, v string) string { return narrate.ValueLabel(r.Lang, cat, dim, v) }}
	if r.Condition.Kind == "threshold" {
		def := definitionOf(ev.Result, r.metric())
		zh := r.Lang != "en"
		if a := r.Condition.Above; a != nil {
			o.Marks = append(o.Marks, charts.Mark{Value: *a, Label: pick(zh, "阈值 ", "threshold ") + metrics.FormatValue(r.Lang, def, *a)})
		}
		if b := r.Condition.Below; b != nil {
			o.Marks = append(o.Marks, charts.Mark{Value: *b, Label: pick(zh, "下限 ", "floor ") + metrics.FormatValue(r.Lang, def, *b)})
		}
	}
	for _, obs := range ev.Observations {
		if obs.Breach && len(obs.Labels) > 0 && !slices.Contains(o.Highlight, obs.Labels[0][1]) {
			o.Highlight = append(o.Highlight, obs.Labels[0][1])
		}
	}
	return o
}

// firstMetric names a result's first metric column.
func firstMetric(res *metrics.Result) string {
	for _, c := range res.Columns {
		if c.Role == "metric" {
			return c.Name
		}
	}
	return ""
}

// definitionOf is a metric's definition in a result (its format and unit).
func definitionOf(res *metrics.Result, name string) metrics.Definition {
	for _, d := range res.Definitions {
		if d.Name == name {
			return d
		}
	}
	return metrics.Definition{Name: name}
}
