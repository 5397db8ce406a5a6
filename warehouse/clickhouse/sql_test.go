package clickhouse_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The free-SQL guard on ClickHouse: the same checks as on DuckDB, the
// statement the guard parsed is the one that runs, and the read-only user
// is a second fence.
func TestFreeSQLOnClickHouse(t *testing.T) {
	duck, house, store := engines(t)
	ctx := context.Background()
	g := queries.NewGuard(house, 1000)

	q := "SELECT segment, count(*) AS n FROM customers GROUP BY segment ORDER BY segment"
	res, err := g.Run(ctx, q, 100)
	if err != nil {
		t.Fatal(err)
	}
	want := warehousetest.Rows(t, bank, q)
	if len(res.Rows) != len(want) || len(want) == 0 {
		t.Fatalf("rows: clickhouse %d, duckdb %d", len(res.Rows), len(want))
	}
	for i := range want {
		if !equalCell(res.Rows[i][0], want[i][0]) || !equalCell(res.Rows[i][1], want[i][1]) {
			t.Fatalf("row %d: clickhouse %v, duckdb %v", i, res.Rows[i], want[i])
		}
	}
	if res.Columns[1].Type != "integer" || res.Columns[0].Type != "string" {
		t.Errorf("column types %+v", res.Columns)
	}
	if res.Dialect != "clickhouse" {
		t.Errorf("dialect %q", res.Dialect)
	}
	// The row cap holds on ClickHouse too.
	res, err = g.Run(ctx, "SELECT customer_id FROM customers ORDER BY customer_id", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 5 || !res.Truncated {
		t.Fatalf("capped to 5: got %d rows, truncated %v", len(res.Rows), res.Truncated)
	}

	refused := []string{
		"DROP TABLE customers",
		"INSERT INTO customers SELECT * FROM customers",
		"SELECT * FROM system.users",
		"SELECT * FROM url('http://127.0.0.1/', CSV, 'a String')",
		"SELECT * FROM customers; SELECT 1",
		`SELECT 'a\'' AS x, (SELECT count(*) FROM system.tables) AS y, '' AS z FROM customers`,
		"SELECT /* a /* nested */ comment */ 1 FROM customers",
		"SELECT $$x$$ FROM customers",
	}
	for _, q := range refused {
		if err := g.Check(ctx, q); err == nil {
			t.Errorf("%s: passed the guard", q)
		}
	}
	// Past the guard, the server's read-only user refuses writes itself.
	err = store.Read(ctx, func(conn *sql.Conn) error {
		_, err := conn.ExecContext(ctx, "CREATE TABLE beacon.x (a Int32) ENGINE = Memory")
		return err
	})
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "readonly") {
		t.Fatalf("the read-only user created a table: %v", err)
	}
	err = store.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, "SELECT * FROM numbers(2)")
		if err == nil {
			rows.Close()
		}
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("the read-only user ran a table function: %v", err)
	}
	_ = duck
}

// ChatBI answers from ClickHouse with the same numbers as from DuckDB.
func TestChatOnClickHouse(t *testing.T) {
	duck, house, _ := engines(t)
	ctx := context.Background()
	for _, question := range []string{"上个月各客群的流失率", "AUM by region last quarter", "今年每月流失客户数"} {
		a, err := queries.NewChat(duck, queries.ChatConfig{}).Ask(ctx, question, "", "tester", nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := queries.NewChat(house, queries.ChatConfig{}).Ask(ctx, question, "", "tester", nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != "answer" || b.Status != "answer" {
			t.Fatalf("%s: status duckdb %s, clickhouse %s (%s)", question, a.Status, b.Status, b.Answer)
		}
		if a.Result == nil || b.Result == nil || len(a.Result.Rows) == 0 {
			t.Fatalf("%s: no rows", question)
		}
		sameResult(t, a.Result, b.Result)
		if fmt.Sprint(a.Answer) != fmt.Sprint(b.Answer) {
			t.Errorf("%s: narration differs:\nduckdb: %s\nclickhouse: %s", question, a.Answer, b.Answer)
		}
	}
}
