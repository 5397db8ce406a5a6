package alerts

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/notify"
)

// Observation is one group's reading at an evaluation: the value, what it
// was measured against, and whether it breaks the condition.
type Observation struct {
	// Group is the group's key ("branch=南京路支行"); empty for a rule
	// without dimensions.
	Group  string      `json:"group"`
	Labels [][2]string `json:"labels,omitempty"`
	Period string      `json:"period,omitempty"`
	Value  *float64    `json:"value"`
	// Previous is the comparison value of a change condition.
	Previous *float64 `json:"previous,omitempty"`
	// Change is the change read by a change condition (absolute, or percent).
	Change *float64 `json:"change,omitempty"`
	// Low and High bound a band condition's band.
	Low    *float64 `json:"low,omitempty"`
	High   *float64 `json:"high,omitempty"`
	Breach bool     `json:"breach"`
}

// Evaluation is one run of a rule's query and condition.
type Evaluation struct {
	Rule         *Rule
	Result       *metrics.Result
	Observations []Observation
	// image is the chart drawn for the notices, when a renderer exists.
	image *notify.Image
}

// Evaluate runs the rule's query under its owner's scope and reads the
// condition for every group.
func Evaluate(ctx context.Context, q Querier, r *Rule) (*Evaluation, error) {
	res, err := q.Run(ctx, r.evalQuery(), r.Owner.Scope)
	if err != nil {
		return nil, fmt.Errorf("evaluate rule %s: %w", r.ID, err)
	}
	ev := &Evaluation{Rule: r, Result: res}
	latest := latestRows(res, r.Query.Dimensions)
	var history map[string][]float64
	if r.Condition.Kind == "band" {
		history, err = bandHistory(ctx, q, r, res)
		if err != nil {
			return nil, err
		}
	}
	m := r.metric()
	for _, i := range latest {
		o := Observation{Group: groupKey(res, i, r.Query.Dimensions), Labels: groupLabels(res, i, r.Query.Dimensions), Value: number(res.Value(i, m))}
		if p, ok := res.Value(i, "period").(string); ok {
			o.Period = p
		}
		r.Condition.read(&o, res, i, m, history[o.Group])
		ev.Observations = append(ev.Observations, o)
	}
	return ev, nil
}

// read fills in the observation's comparison and breach.
func (c Condition) read(o *Observation, res *metrics.Result, i int, metric string, history []float64) {
	switch c.Kind {
	case "threshold":
		o.Breach = o.Value != nil && c.outside(*o.Value)
	case "change":
		o.Previous = number(res.Value(i, metric+"_previous"))
		if o.Value == nil || o.Previous == nil {
			return
		}
		d := *o.Value - *o.Previous
		if c.Change == "percent" {
			if *o.Previous == 0 {
				return // a change from zero has no percent
			}
			d = d / math.Abs(*o.Previous) * 100
		}
		o.Change = &d
		o.Breach = c.outside(d)
	case "band":
		if o.Value == nil || len(history) < 2 {
			return
		}
		mean, sd := meanSD(history)
		lo, hi := mean-c.K*sd, mean+c.K*sd
		o.Low, o.High = &lo, &hi
		o.Breach = *o.Value < lo || *o.Value > hi
	}
}

// outside reports whether v is above Above or below Below.
func (c Condition) outside(v float64) bool {
	return (c.Above != nil && v > *c.Above) || (c.Below != nil && v < *c.Below)
}

// meanSD is the mean and the sample standard deviation.
func meanSD(xs []float64) (float64, float64) {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(xs)-1))
}

// latestRows are the row indexes to read: every row, or for a query with
// a time grain, each group's latest period.
func latestRows(res *metrics.Result, dims []string) []int {
	if !hasColumn(res, "period") {
		out := make([]int, len(res.Rows))
		for i := range out {
			out[i] = i
		}
		return out
	}
	last := map[string]int{}
	var order []string
	for i := range res.Rows {
		k := groupKey(res, i, dims)
		j, ok := last[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || periodOf(res, i) > periodOf(res, j) {
			last[k] = i
		}
	}
	out := make([]int, 0, len(order))
	for _, k := range order {
		out = append(out, last[k])
	}
	return out
}

// bandHistory reads each group's values in the Periods periods at Grain
// before the evaluated window.
func bandHistory(ctx context.Context, q Querier, r *Rule, cur *metrics.Result) (map[string][]float64, error) {
	c := r.Condition
	if cur.Time.Start == "" {
		return nil, invalidf("query.time", "a band condition needs a time range on the query (e.g. range: last_month)")
	}
	start, err := time.Parse("2006-01-02", cur.Time.Start)
	if err != nil {
		return nil, fmt.Errorf("band: read window start %q: %w", cur.Time.Start, err)
	}
	hq := r.Query
	hq.Time = &metrics.TimeSpec{Grain: c.Grain, Start: shift(start, c.Grain, -c.Periods).Format("2006-01-02"),
		End: start.AddDate(0, 0, -1).Format("2006-01-02"), TimeZone: cur.Time.TimeZone}
	hq.Order, hq.Limit = nil, 0
	res, err := q.Run(ctx, hq, r.Owner.Scope)
	if err != nil {
		return nil, fmt.Errorf("evaluate rule %s: band history: %w", r.ID, err)
	}
	out := map[string][]float64{}
	m := r.metric()
	for i := range res.Rows {
		if v := number(res.Value(i, m)); v != nil {
			k := groupKey(res, i, r.Query.Dimensions)
			out[k] = append(out[k], *v)
		}
	}
	return out, nil
}

// shift moves a date by n units of grain.
func shift(t time.Time, grain string, n int) time.Time {
	switch grain {
	case "day":
		return t.AddDate(0, 0, n)
	case "week":
		return t.AddDate(0, 0, 7*n)
	case "quarter":
		return t.AddDate(0, 3*n, 0)
	case "year":
		return t.AddDate(n, 0, 0)
	}
	return t.AddDate(0, n, 0)
}

func hasColumn(res *metrics.Result, name string) bool {
	return slices.ContainsFunc(res.Columns, func(c metrics.Column) bool { return c.Name == name })
}

func periodOf(res *metrics.Result, i int) string {
	s, _ := res.Value(i, "period").(string)
	return s
}

// groupKey names a row's group by its dimension values, in query order.
func groupKey(res *metrics.Result, i int, dims []string) string {
	parts := make([]string, len(dims))
	for j, d := range dims {
		parts[j] = d + "=" + fmt.Sprint(res.Value(i, d))
	}
	return strings.Join(parts, ",")
}

func groupLabels(res *metrics.Result, i int, dims []string) [][2]string {
	var out [][2]string
	for _, d := range dims {
		out = append(out, [2]string{d, fmt.Sprint(res.Value(i, d))})
	}
	return out
}

// number reads a cell as a float, nil when it is not a number.
func number(v any) *float64 {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	case int:
		f = float64(x)
	default:
		return nil
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}
