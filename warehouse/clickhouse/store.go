// Package clickhouse is Beacon's store on ClickHouse: the metrics engine's
// reads, the tables the catalog is checked against, the free-SQL guard's
// parse and the loading of tables, over clickhouse-go's native protocol
// (the HTTP interface of ClickHouse 18.16 does not handshake with
// clickhouse-go v2). SQL for it comes from metrics.ClickHouse.
package clickhouse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// Store reads one ClickHouse database. It implements metrics.Store and
// metrics.Schema.
type Store struct {
	db       *sql.DB
	database string
	version  atomic.Uint64
	// parser is an in-memory DuckDB used only to parse free SQL for the
	// guard: the same checks as on the embedded engine.
	parser *warehouse.DB
	// Settings are those in force for the DSN's user (readonly,
	// join_use_nulls, max_execution_time, max_result_rows).
	Settings map[string]string
}

var (
	_ metrics.Store  = (*Store)(nil)
	_ metrics.Schema = (*Store)(nil)
)

// Open connects to the database the DSN names (clickhouse://user:password@
// host:9000/database?setting=value) and checks the settings the compiled
// SQL needs: join_use_nulls must be 1 in a read-only user's profile
// (readonly=1 cannot change it per query).
func Open(ctx context.Context, dsn string) (*Store, error) {
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse dsn: %w", err)
	}
	if opts.Protocol != ch.Native {
		return nil, fmt.Errorf("clickhouse dsn: use the native protocol (clickhouse://host:9000/db), not HTTP")
	}
	opts.DialTimeout = 5 * time.Second
	if opts.Auth.Database == "" {
		opts.Auth.Database = "default"
	}
	db := ch.OpenDB(opts)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(8)
	db.SetConnMaxLifetime(time.Hour)
	s := &Store{db: db, database: opts.Auth.Database, Settings: map[string]string{}}
	s.version.Store(uint64(time.Now().UnixNano()))
	if err := s.readSettings(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// Compiled statements end with SETTINGS join_use_nulls = 1, which a
	// read-only user (readonly=1) may send only when it is already so.
	if s.Settings["readonly"] == "1" && s.Settings["join_use_nulls"] != "1" {
		db.Close()
		return nil, fmt.Errorf("clickhouse: this user is read-only (readonly=1) with join_use_nulls %q; set join_use_nulls to 1 in its profile (users.xml): outer joins must give NULL, not 0 or '', where a side has no row", s.Settings["join_use_nulls"])
	}
	parser, err := warehouse.Open(ctx, ":memory:", warehouse.Options{Threads: 1})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sql parser: %w", err)
	}
	s.parser = parser
	return s, nil
}

func (s *Store) readSettings(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "SELECT name, value FROM system.settings WHERE name IN ('readonly', 'join_use_nulls', 'max_execution_time', 'max_result_rows', 'result_overflow_mode')")
	if err != nil {
		return fmt.Errorf("clickhouse: connect: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return fmt.Errorf("clickhouse: settings: %w", err)
		}
		s.Settings[k] = v
	}
	return rows.Err()
}

// Close closes the connections.
func (s *Store) Close() error {
	if s.parser != nil {
		s.parser.Close()
	}
	return s.db.Close()
}

// DB is the connection pool, for loading.
func (s *Store) DB() *sql.DB { return s.db }

// Database is the database the store reads.
func (s *Store) Database() string { return s.database }

// Dialect is the SQL dialect of the store, for the metrics engine.
func (s *Store) Dialect() metrics.Dialect { return metrics.ClickHouse{} }

// Read implements metrics.Reader on one pooled connection.
func (s *Store) Read(ctx context.Context, fn func(conn *sql.Conn) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("clickhouse connection: %w", err)
	}
	defer conn.Close()
	return s.limitError(fn(conn))
}

// ClickHouse's codes for a statement stopped at a per-query limit of the
// user's profile: max_execution_time (TIMEOUT_EXCEEDED, TOO_SLOW) and
// max_result_rows or max_result_bytes with result_overflow_mode=throw
// (TOO_MANY_ROWS, TOO_MANY_ROWS_OR_BYTES, by server version).
var (
	timeLimitCodes = []int32{159, 160}
	rowLimitCodes  = []int32{158, 396}
)

// limitError explains a statement ClickHouse stopped at the read-only
// user's per-query limits: the statement asks for too much, so it is a
// 413 naming the limit (as DuckDB's memory limit is), not an internal
// error. A shard's refusal reaches Beacon through the server it asked,
// with the same code.
func (s *Store) limitError(err error) error {
	var ex *ch.Exception
	if err == nil || !errors.As(err, &ex) {
		return err
	}
	switch {
	case slices.Contains(timeLimitCodes, ex.Code):
		return &beacon.Error{Code: beacon.ETOOLARGE, Err: err, Message: fmt.Sprintf(
			"the statement needs more time than ClickHouse allows Beacon per query (max_execution_time %s s): ask for less (a shorter range, fewer dimensions, a tighter filter)", s.setting("max_execution_time"))}
	case slices.Contains(rowLimitCodes, ex.Code):
		return &beacon.Error{Code: beacon.ETOOLARGE, Err: err, Message: fmt.Sprintf(
			"the statement reads or returns more rows than ClickHouse allows Beacon per query (max_result_rows %s): ask for fewer rows (a limit, a tighter filter, an aggregate)", s.setting("max_result_rows"))}
	}
	return err
}

// setting is a setting of the user's profile as read at Open ("?" when
// unknown).
func (s *Store) setting(name string) string {
	if v, ok := s.Settings[name]; ok && v != "" {
		return v
	}
	return "?"
}

// Version implements metrics.Reader. It changes when this process loads
// data (Touch); a load by another process is seen after a restart.
func (s *Store) Version() uint64 { return s.version.Load() }

// Touch marks the data changed, so cached results are not served.
func (s *Store) Touch() { s.version.Add(1) }

// Tables implements metrics.Store: the database's tables and their
// columns, with ClickHouse's types named as DuckDB names them, which is
// what the catalog reads.
func (s *Store) Tables(ctx context.Context) (map[string][]warehouse.Column, error) {
	out := map[string][]warehouse.Column{}
	err := s.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, "SELECT table, name, type FROM system.columns WHERE database = $1", s.database)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t, c, typ string
			if err := rows.Scan(&t, &c, &typ); err != nil {
				return err
			}
			out[t] = append(out[t], warehouse.Column{Name: c, Type: metrics.ClickHouseTypeName(typ)})
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse tables: %w", err)
	}
	return out, nil
}

// CheckExpr implements metrics.Schema: ClickHouse binds expr over table
// and names the type of its value.
func (s *Store) CheckExpr(ctx context.Context, table, expr string) (string, error) {
	if strings.Contains(expr, ";") {
		return "", fmt.Errorf("an expression cannot contain ';'")
	}
	// The catalog checks a filter as CAST((filter) AS BOOLEAN); ClickHouse
	// 18.16 has no BOOLEAN type, and a condition is a UInt8 there.
	if inner, ok := strings.CutPrefix(expr, "CAST("); ok && strings.HasSuffix(inner, " AS BOOLEAN)") {
		expr = "toUInt8(" + strings.TrimSuffix(inner, " AS BOOLEAN)") + ")"
	}
	var typ string
	err := s.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, "SELECT ("+expr+") AS beacon_expr FROM "+metrics.ClickHouse{}.Quote(table)+" LIMIT 0")
		if err != nil {
			return err
		}
		defer rows.Close()
		types, err := rows.ColumnTypes()
		if err != nil {
			return err
		}
		if len(types) > 0 {
			typ = metrics.ClickHouseTypeName(types[0].DatabaseTypeName())
		}
		return rows.Err()
	})
	return typ, err
}

// unsafeSQL is text that DuckDB's parser and ClickHouse's read differently
// (backslash escapes in strings, nested comments, dollar quoting): a
// statement holding any is refused, so the statement the guard checked
// with DuckDB's parser is the one ClickHouse runs.
var unsafeSQL = []string{`\`, "/*", "$"}

// ParseSQL implements metrics.Store with DuckDB's parser, so that the
// free-SQL guard applies the same checks as on the embedded engine. The
// statement's own text rides along for DeparseSQL: what runs on ClickHouse
// is what was checked, in ClickHouse's own syntax (a DuckDB deparse is not
// ClickHouse SQL). The server's read-only user (readonly=1) is the second
// fence.
func (s *Store) ParseSQL(ctx context.Context, query string) ([]byte, error) {
	for _, u := range unsafeSQL {
		if strings.Contains(query, u) {
			return json.Marshal(map[string]any{"error": true, "error_type": "parser", "error_message": fmt.Sprintf("%q is not allowed in statements run on ClickHouse", u)})
		}
	}
	raw, err := s.parser.ParseSQL(ctx, query)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, fmt.Errorf("parse sql: %w", err)
	}
	tree["beacon_text"] = query
	return json.Marshal(tree)
}

// DeparseSQL implements metrics.Store: the text that was parsed.
func (s *Store) DeparseSQL(_ context.Context, parsed []byte) (string, error) {
	var tree struct {
		Text *string `json:"beacon_text"`
	}
	if err := json.Unmarshal(parsed, &tree); err != nil || tree.Text == nil {
		return "", errors.New("deparse sql: not a parse from this store")
	}
	return *tree.Text, nil
}
