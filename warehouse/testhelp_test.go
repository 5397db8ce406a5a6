package warehouse

import (
	"context"
	"testing"
)

// mustOpenDB opens an in-memory database that is closed when tb ends.
func mustOpenDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), "", Options{})
	if err != nil {
		tb.Fatalf("open in-memory database: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close database: %v", err)
		}
	})
	return db
}
