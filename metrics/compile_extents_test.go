package metrics_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

const balancesModel = `
name: balances
time_zone: Asia/Shanghai
sources:
  - name: bal
    time: {column: month, grain: month}
    dimensions:
      - {name: seg, column: seg}
    measures:
      - {name: end_v, agg: sum, column: v, time_aggregation: last}
      - {name: start_v, agg: sum, column: v, time_aggregation: first}
      - {name: moves, agg: count}
metrics:
  - {name: closing, measure: end_v, owner: x, description: period-end balance}
  - {name: opening, measure: start_v, owner: x, description: period-start balance}
  - {name: moves, measure: moves, owner: x, description: rows}
  - {name: turnover, type: ratio, numerator: moves, denominator: start_v, owner: x, description: rows per opening balance}
`

// balancesEngine is an engine over a monthly table of two segments for 2024,
// without the months in gaps (YYYY-MM-DD of the first day).
func balancesEngine(t *testing.T, gaps ...string) (*metrics.Engine, *warehouse.DB) {
	t.Helper()
	db := warehousetest.MustOpen(t)
	where := "true"
	for _, g := range gaps {
		where += fmt.Sprintf(" AND month <> DATE '%s'", g)
	}
	exec(t, db, `CREATE TABLE bal AS SELECT * FROM (SELECT CAST(DATE '2024-01-01' + INTERVAL (i) MONTH AS DATE) AS month, s AS seg, CAST(i * 10 + length(s) AS INTEGER) AS v
		FROM range(12) t(i), (VALUES ('a'), ('bb')) u(s)) WHERE `+where)
	cat := metricstest.Catalog(t, db, "balances.yaml", []byte(balancesModel))
	e, err := metrics.NewEngine(db, cat, metrics.EngineConfig{Now: warehousetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	return e, db
}

// handPeriodEnd is hand SQL for closing, opening and turnover by quarter
// (or with no grain) in start..end: each period's first and last month
// are found in the data.
func handPeriodEnd(grain, start, end string) string {
	period := "'all'"
	if grain != "" {
		period = "CAST(date_trunc('" + grain + "', month) AS DATE)"
	}
	return fmt.Sprintf(`WITH r AS (SELECT *, %[1]s AS p FROM bal WHERE month BETWEEN DATE '%[2]s' AND DATE '%[3]s'),
b AS (SELECT p, min(month) AS lo, max(month) AS hi FROM r GROUP BY 1)
SELECT r.p, sum(v) FILTER (WHERE month = hi), sum(v) FILTER (WHERE month = lo), count(*) / sum(v) FILTER (WHERE month = lo)
FROM r JOIN b USING (p) GROUP BY 1 ORDER BY 1`, period, start, end)
}

// Period-end buckets named from the data extent give the answers of hand
// SQL that finds them in the data: on a table with a row every month, and
// on one with gaps, where buckets inside a range cannot be named.
func TestPeriodEndFromExtents(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		gaps        []string
		grain       string
		start, end  string
		usesExtents bool
	}{
		{"dense whole", nil, "", "2024-01-01", "2024-12-31", true},
		{"dense range", nil, "", "2024-03-01", "2024-07-31", true},
		{"dense quarters", nil, "quarter", "2024-02-01", "2024-11-30", true},
		{"gaps whole", []string{"2024-04-01", "2024-06-01"}, "", "2024-01-01", "2024-12-31", true},
		{"gaps range", []string{"2024-03-01", "2024-06-01"}, "", "2024-03-01", "2024-06-30", false},
		{"gaps quarters", []string{"2024-04-01", "2024-06-01"}, "quarter", "2024-01-01", "2024-12-31", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, db := balancesEngine(t, tc.gaps...)
			q := metrics.Query{Metrics: []string{"closing", "opening", "turnover"}, Time: &metrics.TimeSpec{Start: tc.start, End: tc.end, Grain: tc.grain}}
			comp, err := e.Compile(q, nil)
			if err != nil {
				t.Fatal(err)
			}
			if comp.UsesExtents != tc.usesExtents {
				t.Errorf("uses extents %v, want %v:\n%s", comp.UsesExtents, tc.usesExtents, comp.SQL)
			}
			res, err := e.Run(ctx, q, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := warehousetest.Rows(t, db, handPeriodEnd(tc.grain, tc.start, tc.end))
			if len(res.Rows) != len(want) {
				t.Fatalf("%d rows, hand SQL %d:\n%v\n%v", len(res.Rows), len(want), res.Rows, want)
			}
			for i, row := range res.Rows {
				got := row[len(row)-3:]
				for j := range got {
					if g, w := warehousetest.Normalize(got[j]), want[i][j+1]; fmt.Sprint(g) != fmt.Sprint(w) {
						t.Errorf("row %d column %d: %v, hand SQL %v", i, j, g, w)
					}
				}
			}
		})
	}
}

// After a load the buckets follow the new extent: a month appended at the
// end is the new closing month.
func TestPeriodEndFollowsLoads(t *testing.T) {
	e, db := balancesEngine(t)
	q := metrics.Query{Metrics: []string{"closing"}}
	ctx := context.Background()
	before, err := e.Run(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	exec(t, db, `INSERT INTO bal VALUES (DATE '2025-01-01', 'a', 1000)`)
	after, err := e.Run(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := warehousetest.Normalize(after.Rows[0][0]); fmt.Sprint(got) != "1000" {
		t.Errorf("closing after a new month %v (before %v), want 1000", got, before.Rows[0][0])
	}
}
