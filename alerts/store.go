package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/warehouse"
)

// tables are the alert state tables, in Beacon's own DuckDB file beside
// the data; each statement runs at every start and is idempotent.
var tables = []string{
	// rules and subscriptions, as JSON specs; kind is "rule" or "subscription".
	`CREATE TABLE IF NOT EXISTS alert_rules (id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, spec VARCHAR NOT NULL,
		origin VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL)`,
	// the next fire time of each rule, with the zone and cron it was computed from.
	`CREATE TABLE IF NOT EXISTS alert_schedule (id VARCHAR PRIMARY KEY, cron VARCHAR NOT NULL, time_zone VARCHAR NOT NULL,
		next_at TIMESTAMPTZ NOT NULL, last_at TIMESTAMPTZ)`,
	`CREATE TABLE IF NOT EXISTS alert_state (rule_id VARCHAR NOT NULL, group_key VARCHAR NOT NULL, state VARCHAR NOT NULL,
		breaches INTEGER NOT NULL, incident VARCHAR NOT NULL, since TIMESTAMPTZ, notified_at TIMESTAMPTZ,
		repeats INTEGER NOT NULL, value DOUBLE, PRIMARY KEY (rule_id, group_key))`,
	`CREATE TABLE IF NOT EXISTS alert_history (rule_id VARCHAR NOT NULL, group_key VARCHAR NOT NULL, happened_at TIMESTAMPTZ NOT NULL,
		state_from VARCHAR NOT NULL, state_to VARCHAR NOT NULL, incident VARCHAR NOT NULL, value DOUBLE, detail VARCHAR NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS alert_silences (id VARCHAR PRIMARY KEY, rule_id VARCHAR NOT NULL, channel VARCHAR NOT NULL,
		until_at TIMESTAMPTZ NOT NULL, reason VARCHAR NOT NULL, created_by VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL)`,
	`CREATE SEQUENCE IF NOT EXISTS alert_outbox_seq`,
	// one row per notice and channel; key is the idempotency key.
	`CREATE TABLE IF NOT EXISTS alert_outbox (key VARCHAR PRIMARY KEY, seq BIGINT NOT NULL DEFAULT nextval('alert_outbox_seq'),
		rule_id VARCHAR NOT NULL, group_key VARCHAR NOT NULL, incident VARCHAR NOT NULL, channel VARCHAR NOT NULL,
		recipients VARCHAR NOT NULL, kind VARCHAR NOT NULL, message VARCHAR NOT NULL, status VARCHAR NOT NULL,
		attempts INTEGER NOT NULL, next_try TIMESTAMPTZ NOT NULL, created_at TIMESTAMPTZ NOT NULL, done_at TIMESTAMPTZ)`,
	// every attempt: written as "sending" before the request, then its outcome.
	`CREATE TABLE IF NOT EXISTS alert_deliveries (key VARCHAR NOT NULL, rule_id VARCHAR NOT NULL, incident VARCHAR NOT NULL,
		channel VARCHAR NOT NULL, kind VARCHAR NOT NULL, attempt INTEGER NOT NULL, happened_at TIMESTAMPTZ NOT NULL, status VARCHAR NOT NULL,
		http_status INTEGER NOT NULL, answer VARCHAR NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS alert_lease (name VARCHAR PRIMARY KEY, holder VARCHAR NOT NULL, expires_at TIMESTAMPTZ NOT NULL)`,
}

// Store keeps rules, states, silences, the outbox and the delivery log in
// DuckDB. Writes go through the warehouse's single writer and leave the
// data version (and so the result cache) alone.
type Store struct {
	db *warehouse.DB
}

// OpenStore creates the state tables if they are missing.
func OpenStore(ctx context.Context, db *warehouse.DB) (*Store, error) {
	err := db.WriteState(ctx, func(tx *sql.Tx) error {
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create alert tables: %w", err)
	}
	return &Store{db: db}, nil
}

// read runs fn on a read-only connection.
func (s *Store) read(ctx context.Context, fn func(conn *sql.Conn) error) error {
	return s.db.Read(ctx, fn)
}

// write runs fn in one state transaction.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.db.WriteState(ctx, fn)
}

// Spec kinds.
const (
	kindRule         = "rule"
	kindSubscription = "subscription"
)

// putSpec saves a rule or subscription and its next fire time. A new
// rule is evaluated at once (its state is known from the start), a new
// subscription at its first scheduled time.
func putSpec(ctx context.Context, tx *sql.Tx, kind, id, origin string, spec any, sched Schedule, now time.Time) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	next, err := sched.Next(now)
	if err != nil {
		return err
	}
	first := next
	if kind == kindRule {
		first = now
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO alert_rules VALUES (?, ?, ?, ?, ?)`, id, kind, string(b), origin, now); err != nil {
		return fmt.Errorf("save %s %s: %w", kind, id, err)
	}
	// A changed schedule starts afresh; an unchanged one keeps its next time,
	// so that reloading the YAML at a restart neither skips a missed tick
	// nor adds one.
	_, err = tx.ExecContext(ctx, `INSERT INTO alert_schedule VALUES (?, ?, ?, ?, NULL)
		ON CONFLICT (id) DO UPDATE SET next_at = CASE WHEN alert_schedule.cron = excluded.cron AND alert_schedule.time_zone = excluded.time_zone
			THEN alert_schedule.next_at ELSE CAST(? AS TIMESTAMPTZ) END, cron = excluded.cron, time_zone = excluded.time_zone`,
		id, sched.Cron, sched.TimeZone, first, next)
	if err != nil {
		return fmt.Errorf("schedule %s %s: %w", kind, id, err)
	}
	return nil
}

// getSpec reads one spec's JSON; ENOTFOUND when it is absent.
func (s *Store) getSpec(ctx context.Context, kind, id string) ([]byte, error) {
	var spec string
	err := s.read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, `SELECT spec FROM alert_rules WHERE id = ? AND kind = ?`, id, kind).Scan(&spec)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, beacon.Errorf(beacon.ENOTFOUND, "no %s with id %q", kind, clip(id))
	}
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", kind, id, err)
	}
	return []byte(spec), nil
}

// specs reads every spec of a kind, by id.
func (s *Store) specs(ctx context.Context, kind string) ([][]byte, error) {
	var out [][]byte
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT spec FROM alert_rules WHERE kind = ? ORDER BY id`, kind)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var spec string
			if err := rows.Scan(&spec); err != nil {
				return err
			}
			out = append(out, []byte(spec))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", kind, err)
	}
	return out, nil
}

// deleteSpec removes a rule or subscription with its schedule, state and
// unsent notices, and ends its silences. Its history and delivery log stay
// for the audit, but under the id with "@deleted-" and the time appended,
// so that a later rule given the same id (another owner's, maybe) starts
// with an empty history and is not muted by the old rule's silences.
func deleteSpec(ctx context.Context, tx *sql.Tx, kind, id string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM alert_rules WHERE id = ? AND kind = ?`, id, kind)
	if err != nil {
		return fmt.Errorf("delete %s %s: %w", kind, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return beacon.Errorf(beacon.ENOTFOUND, "no %s with id %q", kind, clip(id))
	}
	for _, q := range []string{`DELETE FROM alert_schedule WHERE id = ?`, `DELETE FROM alert_state WHERE rule_id = ?`,
		`UPDATE alert_outbox SET status = 'dropped', done_at = now() WHERE rule_id = ? AND status = 'pending'`,
		`UPDATE alert_silences SET until_at = now() WHERE rule_id = ? AND until_at > now()`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return fmt.Errorf("delete %s %s: %w", kind, id, err)
		}
	}
	archived := id + "@deleted-" + time.Now().UTC().Format("20060102T150405.000000000Z")
	for _, q := range []string{`UPDATE alert_history SET rule_id = ? WHERE rule_id = ?`, `UPDATE alert_deliveries SET rule_id = ? WHERE rule_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, archived, id); err != nil {
			return fmt.Errorf("archive the history of %s %s: %w", kind, id, err)
		}
	}
	return nil
}

// due lists the ids whose next fire time has come.
func (s *Store) due(ctx context.Context, now time.Time) ([]string, error) {
	var ids []string
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT id FROM alert_schedule WHERE next_at <= ? ORDER BY next_at, id`, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list due rules: %w", err)
	}
	return ids, nil
}

// nextAt is a spec's stored next fire time.
func (s *Store) nextAt(ctx context.Context, id string) (time.Time, error) {
	var t time.Time
	err := s.read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, `SELECT next_at FROM alert_schedule WHERE id = ?`, id).Scan(&t)
	})
	return t, err
}
