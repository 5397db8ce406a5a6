package queries_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestGuardBoundsFunctionsWhoseArgumentsSizeTheirOutput(t *testing.T) {
	g := queries.NewGuard(demoEngine(t), 1000)
	ctx := context.Background()
	allowed := []string{
		"SELECT range(10) AS r",
		"SELECT range(-5, 5, 2) AS r",
		"SELECT unnest(range(100000)) AS n",
		"SELECT unnest(generate_series(1, 100000)) AS n",
		"SELECT unnest(generate_series(DATE '2024-01-01', DATE '2026-12-31', INTERVAL 1 DAY)) AS d",
		"SELECT unnest(generate_series(TIMESTAMP '2026-10-01', TIMESTAMP '2026-10-31', INTERVAL '1 hour')) AS h",
		"SELECT repeat('ab', 3) AS s",
		"SELECT repeat(segment, 3) AS s FROM customers",
		"SELECT lpad(CAST(customer_id AS VARCHAR), 10, '0') AS id FROM customers",
		"SELECT rpad(segment, 20) AS s FROM customers",
		"SELECT printf('%05d-%s', customer_id, segment) AS s FROM customers",
		"SELECT format('{:>8}', segment) AS s FROM customers",
		"SELECT list_resize([1, 2], 5) AS l",
	}
	for _, q := range allowed {
		if err := g.Check(ctx, q); err != nil {
			t.Errorf("%s: refused: %v", q, err)
		}
	}
	refused := map[string]string{
		"SELECT len(range(1000000000)) AS n":                                                                      "range() here would make about 1000000000 elements",
		"SELECT range(0, 200000, 1) AS r":                                                                         "at most 100000",
		"SELECT range(customer_id) AS r FROM customers":                                                           "range() in free SQL takes literal arguments",
		"SELECT generate_series(DATE '1900-01-01', DATE '2200-01-01', INTERVAL 1 HOUR)":                           "elements",
		"SELECT generate_series(DATE '2024-01-01', DATE '2026-01-01', INTERVAL (customer_id) DAY) FROM customers": "literal arguments",
		"SELECT repeat('x', 1000000000) AS s":                                                                     "repeat() here would make about 1000000000 bytes",
		"SELECT repeat(segment, 1000) AS s FROM customers":                                                        "at most 100 times",
		"SELECT repeat('x', customer_id) AS s FROM customers":                                                     "literal count",
		"SELECT repeat(repeat('x', 1000), 1000) AS s":                                                             "repeat() cannot take the result of repeat()",
		"SELECT lpad('x', 1000000000, 'y') AS s":                                                                  "literal length of at most 10000",
		"SELECT rpad(segment, customer_id) AS s FROM customers":                                                   "literal length",
		"SELECT list_resize([1], 100000000) AS l":                                                                 "literal length",
		"SELECT printf('%1000000000d', 1) AS s":                                                                   "widths of at most 1000",
		"SELECT printf('%*d', 1000000000, 1) AS s":                                                                "widths of at most 1000",
		"SELECT printf(segment, 1) AS s FROM customers":                                                           "literal format",
		"SELECT format('{:>1000000000}', 'x') AS s":                                                               "widths of at most 1000",
		"SELECT format('{:>{}}', 'x', 1000000000) AS s":                                                           "widths of at most 1000",
		"SELECT length(lpad(repeat('x', 10), 100, 'y')) AS n":                                                     "lpad() cannot take the result of repeat()",
	}
	for q, want := range refused {
		err := g.Check(ctx, q)
		var be *beacon.Error
		if !errors.As(err, &be) || be.Code != beacon.EINVALID || be.Field != "sql" || !strings.Contains(be.Message, want) {
			t.Errorf("%s: got %v, want an invalid sql error containing %q", q, err, want)
		}
	}
}

// The guard runs the checked parse, turned back into SQL and wrapped with
// the limit: the rows, and their order, must be those of the statement run
// as written.
func TestGuardRunsWhatWasWrittenWithTheLimitInside(t *testing.T) {
	g := queries.NewGuard(demoEngine(t), 1000)
	ctx := context.Background()
	statements := []string{
		"SELECT segment, count(*) AS n FROM customers GROUP BY ALL ORDER BY n DESC, segment -- a comment at the end",
		"SELECT customer_id, segment FROM customers WHERE segment IN ('高净值', '普通') AND customer_id % 7 = 3 ORDER BY customer_id DESC LIMIT 20;",
		`SELECT "segment" AS "the segment's name", 'it''s' AS quoted, 1.5e3 AS x, DATE '2026-10-31' + INTERVAL 1 MONTH AS next FROM customers ORDER BY 1 LIMIT 3`,
		"SELECT channel, round(sum(amount), 2) AS total, rank() OVER (ORDER BY sum(amount) DESC) AS rk FROM transactions GROUP BY channel QUALIFY rk <= 3 ORDER BY rk",
		"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n, n * n AS sq FROM r ORDER BY n DESC",
		"SELECT segment FROM customers UNION SELECT 'none' ORDER BY 1",
		"SELECT CASE WHEN amount > 1000 THEN 'big' ELSE 'small' END AS size, count(*) AS n FROM transactions GROUP BY 1 ORDER BY 1",
		"SELECT 1 AS a, 2 AS a",
		"SELECT * FROM (SELECT customer_id FROM customers ORDER BY customer_id DESC) LIMIT 5",
		"/* leading */ SELECT strftime(max(tx_date), '%Y-%m') AS last_month FROM transactions",
	}
	for _, q := range statements {
		want := warehousetest.Rows(t, bank, q)
		res, err := g.Run(ctx, q, 1000)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if res.SQL != q {
			t.Errorf("the answer should echo the statement as sent, got %q", res.SQL)
		}
		if len(res.Rows) != len(want) {
			t.Errorf("%s: %d rows, want %d", q, len(res.Rows), len(want))
			continue
		}
		for i := range want {
			got := make([]any, len(res.Rows[i]))
			for j, v := range res.Rows[i] {
				got[j] = warehousetest.Normalize(v)
			}
			if fmt.Sprint(got) != fmt.Sprint(want[i]) {
				t.Errorf("%s: row %d is %v, want %v", q, i, got, want[i])
				break
			}
		}
	}
	// The request's limit is applied inside: the first rows, in order, and truncated.
	q := "SELECT customer_id FROM customers ORDER BY customer_id DESC"
	want := warehousetest.Rows(t, bank, q+" LIMIT 3")
	res, err := g.Run(ctx, q, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Truncated || len(res.Rows) != 3 || fmt.Sprint(warehousetest.Normalize(res.Rows[2][0])) != fmt.Sprint(want[2][0]) {
		t.Fatalf("limit 3: %v (truncated %v), want %v", res.Rows, res.Truncated, want)
	}
}
