package alerts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// leaseName is the one lease: who may evaluate and send.
const leaseName = "scheduler"

// acquire takes or renews the lease for holder until now+ttl. It
// succeeds when the lease is free, expired or already the holder's, or
// with force (a process that has just opened the database alone).
func (s *Store) acquire(ctx context.Context, holder string, now time.Time, ttl time.Duration, force bool) (bool, error) {
	got := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		var cur string
		var expires time.Time
		err := tx.QueryRowContext(ctx, `SELECT holder, expires_at FROM alert_lease WHERE name = ?`, leaseName).Scan(&cur, &expires)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		free := errors.Is(err, sql.ErrNoRows) || !expires.After(now) || cur == holder
		if !free && !force {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO alert_lease VALUES (?, ?, ?)`, leaseName, holder, now.Add(ttl)); err != nil {
			return err
		}
		got = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("alert lease: %w", err)
	}
	return got, nil
}

// Release gives up the lease at a clean shutdown, so that a successor
// need not wait for it to expire.
func (sc *Scheduler) Release(ctx context.Context) error {
	return sc.store.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM alert_lease WHERE name = ? AND holder = ?`, leaseName, sc.cfg.Holder)
		return err
	})
}
