// Package warehouse owns Beacon's DuckDB database: the read-only query pool,
// the single writer, data loading, the demo-bank generator and the data
// version that invalidates cached results.
package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// DB is one DuckDB database file opened by Beacon. Reads go through a pool of
// connections, each query inside a read-only transaction; writes go through a
// single writer connection so that loads never interleave.
type DB struct {
	path      string
	connector *duckdb.Connector
	read      *sql.DB
	write     *sql.DB
	writeMu   sync.Mutex
	version   atomic.Uint64
	// tables holds each table's data version (append.go).
	tables tableState

	// health is one connection of its own for Ping, so that readiness does
	// not wait behind a busy read pool.
	health *sql.DB
}

// Options tune how a database is opened.
type Options struct {
	// Threads caps DuckDB's worker threads; 0 means one per CPU.
	Threads int
	// MemoryLimit is DuckDB's memory_limit setting, e.g. "4GB"; empty keeps DuckDB's default.
	MemoryLimit string
	// ReadConns is the size of the read pool; 0 means 2 per CPU.
	ReadConns int
	// TempDir is where DuckDB spills what does not fit in MemoryLimit;
	// empty means a folder beside the database file (none in memory).
	TempDir string
	// MaxTempSize caps what DuckDB may spill to TempDir, e.g. "4GB"; empty
	// keeps DuckDB's default (90% of the free disk).
	MaxTempSize string
}

// allocatorFlush is the peak a DuckDB task may allocate before its
// allocator hands freed memory back to the system: low, so that a large
// query does not leave gigabytes resident after it ends.
const allocatorFlush = "64MB"

// Open opens (or creates) the DuckDB file at path. An empty path or ":memory:"
// opens an in-memory database, which tests use.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == ":memory:" {
		path = ""
	}
	connector, err := duckdb.NewConnector(path, nil)
	if err != nil {
		return nil, fmt.Errorf("open duckdb %q: %w", path, err)
	}
	db := &DB{path: path, connector: connector}
	db.read = sql.OpenDB(stmtConnector{Connector: connector, db: db})
	db.write = sql.OpenDB(connector)
	db.write.SetMaxOpenConns(1)
	db.health = sql.OpenDB(connector)
	db.health.SetMaxOpenConns(1)
	readConns := opts.ReadConns
	if readConns <= 0 {
		readConns = 2 * runtime.NumCPU()
	}
	db.read.SetMaxOpenConns(readConns)
	db.read.SetMaxIdleConns(readConns)

	settings, err := duckdbSettings(path, opts)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	for _, s := range settings {
		if _, err := db.write.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, fmt.Errorf("configure duckdb (%s): %w", s, err)
		}
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// duckdbSettings are the SET statements that bound DuckDB's resources:
// worker threads, memory, where and how much it may spill, and how soon it
// gives freed memory back. They are database-wide, so they hold for every
// statement on every connection, and Lockdown freezes them afterwards.
func duckdbSettings(path string, opts Options) ([]string, error) {
	var settings []string
	if opts.Threads > 0 {
		settings = append(settings, fmt.Sprintf("SET threads = %d", opts.Threads))
	}
	for _, s := range []struct{ name, value string }{{"memory_limit", opts.MemoryLimit}, {"max_temp_directory_size", opts.MaxTempSize}} {
		if s.value == "" {
			continue
		}
		if _, err := ParseSize(s.value); err != nil {
			return nil, fmt.Errorf("%s: %w", strings.ReplaceAll(s.name, "_", " "), err)
		}
		settings = append(settings, fmt.Sprintf("SET %s = %s", s.name, sqlString(s.value)))
	}
	temp := opts.TempDir
	if temp == "" && path != "" {
		temp = path + ".tmp"
	}
	if temp != "" {
		settings = append(settings, "SET temp_directory = "+sqlString(temp))
	}
	return append(settings,
		"SET allocator_flush_threshold = '"+allocatorFlush+"'",
		"SET allocator_background_threads = true"), nil
}

// ParseSize reads a size such as 512MB, 4GB or 1.5GiB into bytes.
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	num := strings.TrimRight(t, "KMGTIB ")
	unit := strings.TrimSpace(t[len(num):])
	mult := map[string]float64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}[unit]
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || f <= 0 || f*mult > 1<<62 {
		return 0, fmt.Errorf("%q is not a size such as 512MB or 4GB", s)
	}
	return int64(f * mult), nil
}

// Path is the database file, empty for an in-memory database.
func (db *DB) Path() string { return db.path }

// Close closes the pools and the database, which releases the file's lock.
// It waits for statements still running: cancel their contexts first
// (DuckDB interrupts them) for a quick close.
func (db *DB) Close() error {
	var errs []error
	for _, p := range []*sql.DB{db.read, db.write, db.health} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	if db.connector != nil {
		errs = append(errs, db.connector.Close())
	}
	return errors.Join(errs...)
}

// Version is the data version: it changes whenever data is loaded or
// regenerated, so that cached results keyed by it are dropped.
func (db *DB) Version() uint64 { return db.version.Load() }

// Ping checks that the database answers, on a connection of its own: a
// read pool busy with long queries does not make it fail.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.health.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Read runs fn on a pooled connection inside a read-only transaction, so that
// nothing fn executes can change data. Cancelling ctx interrupts DuckDB.
func (db *DB) Read(ctx context.Context, fn func(conn *sql.Conn) error) error {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("read connection: %w", err)
	}
	defer conn.Close()
	return readOnly(ctx, conn, fn)
}

// The statements of the read-only transaction around a read, the same on
// every read: kept prepared.
const (
	beginReadOnly = "BEGIN TRANSACTION READ ONLY"
	endReadOnly   = "ROLLBACK"
)

// readOnly runs fn on conn inside a read-only transaction.
func readOnly(ctx context.Context, conn *sql.Conn, fn func(conn *sql.Conn) error) error {
	if _, err := conn.ExecContext(Prepared(ctx), beginReadOnly); err != nil {
		return fmt.Errorf("begin read-only transaction: %w", err)
	}
	err := fn(conn)
	// A cancelled ctx must not stop the rollback that returns the connection clean.
	if _, rbErr := conn.ExecContext(Prepared(context.WithoutCancel(ctx)), endReadOnly); rbErr != nil && err == nil {
		err = fmt.Errorf("end read-only transaction: %w", rbErr)
	}
	return err
}

// ReadSelect runs query, one compiled SELECT, kept prepared on a pooled
// read connection (see Prepared), and hands its rows to fn.
//
// The first run on a connection prepares it inside a read-only
// transaction, as Read does, and checks that what was kept is a SELECT.
// Later runs of that kept statement skip the transaction's BEGIN and
// ROLLBACK (two round trips into DuckDB, a fifth of a small answer's
// time): a SELECT cannot change data, and a single statement in
// autocommit is its own transaction, so it reads one committed snapshot
// as it would inside the transaction; a load, an append or a rollup
// rebuild that commits meanwhile is seen whole or not at all. Nothing
// here reads the data version inside the snapshot: callers read it
// before and after (the result cache does), as they did around Read.
func (db *DB) ReadSelect(ctx context.Context, query string, args []any, fn func(rows *sql.Rows) error) error {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return fmt.Errorf("read connection: %w", err)
	}
	defer conn.Close()
	run := func(ctx context.Context) error {
		rows, err := conn.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := fn(rows); err != nil {
			return err
		}
		return rows.Close()
	}
	if err := run(autocommit(ctx)); !errors.Is(err, errNotKept) {
		return err
	}
	return readOnly(ctx, conn, func(*sql.Conn) error { return run(Prepared(ctx)) })
}

// DeparseSQL turns a parse from ParseSQL back into SQL text
// (json_deserialize_sql).
func (db *DB) DeparseSQL(ctx context.Context, parsed []byte) (string, error) {
	var out string
	err := db.Read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, "SELECT json_deserialize_sql(CAST($1 AS JSON))", string(parsed)).Scan(&out)
	})
	if err != nil {
		return "", fmt.Errorf("deparse sql: %w", err)
	}
	return out, nil
}

// Write runs fn inside one transaction on the single writer connection: it
// commits if fn returns nil and rolls back otherwise, and bumps the data
// version after a commit.
func (db *DB) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.writeTables(ctx, nil, fn)
}
