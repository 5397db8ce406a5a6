package warehouse_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/beaconbi/beacon/warehouse"
)

func TestParseSize(t *testing.T) {
	good := map[string]int64{"512MB": 512e6, "4GB": 4e9, "1.5GiB": 3 << 29, "64 kb": 64e3, "100": 100, "2TiB": 2 << 40}
	for in, want := range good {
		if got, err := warehouse.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GB", "-1GB", "4XB", "4GB'; SET x=1", "1e30GB", "0"} {
		if _, err := warehouse.ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

// A statement larger than DuckDB's memory limit spills to the temporary
// folder beside the database file, and still does so once the
// configuration is locked down, instead of failing or growing.
func TestLargeStatementsSpillUnderTheMemoryLimit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "spill.duckdb")
	db, err := warehouse.Open(ctx, path, warehouse.Options{MemoryLimit: "256MB", MaxTempSize: "2GB", Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE big AS SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(6000000) t(i)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Lockdown(ctx, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	var settings struct{ mem, temp string }
	var distinct, sum int64
	err = db.Read(ctx, func(conn *sql.Conn) error {
		if err := conn.QueryRowContext(ctx, "SELECT current_setting('memory_limit'), current_setting('temp_directory')").Scan(&settings.mem, &settings.temp); err != nil {
			return err
		}
		// 6 million distinct 32-character keys need well over 256 MB.
		return conn.QueryRowContext(ctx, "SELECT count(*), sum(i) FROM (SELECT DISTINCT h, i FROM big)").Scan(&distinct, &sum)
	})
	if err != nil {
		t.Fatalf("a statement over the memory limit should spill: %v", err)
	}
	if settings.temp != path+".tmp" {
		t.Errorf("temp_directory %q, want %q beside the database", settings.temp, path+".tmp")
	}
	if distinct != 6_000_000 || sum != 5999999*6000000/2 {
		t.Errorf("distinct %d, sum %d; want 6000000 and %d", distinct, sum, int64(5999999*6000000/2))
	}
	if _, err := os.Stat(path + ".tmp"); err != nil {
		t.Errorf("the spill folder should exist beside the database: %v", err)
	}
	t.Logf("memory_limit %s, temp_directory %s", settings.mem, settings.temp)
}
