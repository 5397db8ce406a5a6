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
