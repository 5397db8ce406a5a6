// Package warehousetest opens real DuckDB databases for tests: empty ones
// and small demo banks with a fixed as-of date.
package warehousetest

import (
	"context"
	"database/sql"
	"math/big"
	"testing"
	"time"

	"github.com/beaconbi/beacon/warehouse"
)

// AsOf is the last day of every test bank's history.
var AsOf = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// Now is "now" for tests over a test bank: noon of AsOf in Shanghai.
func Now() time.Time {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return time.Date(AsOf.Year(), AsOf.Month(), AsOf.Day(), 12, 0, 0, 0, loc)
}

// MustOpen opens an empty in-memory database, closed when the test ends.
func MustOpen(tb testing.TB) *warehouse.DB {
	tb.Helper()
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{})
	if err != nil {
		tb.Fatalf("open warehouse: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// OpenDemo opens an in-memory database holding a demo bank of the given
// size, as of AsOf, with seed 7. The caller closes it.
func OpenDemo(customers, months int) (*warehouse.DB, error) {
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		return nil, err
	}
	_, err = warehouse.Generate(ctx, db, warehouse.GenerateOptions{Customers: customers, Months: months, Seed: 7, AsOf: AsOf, Transactions: true})
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Rows runs hand-written SQL on db and returns its rows with numbers as
// float64 and dates as YYYY-MM-DD, the shapes metric results use.
func Rows(tb testing.TB, db *warehouse.DB, query string, args ...any) [][]any {
	tb.Helper()
	var out [][]any
	ctx := context.Background()
	err := db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for i, v := range vals {
				vals[i] = Normalize(v)
			}
			out = append(out, vals)
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatalf("hand SQL failed: %v\n%s", err, query)
	}
	return out
}

// Normalize turns a scanned or decoded value into float64 for numbers and
// YYYY-MM-DD for dates, so that results from different paths compare.
func Normalize(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case float32:
		return float64(x)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case time.Time:
		return x.Format("2006-01-02")
	}
	return v
}
