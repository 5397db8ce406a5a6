package metrics

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AsOfLatest is the as_of that fixes "today" at the last date in the data.
const AsOfLatest = "latest"

// timeDefaults checks a source's default_range and as_of.
func (v *validator) timeDefaults(src *source) {
	t := src.Time
	if t.DefaultRange != "" {
		if _, err := parseDefaultRange(t.DefaultRange, time.UTC); err != nil {
			v.fail(t.Line, "use a named range such as last_month or 2024-Q3, or dates as 2024-01-01/2024-06-30",
				"source %s: default_range: %v", src.Name, err)
		}
	}
	if t.AsOf != "" && t.AsOf != AsOfLatest {
		if _, err := ParseDate(t.AsOf, time.UTC); err != nil {
			v.fail(t.Line, "give a date YYYY-MM-DD, or latest for the last date in the data", "source %s: as_of: %v", src.Name, err)
		}
	}
}

// parseDefaultRange reads a default_range as a query's time: a named
// range, or inclusive start/end dates separated by a slash.
func parseDefaultRange(s string, loc *time.Location) (TimeSpec, error) {
	if start, end, ok := strings.Cut(s, "/"); ok {
		a, err := ParseDate(strings.TrimSpace(start), loc)
		if err != nil {
			return TimeSpec{}, err
		}
		b, err := ParseDate(strings.TrimSpace(end), loc)
		if err != nil {
			return TimeSpec{}, err
		}
		if b.Before(a) {
			return TimeSpec{}, fmt.Errorf("end %s is before start %s", end, start)
		}
		return TimeSpec{Start: a.Format("2006-01-02"), End: b.Format("2006-01-02")}, nil
	}
	if _, err := ResolveRange(s, time.Date(2000, 1, 1, 12, 0, 0, 0, loc)); err != nil {
		return TimeSpec{}, err
	}
	return TimeSpec{Range: s}, nil
}

// timeDefaultsOf is the default_range and as_of of the first of srcs that sets each.
func timeDefaultsOf(srcs []*source) (defaultRange, asOf string) {
	for _, s := range srcs {
		if s.Time == nil {
			continue
		}
		if defaultRange == "" {
			defaultRange = s.Time.DefaultRange
		}
		if asOf == "" {
			asOf = s.Time.AsOf
		}
	}
	return defaultRange, asOf
}

// DefaultTime is the period a question about metric covers when it names
// none, as the model's default_range sets it for the metric's source: the
// time part of a query, with grain and zone left to the caller. ok is
// false when the model sets no default range.
func (c *Catalog) DefaultTime(metric string) (TimeSpec, bool) {
	m, ok := c.metrics[metric]
	if !ok || c.Definition(m).DefaultRange == "" {
		return TimeSpec{}, false
	}
	ts, err := parseDefaultRange(c.Definition(m).DefaultRange, c.Location)
	return ts, err == nil
}

// AsOf is "today" for relative ranges over metric's data: the model's
// as_of date (latest: the last date in the data), at noon in the model's
// zone. ok is false when the model sets no as_of for the metric's source,
// or sets latest and the data is empty.
func (e *Engine) AsOf(metric string) (time.Time, bool) {
	cat := e.Catalog()
	m, ok := cat.metrics[metric]
	if !ok {
		return time.Time{}, false
	}
	return e.asOf(cat, cat.Definition(m).AsOf, cat.TimeSources(metric))
}

func (e *Engine) asOf(cat *Catalog, asOf string, srcs []string) (time.Time, bool) {
	var day time.Time
	switch asOf {
	case "":
		return time.Time{}, false
	case AsOfLatest:
		x, ok := extentOf(e.currentExtents(context.Background()), srcs)
		if !ok {
			return time.Time{}, false
		}
		day = truncate(x.Last, "day")
	default:
		d, err := ParseDate(asOf, cat.Location)
		if err != nil {
			return time.Time{}, false
		}
		day = d
	}
	return day.Add(12 * time.Hour), true
}

// queryNow is "today" for q: the as_of of the first metric whose source
// sets one, otherwise the engine's clock.
func (e *Engine) queryNow(q Query) time.Time {
	for _, name := range q.Metrics {
		if t, ok := e.AsOf(name); ok {
			return t
		}
	}
	return e.now()
}
