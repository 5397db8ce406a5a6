package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustOpen(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *DB, q string) int64 {
	t.Helper()
	var n int64
	err := db.Read(context.Background(), func(c *sql.Conn) error { return c.QueryRowContext(context.Background(), q).Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoadRejectsBadRowsWhole(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	good := writeFile(t, "good.csv", "id,name,amount\n1,alice,10.5\n2,bob,20\n3,\"robert'); DROP TABLE people;--\",1\n")
	st, err := db.Load(ctx, LoadOptions{Table: "people", Path: good})
	if err != nil {
		t.Fatalf("load good file: %v", err)
	}
	if st.Rows != 3 {
		t.Fatalf("rows = %d, want 3", st.Rows)
	}
	v0 := db.Version()

	bad := writeFile(t, "bad.csv", "id,name,amount\n4,carol,1\n5,dave,not-a-number\n6,erin\n7,frank,3\n")
	_, err = db.Load(ctx, LoadOptions{Table: "people", Path: bad})
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a LoadError", err)
	}
	lines := map[int64]bool{}
	for _, r := range le.Errors {
		lines[r.Line] = true
	}
	if le.Total != 2 || !lines[3] || !lines[4] {
		t.Fatalf("rejected lines %v (total %d), want lines 3 and 4", le.Errors, le.Total)
	}
	if n := count(t, db, "SELECT count(*) FROM people"); n != 3 {
		t.Fatalf("after a rejected load the table has %d rows, want the original 3", n)
	}
	if n := count(t, db, "SELECT count(*) FROM people WHERE name LIKE '%DROP TABLE%'"); n != 1 {
		t.Fatalf("an injection string in a cell must be stored as data; found %d", n)
	}
	if db.Version() != v0 {
		t.Fatalf("a failed load changed the data version")
	}

	more := writeFile(t, "more.csv", "id,name,amount\n8,gina,2\n")
	if _, err := db.Load(ctx, LoadOptions{Table: "people", Path: more, Append: true}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT count(*) FROM people"); n != 4 {
		t.Fatalf("after append: %d rows, want 4", n)
	}
	if db.Version() == v0 {
		t.Fatalf("a load must change the data version")
	}
}

func TestLoadRejectsBadTableNames(t *testing.T) {
	db := mustOpen(t)
	p := writeFile(t, "x.csv", "a\n1\n")
	for _, name := range []string{"", "x; DROP TABLE y", "beacon_meta", "a-b", "1abc", `"q"`} {
		if _, err := db.Load(context.Background(), LoadOptions{Table: name, Path: p}); err == nil {
			t.Errorf("table name %q was accepted", name)
		}
	}
}

func TestReloadMatchesColumnsByName(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	first := writeFile(t, "a.csv", "id,amount\n1,2.5\n")
	if _, err := db.Load(ctx, LoadOptions{Table: "t", Path: first}); err != nil {
		t.Fatal(err)
	}
	// Columns in another order, and a new one: loads, keeping amount numeric.
	reordered := writeFile(t, "b.csv", "amount,id,note\n3.5,2,hi\n")
	if _, err := db.Load(ctx, LoadOptions{Table: "t", Path: reordered}); err != nil {
		t.Fatalf("reordered header: %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM t WHERE amount = 3.5 AND id = 2 AND note = 'hi'"); n != 1 {
		t.Fatalf("reloaded row not found")
	}
	// A value that does not fit the existing type is a bad row, not a widened column.
	bad := writeFile(t, "c.csv", "id,amount\n3,lots\n")
	var le *LoadError
	if _, err := db.Load(ctx, LoadOptions{Table: "t", Path: bad}); !errors.As(err, &le) || le.Errors[0].Line != 2 {
		t.Fatalf("got %v, want line 2 rejected", err)
	}
}
