package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Extent is the span of a time source's data: the earliest and latest
// values of its time column, as wall-clock times in the model's zone (a
// DATE is midnight of that day).
type Extent struct {
	First time.Time
	Last  time.Time
	// Dense is true when every bucket of the source's grain from First to
	// Last holds at least one row. It is read only for sources with
	// semi-additive measures, whose period-end buckets the compiler can
	// then name from the extent instead of finding them in the data.
	Dense bool
}

// Through is the exclusive end of the data at the source's grain: the day
// after the last date, or the start of the month after the last month of a
// monthly source, whose last row stands for the whole month.
func (x Extent) Through(grain string) time.Time {
	return addDate(truncate(x.Last, grain), 1, grain)
}

// extents are the extents of every time source, read at one data version.
type extents struct {
	version  uint64
	bySource map[string]Extent
	facts    dataFacts
}

// extentRefreshTimeout bounds the re-read of extents after a load.
const extentRefreshTimeout = 10 * time.Second

// LoadExtents reads the extent of every source that has a time column,
// and the data facts of every source (extent_facts.go). It runs at
// start-up, with the dimension values; the engine reads them again when
// the data version changes.
func (c *Catalog) LoadExtents(ctx context.Context, db Reader) error {
	version := db.Version() // before reading: a load meanwhile makes the next look re-read
	set := &extents{version: version, bySource: map[string]Extent{}}
	for _, s := range c.Model.Sources {
		src := c.sources[s.Name]
		if src == nil || src.Source != s || s.Time == nil {
			continue
		}
		x, ok, err := readExtent(ctx, db, src, c.Location)
		if err != nil {
			return fmt.Errorf("data extent of source %s: %w", s.Name, err)
		}
		if ok {
			set.bySource[s.Name] = x
		}
	}
	set.facts = c.readFacts(ctx, db)
	c.extents.Store(set)
	return nil
}

func readExtent(ctx context.Context, db Reader, src *source, loc *time.Location) (Extent, bool, error) {
	col := quoteIdent(src.Time.Column)
	q := fmt.Sprintf("SELECT min(%s), max(%s) FROM %s", col, col, quoteIdent(src.Table))
	var lo, hi any
	err := db.Read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, q).Scan(&lo, &hi)
	})
	if err != nil {
		return Extent{}, false, err
	}
	first, ok1 := wallTime(lo, src.timeType, loc)
	last, ok2 := wallTime(hi, src.timeType, loc)
	if !ok1 || !ok2 {
		return Extent{}, false, nil // an empty table has no extent
	}
	x := Extent{First: first, Last: last}
	if hasSemiAdditive(src) && !strings.Contains(strings.ToUpper(src.timeType), "ZONE") && src.timeType != "TIMESTAMPTZ" {
		var n int64
		q := fmt.Sprintf("SELECT count(DISTINCT %s) FROM %s", dialectOf(db).TruncDate(src.Time.Grain, col), quoteIdent(src.Table))
		if err := db.Read(ctx, func(conn *sql.Conn) error { return conn.QueryRowContext(ctx, q).Scan(&n) }); err != nil {
			return Extent{}, false, err
		}
		x.Dense = n == bucketsBetween(first, last, src.Time.Grain)
	}
	return x, true, nil
}

// hasSemiAdditive reports whether a source has a measure read at the
// first or last bucket of each period.
func hasSemiAdditive(src *source) bool {
	return slices.ContainsFunc(src.Measures, func(m *Measure) bool { return m.TimeAggregation != "" })
}

// bucketsBetween counts the buckets of a grain from first's to last's.
func bucketsBetween(first, last time.Time, grain string) int64 {
	var n int64
	for t, end := truncate(first, grain), truncate(last, grain); !t.After(end); t = addDate(t, 1, grain) {
		if n++; n > maxDenseBuckets {
			return -1 // too long to matter: treated as not dense
		}
	}
	return n
}

// maxDenseBuckets bounds the buckets counted for density (27 years of days).
const maxDenseBuckets = 10_000

// wallTime reads a scanned DATE or TIMESTAMP as wall-clock time in loc;
// an instant (TIMESTAMP WITH TIME ZONE) is converted to loc first.
func wallTime(v any, typ string, loc *time.Location) (time.Time, bool) {
	t, ok := v.(time.Time)
	if !ok {
		return time.Time{}, false
	}
	if typ == "TIMESTAMP WITH TIME ZONE" || typ == "TIMESTAMPTZ" {
		return t.In(loc), true
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc), true
}

// DataExtent is the extent last read for a source, without re-reading;
// ok is false for a source with no time column or no rows.
func (c *Catalog) DataExtent(source string) (first, last time.Time, ok bool) {
	set := c.extents.Load()
	if set == nil {
		return time.Time{}, time.Time{}, false
	}
	x, ok := set.bySource[source]
	return x.First, x.Last, ok
}

// TimeSources lists the time sources whose measures a metric reads,
// through the metrics it is built on, in model order.
func (c *Catalog) TimeSources(metric string) []string {
	var out []string
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		m, ok := c.metrics[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		for _, ref := range []string{m.Measure, m.Numerator, m.Denominator} {
			if ms := c.measures[ref]; ref != "" && ms != nil && ms.source.Time != nil && !slices.Contains(out, ms.source.Name) {
				out = append(out, ms.source.Name)
			}
		}
		for _, dep := range c.metricDeps[name] {
			visit(dep)
		}
	}
	visit(metric)
	return out
}

// extentOf is the span where every source in srcs has data: the latest
// first and the earliest last. ok is false when none has an extent.
func extentOf(set *extents, srcs []string) (Extent, bool) {
	var out Extent
	ok := false
	if set == nil {
		return out, false
	}
	for _, s := range srcs {
		x, has := set.bySource[s]
		if !has {
			continue
		}
		if !ok {
			out, ok = x, true
			continue
		}
		if x.First.After(out.First) {
			out.First = x.First
		}
		if x.Last.Before(out.Last) {
			out.Last = x.Last
		}
	}
	return out, ok
}

// currentExtents returns the extents at the warehouse's data version,
// re-reading them once after a load or a regeneration. When the re-read
// fails the last extents are kept: a stale range is better than none.
func (e *Engine) currentExtents(ctx context.Context) *extents {
	cat := e.Catalog()
	set := cat.extents.Load()
	if set != nil && set.version == e.db.Version() {
		return set
	}
	cat.extentMu.Lock()
	defer cat.extentMu.Unlock()
	if set = cat.extents.Load(); set != nil && set.version == e.db.Version() {
		return set
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), extentRefreshTimeout)
	defer cancel()
	if err := cat.LoadExtents(ctx, e.db); err != nil && set != nil {
		return set
	}
	if set = cat.extents.Load(); set == nil {
		return &extents{}
	}
	return set
}

// DataExtent is the span of a time source's data at the current data
// version: the earliest and latest values of its time column, in the
// model's zone. ok is false for an unknown source, one without a time
// column, or an empty table.
func (e *Engine) DataExtent(source string) (first, last time.Time, ok bool) {
	x, ok := e.currentExtents(context.Background()).bySource[source]
	return x.First, x.Last, ok
}

// MetricExtent is the span where every time source a metric reads has
// data (for a ratio of two sources, the overlap). ok is false for an
// unknown metric or one over sources without time.
func (e *Engine) MetricExtent(metric string) (first, last time.Time, ok bool) {
	x, ok := extentOf(e.currentExtents(context.Background()), e.Catalog().TimeSources(metric))
	return x.First, x.Last, ok
}
