package metricsbench

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// Compile compiles the case's governed query as the engine would.
func Compile(cat *metrics.Catalog, c Case, now time.Time) (*metrics.Compiled, error) {
	comp, err := cat.Compile(metrics.DuckDB{}, c.Query, now, nil, metrics.DefaultLimits)
	if err != nil {
		return nil, fmt.Errorf("compile %s: %w", c.Name, err)
	}
	return comp, nil
}

// Rows runs a statement and returns its rows, numbers as float64 and
// dates as YYYY-MM-DD.
func Rows(ctx context.Context, db *warehouse.DB, query string, args ...any) ([][]any, error) {
	var out [][]any
	err := db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for i, v := range vals {
				vals[i] = normalize(v)
			}
			out = append(out, vals)
		}
		return rows.Err()
	})
	return out, err
}

func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int8:
		return float64(x)
	case int16:
		return float64(x)
	case int32:
		return float64(x)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.Format("2006-01-02")
	}
	return v
}

// Equal says how the compiled rows differ from the hand rows, or nil when
// they hold the same keys with the same numbers (to 1e-9 relative).
func Equal(compiled, hand [][]any, keys int) error {
	if len(compiled) != len(hand) {
		return fmt.Errorf("%d compiled rows, %d hand rows", len(compiled), len(hand))
	}
	key := func(r []any) string { return fmt.Sprint(r[:keys]) }
	want := map[string][]any{}
	for _, r := range hand {
		want[key(r)] = r
	}
	var diffs []string
	for _, r := range compiled {
		h, ok := want[key(r)]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("row %v not in hand SQL", r))
		case len(h) != len(r):
			diffs = append(diffs, fmt.Sprintf("row %v has %d columns, hand %d", r, len(r), len(h)))
		default:
			for i := keys; i < len(r); i++ {
				if !same(r[i], h[i]) {
					diffs = append(diffs, fmt.Sprintf("row %v column %d: compiled %v, hand %v", r[:keys], i, r[i], h[i]))
				}
			}
		}
		if len(diffs) >= 5 {
			break
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s", strings.Join(diffs, "; "))
	}
	return nil
}

func same(a, b any) bool {
	fa, oka := a.(float64)
	fb, okb := b.(float64)
	if !oka || !okb {
		return a == b
	}
	if math.IsNaN(fa) || math.IsNaN(fb) {
		return math.IsNaN(fa) && math.IsNaN(fb)
	}
	return math.Abs(fa-fb) <= 1e-9*math.Max(1, math.Max(math.Abs(fa), math.Abs(fb)))
}

// Timing is the p50 of a case's compiled and hand SQL, run interleaved,
// in wall time and in this process's CPU time.
type Timing struct {
	Case                 string
	Compiled, Hand       time.Duration
	CompiledCPU, HandCPU time.Duration
}

// Ratio is compiled over hand, in wall time.
func (t Timing) Ratio() float64 { return float64(t.Compiled) / float64(t.Hand) }

// CPURatio is compiled over hand, in CPU time (0 where not measured).
func (t Timing) CPURatio() float64 {
	if t.HandCPU == 0 {
		return 0
	}
	return float64(t.CompiledCPU) / float64(t.HandCPU)
}

// Measure runs the compiled and the hand SQL of a case n times each,
// alternating (which goes first alternates too), and returns their p50s.
func Measure(ctx context.Context, db *warehouse.DB, c Case, comp *metrics.Compiled, n int) (Timing, error) {
	var tc, th, cc, ch []time.Duration
	run := func(q string, args []any, wall, cpu *[]time.Duration) error {
		t0, c0 := time.Now(), cpuTime()
		if _, err := Rows(ctx, db, q, args...); err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		*wall = append(*wall, time.Since(t0))
		*cpu = append(*cpu, cpuTime()-c0)
		return nil
	}
	for i := 0; i < n; i++ {
		first, second := func() error { return run(comp.SQL, comp.Args, &tc, &cc) }, func() error { return run(c.Hand, nil, &th, &ch) }
		if i%2 == 1 {
			first, second = second, first
		}
		if err := first(); err != nil {
			return Timing{}, err
		}
		if err := second(); err != nil {
			return Timing{}, err
		}
	}
	return Timing{Case: c.Name, Compiled: p50(tc), Hand: p50(th), CompiledCPU: p50(cc), HandCPU: p50(ch)}, nil
}

// CPUTime is the CPU time this process has used so far, user and system
// (0 where not measured).
func CPUTime() time.Duration { return cpuTime() }

func p50(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
