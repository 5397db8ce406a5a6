package warehouse

import (
	"context"
	"database/sql"
	"fmt"
)

// Rows runs one read-only statement and returns its rows as scanned, for
// reference answers written as hand SQL (question sets and tests).
func (db *DB) Rows(ctx context.Context, query string) ([][]any, error) {
	var out [][]any
	err := db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		for rows.Next() {
			row := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range row {
				ptrs[i] = &row[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			out = append(out, row)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("hand SQL: %w", err)
	}
	return out, nil
}
