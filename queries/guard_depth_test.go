package queries_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/queries"
)

// nested wraps "1" in n calls of f, so the expression is n+1 levels deep
// (n calls and the constant).
func nested(f string, n int) string {
	return strings.Repeat(f+"(", n) + "1" + strings.Repeat(")", n)
}

// Deeply nested expressions cost DuckDB far more than their length: a 10 KB
// list_value() 400 deep pinned a core past the query timeout. The guard
// refuses nesting beyond MaxExpressionDepth before anything runs.
func TestGuardBoundsExpressionDepth(t *testing.T) {
	g := queries.NewGuard(demoEngine(t), 1000)
	ctx := context.Background()
	limit := queries.MaxExpressionDepth
	allowed := []string{
		"SELECT " + nested("list_value", limit-1) + " AS x",
		"SELECT " + nested("coalesce", limit-1) + " AS x",
		"SELECT 1" + strings.Repeat(" + 1", limit-2) + " AS x", // limit-1 additions over limit-1 constants, the first one deepest
		// Parentheses alone add no level, and a long OR is one flat conjunction.
		"SELECT " + strings.Repeat("(", 900) + "1" + strings.Repeat(")", 900) + " AS x",
		"SELECT count(*) AS n FROM customers WHERE " + strings.TrimPrefix(strings.Repeat(" OR segment = 'x'", 500), " OR "),
		// Subqueries and CTEs of an ordinary report.
		"WITH s AS (SELECT segment, count(*) AS n FROM customers GROUP BY 1) SELECT segment, n, (SELECT max(n) FROM s) - n AS gap FROM s WHERE n > (SELECT avg(n) FROM s)",
	}
	for _, q := range allowed {
		if err := g.Check(ctx, q); err != nil {
			t.Errorf("%.60s… (%d bytes): refused: %v", q, len(q), err)
		}
	}
	refused := []string{
		"SELECT " + nested("list_value", limit) + " AS x",
		"SELECT " + nested("list_value", 400) + " AS x", // the depth of the reported statement
		"SELECT " + strings.Repeat("[", 100) + "1" + strings.Repeat("]", 100) + " AS x",
		"SELECT 1" + strings.Repeat(" + 1", 900) + " AS x",
		"SELECT 1 AS x FROM customers WHERE customer_id IN (SELECT " + nested("abs", limit) + ")",
		// Past DuckDB's own bound of 1,000 the parser refuses; the answer
		// still names this limit rather than a SET free SQL cannot run.
		"SELECT " + nested("list_value", 1500) + " AS x",
	}
	want := fmt.Sprintf("expressions nest more than %d levels deep; the limit is %d", limit, limit)
	for _, q := range refused {
		err := g.Check(ctx, q)
		var be *beacon.Error
		if !errors.As(err, &be) || be.Code != beacon.EINVALID || be.Field != "sql" || be.Message != want {
			t.Errorf("%.60s… (%d bytes): got %v, want an invalid sql error %q", q, len(q), err, want)
		}
	}
}
