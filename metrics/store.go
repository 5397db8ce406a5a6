package metrics

import (
	"context"
	"database/sql"

	"github.com/beaconbi/beacon/warehouse"
)

// Reader runs statements on a read connection of the warehouse; it is
// what loading dimension values and data extents needs.
type Reader interface {
	Read(ctx context.Context, fn func(conn *sql.Conn) error) error
	// Version changes whenever the data does.
	Version() uint64
}

// Store is the warehouse an Engine answers from: reads, the data version
// the cache is keyed by, its tables, and the parser of the free-SQL guard.
// *warehouse.DB implements it; another engine implements it in its own
// package, next to its Dialect.
type Store interface {
	Reader
	Tables(ctx context.Context) (map[string][]warehouse.Column, error)
	ParseSQL(ctx context.Context, query string) ([]byte, error)
	DeparseSQL(ctx context.Context, parsed []byte) (string, error)
}

var _ Store = (*warehouse.DB)(nil)

// SelectReader is a Store that runs one compiled SELECT more cheaply than
// through Read: *warehouse.DB skips the read-only transaction once the
// statement is kept and checked (warehouse.DB.ReadSelect).
type SelectReader interface {
	ReadSelect(ctx context.Context, query string, args []any, fn func(rows *sql.Rows) error) error
}

var _ SelectReader = (*warehouse.DB)(nil)

// readSelect runs query, one compiled SELECT, on db and hands its rows to
// fn: through db's ReadSelect where it has one, else inside Read with
// the statement kept prepared.
func readSelect(ctx context.Context, db Reader, query string, args []any, fn func(rows *sql.Rows) error) error {
	if sr, ok := db.(SelectReader); ok {
		return sr.ReadSelect(ctx, query, args, fn)
	}
	return db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(warehouse.Prepared(ctx), query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := fn(rows); err != nil {
			return err
		}
		return rows.Close()
	})
}
