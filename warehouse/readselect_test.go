package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
)

// transactions is how many read-only transactions the read connection
// has begun.
func transactions(t *testing.T, db *DB) int {
	t.Helper()
	ctx := context.Background()
	conn, err := db.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := -1
	if err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stmtConn)
		if !ok {
			return fmt.Errorf("read connection is a %T, not a *stmtConn", dc)
		}
		n = sc.transactions
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// selectInts runs query through ReadSelect and returns its first column.
func selectInts(ctx context.Context, db *DB, query string, args ...any) ([]int64, error) {
	var out []int64
	err := db.ReadSelect(ctx, query, args, func(rows *sql.Rows) error {
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// A SELECT runs inside a read-only transaction the first time on a
// connection, where it is prepared and checked, and without one after;
// a write that moves the data version, or a statement that is not a
// SELECT, goes through the transaction again, and nothing run this way
// can write.
func TestReadSelectSkipsTheTransactionOnceChecked(t *testing.T) {
	db := mustOpen(t)
	db.read.SetMaxOpenConns(1) // one connection: the count is its own
	ctx := context.Background()
	write := func(stmt string) {
		t.Helper()
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, stmt)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	write("CREATE TABLE t AS SELECT range AS x FROM range(10)")
	const q = "SELECT sum(x) FROM t WHERE x >= ?"
	for _, tc := range []struct {
		name  string
		write string
		query string
		arg   any
		want  int64 // -1: the statement must fail
		begun int   // read-only transactions begun by this run
	}{
		{"first run prepares inside a transaction", "", q, 0, 45, 1},
		{"repeat runs without one", "", q, 5, 35, 0},
		{"and again", "", q, 9, 9, 0},
		{"a write moves the version: prepared again inside one", "INSERT INTO t VALUES (100)", q, 5, 135, 1},
		{"then without", "", q, 0, 145, 0},
		{"a table replaced", "CREATE OR REPLACE TABLE t AS SELECT range * 2 AS x FROM range(4)", q, 1, 12, 1},
		{"an EXPLAIN is not a SELECT", "", "EXPLAIN SELECT 1", nil, -2, 1},
		{"nor the second time", "", "EXPLAIN SELECT 1", nil, -2, 1},
		{"an INSERT fails", "", "INSERT INTO t VALUES (7) RETURNING x", nil, -1, 1},
		{"and fails again", "", "INSERT INTO t VALUES (7) RETURNING x", nil, -1, 1},
		{"the kept SELECT still runs without one", "", q, 1, 12, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.write != "" {
				write(tc.write)
			}
			before := transactions(t, db)
			var args []any
			if tc.arg != nil {
				args = append(args, tc.arg)
			}
			var got []int64
			var err error
			if tc.want == -2 { // EXPLAIN's rows are text
				err = db.ReadSelect(ctx, tc.query, nil, func(rows *sql.Rows) error {
					for rows.Next() {
					}
					return rows.Err()
				})
			} else {
				got, err = selectInts(ctx, db, tc.query, args...)
			}
			switch {
			case tc.want == -1 && err == nil:
				t.Errorf("%s succeeded on the read pool: %v", tc.query, got)
			case tc.want >= 0 && err != nil:
				t.Fatal(err)
			case tc.want >= 0 && (len(got) != 1 || got[0] != tc.want):
				t.Errorf("got %v, want [%d]", got, tc.want)
			}
			if n := transactions(t, db) - before; n != tc.begun {
				t.Errorf("%d read-only transactions begun, want %d", n, tc.begun)
			}
		})
	}
	if got, err := selectInts(ctx, db, "SELECT count(*) FROM t WHERE x = 7"); err != nil || got[0] != 0 {
		t.Fatalf("rows written from the read pool: %v %v", got, err)
	}
}

// A read racing writes sees each write whole or not at all: every row
// it reads carries the same generation, all rows are there, and the
// generation lies between the data versions read before and after. The
// writes replace the rows, or the whole table as a rollup rebuild does;
// once through Write (the version moves, so each read after a write is
// prepared again inside a transaction) and once behind the version's
// back, so that every read but the first runs its kept statement in
// autocommit while the table changes under it.
func TestReadSelectRacingWritesNeverMixesVersions(t *testing.T) {
	const rows, writes = 500, 60
	for _, bump := range []bool{true, false} {
		t.Run(fmt.Sprintf("version moves %v", bump), func(t *testing.T) {
			db := mustOpen(t)
			db.read.SetMaxOpenConns(1)
			ctx := context.Background()
			fill := func(gen int) []string {
				src := fmt.Sprintf("SELECT %d AS gen, range AS i FROM range(%d)", gen, rows)
				if gen%3 == 0 { // replaced whole, as a rollup rebuild does
					return []string{"CREATE TABLE g_fresh AS " + src, "DROP TABLE g", "ALTER TABLE g_fresh RENAME TO g"}
				}
				return []string{"DELETE FROM g", "INSERT INTO g " + src}
			}
			write := func(stmts []string) error {
				if bump {
					return db.Write(ctx, func(tx *sql.Tx) error {
						for _, s := range stmts {
							if _, err := tx.ExecContext(ctx, s); err != nil {
								return err
							}
						}
						return nil
					})
				}
				tx, err := db.write.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				for _, s := range stmts {
					if _, err := tx.ExecContext(ctx, s); err != nil {
						tx.Rollback()
						return err
					}
				}
				return tx.Commit()
			}
			if err := write([]string{fmt.Sprintf("CREATE TABLE g AS SELECT 0 AS gen, range AS i FROM range(%d)", rows)}); err != nil {
				t.Fatal(err)
			}
			base := db.Version()
			var wg sync.WaitGroup
			done := make(chan struct{})
			var writeErr error
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(done)
				for gen := 1; gen <= writes; gen++ {
					if writeErr = write(fill(gen)); writeErr != nil {
						return
					}
				}
			}()
			reads := 0
			const q = "SELECT gen * 1000000 + i FROM g WHERE i >= ? ORDER BY i"
		loop:
			for {
				select {
				case <-done:
					break loop
				default:
				}
				v0 := db.Version()
				got, err := selectInts(ctx, db, q, 0)
				v1 := db.Version()
				if err != nil {
					t.Fatalf("read %d: %v", reads, err)
				}
				reads++
				if len(got) != rows {
					t.Fatalf("read %d: %d rows, want %d", reads, len(got), rows)
				}
				gen := got[0] / 1000000
				for i, v := range got {
					if v != gen*1000000+int64(i) {
						t.Fatalf("read %d: row %d is %d: generations mixed (first %d)", reads, i, v, gen)
					}
				}
				// A write's rows are visible from its commit, its version
				// from just after: at most one ahead of the version after.
				if bump && (uint64(gen) < v0-base || uint64(gen) > v1-base+1) {
					t.Fatalf("read %d: generation %d outside the versions %d..%d", reads, gen, v0-base, v1-base+1)
				}
			}
			wg.Wait()
			if writeErr != nil {
				t.Fatal(writeErr)
			}
			if got, err := selectInts(ctx, db, "SELECT max(gen) FROM g WHERE i >= ?", 0); err != nil || got[0] != writes {
				t.Fatalf("last generation %v (%v), want %d", got, err, writes)
			}
			if n := transactions(t, db); !bump && n != 2 {
				t.Errorf("%d read-only transactions for %d reads and a check, want 2 (the first of each statement)", n, reads)
			}
			t.Logf("%d reads during %d writes, %d inside a read-only transaction", reads, writes, transactions(t, db))
		})
	}
}
