package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// migrations create Beacon's own state tables, in order; each runs once.
var migrations = []string{
	`CREATE TABLE IF NOT EXISTS beacon_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`,
}

func (db *DB) migrate(ctx context.Context) error {
	for i, m := range migrations {
		if _, err := db.write.ExecContext(ctx, m); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// SetMeta records a key in beacon_meta within tx (e.g. the generator's seed and as-of date).
func SetMeta(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO beacon_meta VALUES (?, ?)`, key, value)
	if err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	return nil
}

// Meta reads a key from beacon_meta; ok is false when it is absent.
func (db *DB) Meta(ctx context.Context, key string) (value string, ok bool, err error) {
	err = db.Read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, `SELECT value FROM beacon_meta WHERE key = ?`, key).Scan(&value)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read meta %s: %w", key, err)
	}
	return value, true, nil
}

// Column is one column of a table as DuckDB describes it.
type Column struct {
	Name string
	Type string // DuckDB type name, e.g. VARCHAR, DATE, DOUBLE, BIGINT
}

// Tables lists the user tables and their columns, which the semantic model
// is validated against.
func (db *DB) Tables(ctx context.Context) (map[string][]Column, error) {
	tables := map[string][]Column{}
	err := db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT table_name, column_name, data_type
			FROM information_schema.columns WHERE table_schema = 'main' AND table_catalog = current_database()
			ORDER BY table_name, ordinal_position`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			var c Column
			if err := rows.Scan(&t, &c.Name, &c.Type); err != nil {
				return err
			}
			tables[t] = append(tables[t], c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return tables, nil
}

// CheckExpr binds a SQL expression over a table without running it, so a
// model's column references and types are checked by DuckDB itself; it
// returns the expression's type.
func (db *DB) CheckExpr(ctx context.Context, table, expr string) (string, error) {
	if strings.Contains(expr, ";") {
		return "", fmt.Errorf("an expression cannot contain ';'")
	}
	var typ string
	err := db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, "SELECT "+expr+" FROM "+QuoteIdent(table)+" LIMIT 0")
		if err != nil {
			return err
		}
		defer rows.Close()
		types, err := rows.ColumnTypes()
		if err != nil {
			return err
		}
		if len(types) > 0 {
			typ = types[0].DatabaseTypeName()
		}
		return rows.Err()
	})
	return typ, err
}

// QuoteIdent quotes a SQL identifier for DuckDB.
func QuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// ParseSQL returns DuckDB's own parse of sql as JSON (json_serialize_sql),
// which succeeds only for SELECT statements.
func (db *DB) ParseSQL(ctx context.Context, query string) ([]byte, error) {
	var out string
	err := db.Read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(CAST($1 AS VARCHAR)) AS VARCHAR)", query).Scan(&out)
	})
	if err != nil {
		return nil, fmt.Errorf("parse sql: %w", err)
	}
	return []byte(out), nil
}

// Lockdown turns off DuckDB's access to files outside uploadDir and locks
// the configuration, so no query can read the host's files or undo it.
func (db *DB) Lockdown(ctx context.Context, uploadDir string) error {
	stmts := []string{
		"SET allowed_directories = [" + sqlString(uploadDir) + "]",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	}
	for _, s := range stmts {
		if _, err := db.write.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("lock down duckdb (%s): %w", s, err)
		}
	}
	return nil
}
