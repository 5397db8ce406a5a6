package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// WriteState runs fn inside one transaction on the single writer
// connection, like Write, but leaves the data version alone: Beacon's own
// state (alert states, the outbox, the delivery log) is not data that
// cached query results depend on, and writing it every minute must not
// empty the result cache.
func (db *DB) WriteState(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin state write: %w", err)
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit state write: %w", err)
	}
	return nil
}
