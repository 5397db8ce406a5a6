package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"
)

func TestReadsCannotWrite(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("CREATE TABLE t (x INTEGER)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"INSERT INTO t VALUES (1)", "DROP TABLE t", "CREATE TABLE u (y INTEGER)", "UPDATE t SET x = 2"} {
		err := db.Read(ctx, func(c *sql.Conn) error {
			_, err := c.ExecContext(ctx, stmt)
			return err
		})
		if err == nil {
			t.Errorf("%s succeeded on the read pool", stmt)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("t has %d rows", n)
	}
}

// A query that would run for minutes must stop when its context ends; if
// DuckDB were not interrupted this test would hang until the test timeout.
func TestReadIsInterruptedByItsContext(t *testing.T) {
	db := mustOpen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := db.Read(ctx, func(c *sql.Conn) error {
		var n int64
		return c.QueryRowContext(ctx, "SELECT count(*) FROM range(100000000000) a WHERE hash(a.range) % 7 = 3").Scan(&n)
	})
	if err == nil {
		t.Fatal("the query finished; it should have been interrupted")
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("context: %v", ctx.Err())
	}
	// The pool still works afterwards.
	if err := db.Ping(context.Background()); err != nil {
		t.Fatalf("ping after interrupt: %v", err)
	}
}
