package metrics

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/beaconbi/beacon"
)

// PartialPeriod is a period of an answer that its data does not wholly
// cover: it starts before the history does, runs past the last data, is not
// over yet, or is cut by the range. Days counts the whole calendar period,
// CoveredDays those of them inside the range and the data, up to today.
type PartialPeriod struct {
	// Period is the row's period (its first day) when the answer has a
	// grain; empty when the partial period is the whole range.
	Period string `json:"period,omitempty"`
	// Comparison marks the comparison window rather than the range.
	Comparison  bool   `json:"comparison,omitempty"`
	Start       string `json:"start"` // the period, inclusive dates
	End         string `json:"end"`
	CoveredFrom string `json:"covered_from,omitempty"` // the covered days, inclusive; absent when none
	CoveredTo   string `json:"covered_to,omitempty"`
	Days        int    `json:"days"`
	CoveredDays int    `json:"covered_days"`
}

// String says how much of the period is covered, e.g. "24/30 days".
func (p PartialPeriod) String() string { return fmt.Sprintf("%d/%d days", p.CoveredDays, p.Days) }

// PartialFor returns the partial entry of a row's period ("" for an answer
// without a grain, whose one period is the range), if it is partial.
func (r *Result) PartialFor(period string) (PartialPeriod, bool) {
	for _, p := range r.Partial {
		if !p.Comparison && p.Period == period {
			return p, true
		}
	}
	return PartialPeriod{}, false
}

// OutsideDataError is a query whose range holds no data at all: the range
// lies wholly before or after the data of the metrics asked for.
type OutsideDataError struct {
	Range      string // the range as asked, if named
	Start, End string // the range, inclusive dates
	DataFrom   string // the data's first and last dates
	DataTo     string
}

func (e *OutsideDataError) Error() string { return "the range lies outside the data" }

// Message says which range was asked and where the data is.
func (e *OutsideDataError) Message() string {
	what := e.Start + " – " + e.End
	if e.Range != "" {
		what = e.Range + " (" + what + ")"
	}
	return fmt.Sprintf("%s lies outside the data, which runs from %s to %s: there is nothing to count there; ask for a period within it", what, e.DataFrom, e.DataTo)
}

// span is a half-open range of civil dates [from, to).
type span struct{ from, to time.Time }

func (s span) empty() bool { return !s.from.Before(s.to) }

func (s span) and(o span) span {
	if o.from.After(s.from) {
		s.from = o.from
	}
	if o.to.Before(s.to) {
		s.to = o.to
	}
	return s
}

func (s span) days() int {
	if s.empty() {
		return 0
	}
	return int(s.to.Sub(s.from).Hours()/24 + 0.5)
}

// civil is t's calendar date at midnight UTC, so dates of different zones
// compare and count days without daylight-saving gaps.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// coverage is what a query's data covers: the span where every time
// source the query reads has data, cut at the end of today.
type coverage struct {
	data     span // every source has data here
	any      span // some source has data here (for the outside check)
	today    time.Time
	window   span
	compare  *span
	grain    string
	rangeStr string
	ok       bool
}

// coverageOf gathers the data spans of q's metrics at the current data version.
func (e *Engine) coverageOf(ctx context.Context, cat *Catalog, q Query, comp *Compiled, now time.Time) coverage {
	loc := cat.Location
	if comp.Time.TimeZone != loc.String() {
		if l, err := time.LoadLocation(comp.Time.TimeZone); err == nil {
			loc = l
		}
	}
	cv := coverage{grain: comp.Time.Grain, rangeStr: comp.Time.Range, today: civil(now.In(loc)).AddDate(0, 0, 1)}
	w := comp.Time.window
	if w.IsZero() {
		return cv
	}
	cv.window = span{civil(w.Start), civil(w.End)}
	if c := comp.Time.Comparison; c != nil {
		s, err1 := time.Parse("2006-01-02", c.Start)
		e, err2 := time.Parse("2006-01-02", c.End)
		if err1 == nil && err2 == nil {
			cv.compare = &span{s, e.AddDate(0, 0, 1)}
		}
	}
	set := e.currentExtents(ctx)
	var srcs []string
	for _, m := range q.Metrics {
		for _, s := range cat.TimeSources(m) {
			if !slices.Contains(srcs, s) {
				srcs = append(srcs, s)
			}
		}
	}
	for _, name := range srcs {
		x, has := set.bySource[name]
		src := cat.sources[name]
		if !has || src == nil {
			continue
		}
		sp := span{civil(x.First), civil(x.Through(src.Time.Grain))}
		if !cv.ok {
			cv.data, cv.any, cv.ok = sp, sp, true
			continue
		}
		cv.data = cv.data.and(sp)
		cv.any = span{minTime(cv.any.from, sp.from), maxTime(cv.any.to, sp.to)}
	}
	return cv
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// outside returns an error when the range holds no data of any source.
func (cv coverage) outside() error {
	if !cv.ok || cv.window.IsZero() || !cv.window.and(cv.any).empty() {
		return nil
	}
	last := cv.any.to.AddDate(0, 0, -1)
	oe := &OutsideDataError{Range: cv.rangeStr, Start: cv.window.from.Format("2006-01-02"), End: cv.window.to.AddDate(0, 0, -1).Format("2006-01-02"),
		DataFrom: cv.any.from.Format("2006-01-02"), DataTo: last.Format("2006-01-02")}
	return &beacon.Error{Code: beacon.EINVALID, Field: "time", Message: oe.Message(), Err: oe}
}

// IsZero reports whether the span is unset.
func (s span) IsZero() bool { return s.from.IsZero() }

// partial lists the partial periods of an answer: each row period (with a
// grain) or the range (without), then the comparison window.
func (cv coverage) partial(res *Result) []PartialPeriod {
	if !cv.ok || cv.window.IsZero() {
		return nil
	}
	var out []PartialPeriod
	if cv.grain == "" {
		if p, ok := cv.check(cv.window, cv.window); ok {
			out = append(out, p)
		}
	} else {
		col := -1
		for j, c := range res.Columns {
			if c.Name == "period" {
				col = j
			}
		}
		seen := map[string]bool{}
		for _, row := range res.Rows {
			if col < 0 {
				break
			}
			s, _ := row[col].(string)
			if seen[s] { // rows of one period come together: parse each once
				continue
			}
			start, err := time.Parse("2006-01-02", s)
			if err != nil {
				continue
			}
			seen[s] = true
			if p, ok := cv.check(span{start, addDate(start, 1, cv.grain)}, cv.window); ok {
				p.Period = s
				out = append(out, p)
			}
		}
	}
	if cv.compare != nil {
		if p, ok := cv.check(*cv.compare, *cv.compare); ok {
			p.Comparison = true
			out = append(out, p)
		}
	}
	return out
}

// check measures how much of period the data covers within the range.
func (cv coverage) check(period, within span) (PartialPeriod, bool) {
	covered := period.and(within).and(cv.data).and(span{period.from, cv.today})
	p := PartialPeriod{Start: period.from.Format("2006-01-02"), End: period.to.AddDate(0, 0, -1).Format("2006-01-02"),
		Days: period.days(), CoveredDays: covered.days()}
	if !covered.empty() {
		p.CoveredFrom, p.CoveredTo = covered.from.Format("2006-01-02"), covered.to.AddDate(0, 0, -1).Format("2006-01-02")
	}
	return p, p.CoveredDays < p.Days
}
