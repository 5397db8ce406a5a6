package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

// kept is how many statements the read connection c keeps prepared.
func kept(t *testing.T, c *sql.Conn) int {
	t.Helper()
	n := -1
	if err := c.Raw(func(dc any) error {
		sc, ok := dc.(*stmtConn)
		if !ok {
			return fmt.Errorf("read connection is a %T, not a *stmtConn", dc)
		}
		n = sc.lru.Len()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func sumOf(ctx context.Context, c *sql.Conn, query string, args ...any) (float64, error) {
	var v float64
	err := c.QueryRowContext(ctx, query, args...).Scan(&v)
	return v, err
}

// Statements run with Prepared are kept per read connection, answer as
// when run afresh, and are dropped when a write replaces what they read.
func TestPreparedStatementsAreKeptAndDroppedOnWrites(t *testing.T) {
	db := mustOpen(t)
	db.read.SetMaxOpenConns(1) // one connection, so that every read sees its cache
	ctx := context.Background()
	write := func(stmts ...string) {
		t.Helper()
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			for _, s := range stmts {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	write("CREATE TABLE t (x DOUBLE)", "INSERT INTO t SELECT range FROM range(10)")
	const q = "SELECT sum(x) FROM t WHERE x >= ?"
	read := func(min float64) (got float64, n int) {
		t.Helper()
		if err := db.Read(ctx, func(c *sql.Conn) error {
			var err error
			got, err = sumOf(Prepared(ctx), c, q, min)
			n = kept(t, c)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return got, n
	}
	for _, tc := range []struct {
		name  string
		write []string
		min   float64
		want  float64
		kept  int
	}{
		// BEGIN, the query, ROLLBACK; the read-only transaction's
		// ROLLBACK is prepared after the check of the count.
		{"first run prepares", nil, 0, 45, 2},
		{"repeat with another value", nil, 5, 35, 3},
		{"rows appended", []string{"INSERT INTO t VALUES (100)"}, 5, 135, 2},
		{"table replaced by one of another type", []string{"DROP TABLE t", "CREATE TABLE t AS SELECT CAST(range * 2 AS INTEGER) AS x FROM range(4)"}, 1, 12, 2},
		{"repeat after the replacement", nil, 3, 10, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.write != nil {
				write(tc.write...)
			}
			got, n := read(tc.min)
			if got != tc.want {
				t.Errorf("sum = %v, want %v", got, tc.want)
			}
			if n != tc.kept {
				t.Errorf("%d statements kept, want %d", n, tc.kept)
			}
		})
	}
}

// The cache is bounded, a statement whose rows are still open is run
// afresh when asked again, and an unmarked context keeps nothing.
func TestPreparedStatementsBoundedAndReentrant(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	err := db.Read(ctx, func(c *sql.Conn) error {
		base := kept(t, c)
		if _, err := sumOf(ctx, c, "SELECT 41 + 1"); err != nil {
			return err
		}
		if n := kept(t, c); n != base {
			t.Errorf("an unmarked statement was kept: %d kept, %d before", n, base)
		}
		for i := range PreparedPerConn + 10 {
			got, err := sumOf(Prepared(ctx), c, fmt.Sprintf("SELECT %d + ?", i), 1)
			if err != nil {
				return err
			}
			if got != float64(i+1) {
				t.Errorf("SELECT %d + 1 = %v", i, got)
			}
		}
		if n := kept(t, c); n != PreparedPerConn {
			t.Errorf("%d statements kept, want the bound %d", n, PreparedPerConn)
		}
		// The same text twice with the first rows still open.
		const q = "SELECT range FROM range(3)"
		outer, err := c.QueryContext(Prepared(ctx), q)
		if err != nil {
			return err
		}
		defer outer.Close()
		total := 0
		for outer.Next() {
			var x int
			if err := outer.Scan(&x); err != nil {
				return err
			}
			inner, err := sumOf(Prepared(ctx), c, "SELECT sum(range) FROM range(3) WHERE range >= ?", x)
			if err != nil {
				return err
			}
			v, err := sumOf(Prepared(ctx), c, "SELECT count(*) FROM ("+q+")")
			if err != nil {
				return err
			}
			total += int(inner) + int(v)
		}
		// sums 3, 3, 2 and three counts of 3
		if total != 3+3+2+9 {
			t.Errorf("total %d, want 17", total)
		}
		return outer.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A statement kept prepared still cannot write from the read pool.
func TestPreparedReadsCannotWrite(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec("CREATE TABLE t (x INTEGER)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		err := db.Read(ctx, func(c *sql.Conn) error {
			_, err := c.ExecContext(Prepared(ctx), "INSERT INTO t VALUES (1)")
			return err
		})
		if err == nil {
			t.Errorf("run %d: a prepared INSERT succeeded on the read pool", i+1)
		}
	}
	if n := count(t, db, "SELECT count(*) FROM t"); n != 0 {
		t.Fatalf("t has %d rows", n)
	}
}
