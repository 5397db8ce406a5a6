package metrics

import (
	"fmt"
	"math"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/beaconbi/beacon"
)

// DefaultResultBytes is the result budget when none is configured: the
// JSON one answer may hold. A result is built in memory and then encoded,
// so each byte of budget costs a few bytes of heap while it is answered.
const DefaultResultBytes = 64_000_000

// stopGrace is how long after its deadline a statement may take to stop
// once DuckDB has been interrupted (the driver repeats the interrupt every
// 500 ms). Past it the caller is answered and the statement is left to
// end on its own, counted in Overdue.
const stopGrace = 400 * time.Millisecond

// MaxOverdue is how many stopped statements may still be ending before
// new free-SQL statements are refused: each holds a read connection and
// memory, and with the guard's two running statements the read pool must
// keep a connection for governed queries.
const MaxOverdue = 1

// budgetError names the result budget a query went over.
func budgetError(field, what string, budget int) *beacon.Error {
	return &beacon.Error{Code: beacon.ETOOLARGE, Field: field,
		Message: fmt.Sprintf("%s; the result budget is %s (--result-budget)", what, mb(budget))}
}

// mb writes a byte count as --result-budget and --memory-limit read one
// (MB and KB are powers of 1000, as in DuckDB).
func mb(n int) string {
	if n < 1_000_000 {
		return fmt.Sprintf("%d KB", n/1000)
	}
	return fmt.Sprintf("%d MB", n/1_000_000)
}

// jsonBytes estimates the JSON one value takes in a result row.
func jsonBytes(v any) int {
	switch x := v.(type) {
	case nil:
		return 4
	case string:
		return len(x) + 2
	case []byte:
		return len(x) + 2
	case bool:
		return 5
	case []any:
		n := 2
		for _, e := range x {
			n += jsonBytes(e) + 1
		}
		return n
	case map[string]any:
		n := 2
		for k, e := range x {
			n += len(k) + 4 + jsonBytes(e)
		}
		return n
	}
	return 20 // numbers, dates and times
}

// rowOverhead is the JSON each column adds to a row besides its value: the
// quoted key, colon and comma.
func rowOverhead(cols []Column) int {
	n := 2
	for _, c := range cols {
		n += len(c.Name) + 4
	}
	return n
}

// estimateRows bounds the rows a checked query can return before it runs:
// the product of its dimensions' known values and its periods, capped by
// its row limit (plus the row that detects truncation). A dimension with
// no known values leaves only the limit.
func estimateRows(p *plan) int {
	rows := 1.0
	for _, d := range p.dims {
		n := len(d.Values)
		if n == 0 || n >= maxDataValues {
			return p.limit + 1
		}
		rows *= float64(n)
	}
	if p.grain != "" {
		if p.window.IsZero() {
			return p.limit + 1
		}
		rows *= float64(periods(p.window, p.grain))
	}
	return int(math.Min(rows, float64(p.limit+1)))
}

// periods counts the grain's units that a window touches.
func periods(w Window, grain string) int {
	n := 0
	for t := truncate(w.Start, grain); t.Before(w.End) && n < 1_000_000; t = addDate(t, 1, grainUnit(grain)) {
		n++
	}
	return max(n, 1)
}

func grainUnit(grain string) string {
	if grain == "day" || grain == "week" || grain == "month" || grain == "quarter" || grain == "year" {
		return grain
	}
	return "day"
}

// estimateBytes is the JSON a compiled query's result can hold at most,
// counting each value as a number (20 bytes) or, for a dimension, its
// longest known value.
func (c *Catalog) estimateBytes(comp *Compiled) int {
	per := rowOverhead(comp.Columns)
	for _, col := range comp.Columns {
		w := 20
		if d, ok := c.dims[col.Name]; ok && col.Role == "dimension" {
			w = 2
			for _, v := range d.Values {
				w = max(w, len(v.Value)+2)
			}
		}
		per += w
	}
	return int(math.Min(float64(comp.EstimatedRows)*float64(per), math.MaxInt))
}

// memoryReturn hands memory back to the system after a large answer, at
// most once every few seconds: a full collection is not free.
type memoryReturn struct{ last atomic.Int64 }

// after is called once a statement holding about n bytes has ended.
func (m *memoryReturn) after(n int, stopped bool) {
	if n < 16_000_000 && !stopped {
		return
	}
	now := time.Now().UnixNano()
	last := m.last.Load()
	if now-last < int64(5*time.Second) || !m.last.CompareAndSwap(last, now) {
		return
	}
	// The Go heap keeps freed result rows for reuse; large ones are rare,
	// so returning them is worth a collection. DuckDB returns its own
	// memory itself (allocator_flush_threshold, see warehouse.Open).
	go debug.FreeOSMemory()
}
