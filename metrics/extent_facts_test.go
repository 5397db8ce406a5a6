package metrics_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

const factsModel = `
name: facts
time_zone: Asia/Shanghai
sources:
  - name: offices
    table: offices
    dimensions:
      - {name: office, column: office_name}
  - name: visits
    table: visits
    time: {column: month, grain: month}
    joins:
      - {to: offices, on: office_id}
    dimensions:
      - {name: seg, column: seg}
    measures:
      - {name: flagged, agg: sum, expr: CAST(flag AS INTEGER)}
      - {name: visits, agg: count}
metrics:
  - {name: flagged, measure: flagged, owner: x, description: flagged visits}
  - {name: visits, measure: visits, owner: x, description: visits}
  - {name: flag_rate, type: ratio, numerator: flagged, denominator: visits, owner: x, description: flagged share}
`

// factsEngine is an engine over visits by month, segment and office for
// 2024, with the statements in extra run after the clean data is written.
func factsEngine(t *testing.T, extra ...string) (*metrics.Engine, *warehouse.DB) {
	t.Helper()
	db := warehousetest.MustOpen(t)
	exec(t, db, `CREATE TABLE offices AS SELECT i AS office_id, 'O' || i AS office_name FROM range(1, 4) t(i)`)
	exec(t, db, `CREATE TABLE visits AS SELECT CAST(DATE '2024-01-01' + INTERVAL (i % 12) MONTH AS DATE) AS month,
		(['a', 'b', 'c'])[1 + i % 3] AS seg, CAST(1 + i % 3 AS INTEGER) AS office_id, i % 4 = 0 AS flag FROM range(240) t(i)`)
	for _, stmt := range extra {
		exec(t, db, stmt)
	}
	cat := metricstest.Catalog(t, db, "facts.yaml", []byte(factsModel))
	e, err := metrics.NewEngine(db, cat, metrics.EngineConfig{Now: warehousetest.Now})
	if err != nil {
		t.Fatal(err)
	}
	return e, db
}

// factsCase is a query and hand SQL with the general semantics: a sum of
// the flags (NULL where a group has none) and a LEFT JOIN to offices.
type factsCase struct {
	name  string
	query metrics.Query
	hand  string
}

var factsCases = []factsCase{
	{"by segment and month",
		metrics.Query{Metrics: []string{"flagged"}, Dimensions: []string{"seg"}, Time: &metrics.TimeSpec{Grain: "month", Start: "2024-01-01", End: "2024-12-31"}},
		`SELECT CAST(date_trunc('month', month) AS DATE), seg, sum(CAST(flag AS INTEGER)) FROM visits GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST`},
	{"total",
		metrics.Query{Metrics: []string{"flagged", "visits"}},
		`SELECT sum(CAST(flag AS INTEGER)), count(*) FROM visits`},
	{"total of no rows",
		metrics.Query{Metrics: []string{"flagged"}, Filters: []metrics.Filter{{Dimension: "seg", Op: "in", Values: []any{"none"}}}},
		`SELECT sum(CAST(flag AS INTEGER)) FROM visits WHERE seg = 'none'`},
	{"by office",
		metrics.Query{Metrics: []string{"flagged", "flag_rate"}, Dimensions: []string{"office"}},
		`SELECT o.office_name, sum(CAST(flag AS INTEGER)), sum(CAST(flag AS INTEGER)) / count(*) FROM visits v LEFT JOIN offices o USING (office_id) GROUP BY 1 ORDER BY 1 NULLS LAST`},
	{"by office, one segment",
		metrics.Query{Metrics: []string{"visits"}, Dimensions: []string{"office"}, Filters: []metrics.Filter{{Dimension: "seg", Op: "eq", Value: "c"}}},
		`SELECT o.office_name, count(*) FROM visits v LEFT JOIN offices o USING (office_id) WHERE seg = 'c' GROUP BY 1 ORDER BY 1 NULLS LAST`},
	{"other than a segment",
		metrics.Query{Metrics: []string{"visits"}, Time: &metrics.TimeSpec{Grain: "quarter", Start: "2024-01-01", End: "2024-12-31"}, Filters: []metrics.Filter{{Dimension: "seg", Op: "neq", Value: "a"}}},
		`SELECT CAST(date_trunc('quarter', month) AS DATE), count(*) FROM visits WHERE seg IS DISTINCT FROM 'a' GROUP BY 1 ORDER BY 1`},
	{"none of two segments",
		metrics.Query{Metrics: []string{"flagged"}, Filters: []metrics.Filter{{Dimension: "seg", Op: "not_in", Values: []any{"a", "b"}}}},
		`SELECT sum(CAST(flag AS INTEGER)) FROM visits WHERE seg IS NULL OR seg NOT IN ('a', 'b')`},
}

// checkFacts runs every case on e and compares its rows with the hand SQL.
func checkFacts(t *testing.T, e *metrics.Engine, db *warehouse.DB) {
	t.Helper()
	for _, c := range factsCases {
		res, err := e.Run(context.Background(), c.query, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := warehousetest.Rows(t, db, c.hand)
		if len(res.Rows) != len(want) {
			t.Errorf("%s: %d rows, hand SQL %d:\n%v\n%v", c.name, len(res.Rows), len(want), res.Rows, want)
			continue
		}
		for i, row := range res.Rows {
			for j := range row {
				if g, w := warehousetest.Normalize(row[j]), warehousetest.Normalize(want[i][j]); fmt.Sprint(g) != fmt.Sprint(w) {
					t.Errorf("%s: row %d column %d: %v, hand SQL %v", c.name, i, j, g, w)
				}
			}
		}
	}
}

// A flag measure is counted with count_if, NULL flags or not; offices are
// inner-joined only where every visit's office exists, and "other than"
// drops its IS NULL only where no segment is NULL. The answers equal hand
// SQL's sum of the flags, LEFT JOIN and IS DISTINCT FROM either way (a
// group whose flags are all NULL sums to NULL, a visit to an unknown
// office is kept, and so is a visit of no segment).
func TestDataFactsKeepAnswers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		extra     []string
		inner     bool
		nullsKept bool // "other than" keeps rows of no segment: OR ... IS NULL
	}{
		{name: "clean", inner: true},
		{name: "null flags", extra: []string{
			`UPDATE visits SET flag = NULL WHERE seg = 'c' AND month = DATE '2024-03-01'`,
			`UPDATE visits SET flag = NULL WHERE seg = 'a' AND month = DATE '2024-05-01' AND office_id = 1`,
		}, inner: true},
		{name: "missing office", extra: []string{
			`INSERT INTO visits VALUES (DATE '2024-02-01', 'a', 9, true), (DATE '2024-02-01', 'b', NULL, false)`,
		}},
		{name: "all flags null", extra: []string{`UPDATE visits SET flag = NULL`}, inner: true},
		{name: "null segment", extra: []string{
			`INSERT INTO visits VALUES (DATE '2024-02-01', NULL, 1, true), (DATE '2024-07-01', NULL, 2, NULL)`,
		}, inner: true, nullsKept: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, db := factsEngine(t, tc.extra...)
			for _, c := range factsCases {
				comp, err := e.Compile(c.query, nil)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(comp.SQL, "flag") && !strings.Contains(comp.SQL, "count_if(") {
					t.Errorf("%s: flags not counted with count_if:\n%s", c.name, comp.SQL)
				}
				if len(c.query.Filters) > 0 && strings.HasPrefix(c.query.Filters[0].Op, "n") && strings.Contains(comp.SQL, "IS NULL") != tc.nullsKept {
					t.Errorf("%s: rows of no segment tested %v, want %v:\n%s", c.name, !tc.nullsKept, tc.nullsKept, comp.SQL)
				}
				if strings.Contains(comp.SQL, "offices") && strings.Contains(comp.SQL, "LEFT JOIN") == tc.inner {
					t.Errorf("%s: inner join %v, want %v:\n%s", c.name, !tc.inner, tc.inner, comp.SQL)
				}
			}
			checkFacts(t, e, db)
		})
	}
}

// The facts are read again after a load: a visit to an unknown office or
// of no segment loaded after start-up is answered as hand SQL answers it.
func TestDataFactsFollowLoads(t *testing.T) {
	e, db := factsEngine(t)
	checkFacts(t, e, db)
	exec(t, db, `INSERT INTO visits VALUES (DATE '2024-04-01', 'd', 2, NULL), (DATE '2024-04-01', 'a', 7, true), (DATE '2024-04-01', NULL, 3, true)`)
	checkFacts(t, e, db)
	comp, err := e.Compile(factsCases[3].query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(comp.SQL, "LEFT JOIN") {
		t.Errorf("after a load with a visit to an unknown office, still an inner join:\n%s", comp.SQL)
	}
}
