package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"os"
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

func TestLockdownKeepsDuckDBInsideTheUploadFolder(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	dir := t.TempDir()
	if err := db.Lockdown(ctx, dir); err != nil {
		t.Fatal(err)
	}
	var n int
	err := db.Read(ctx, func(c *sql.Conn) error {
		return c.QueryRowContext(ctx, "SELECT count(*) FROM read_csv('/etc/passwd')").Scan(&n)
	})
	if err == nil {
		t.Fatal("read /etc/passwd after lockdown")
	}
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("SET enable_external_access = true")
		return err
	}); err == nil {
		t.Fatal("the configuration could be changed after lockdown")
	}
	if _, err := db.Load(ctx, LoadOptions{Table: "t", Path: writeFileIn(t, dir, "t.csv", "a\n1\n")}); err != nil {
		t.Fatalf("load from the upload folder: %v", err)
	}
}

func writeFileIn(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := dir + "/" + name
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
