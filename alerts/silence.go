package alerts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beaconbi/beacon"
)

// Silence mutes a rule, a channel, or one channel of one rule until a time.
// Notices held by it are sent when it ends, if their alert still fires.
type Silence struct {
	ID string `json:"id"`
	// Rule and Channel: at least one is set; both means that rule on that channel.
	Rule      string    `json:"rule,omitempty"`
	Channel   string    `json:"channel,omitempty"`
	Until     time.Time `json:"until"`
	Reason    string    `json:"reason,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// maxSilence bounds how far ahead a silence may reach.
const maxSilence = 366 * 24 * time.Hour

func (sl *Silence) validate(now time.Time, channels []string) error {
	if sl.Rule == "" && sl.Channel == "" {
		return invalidf("rule", "a silence names a rule, a channel, or both")
	}
	if sl.Rule != "" && !validID(sl.Rule) {
		return invalidf("rule", "%q is not a rule id", clip(sl.Rule))
	}
	if sl.Channel != "" && !containsString(channels, sl.Channel) {
		return beacon.Invalid("channel", channels, "no channel named %q is configured", clip(sl.Channel))
	}
	if sl.Until.IsZero() {
		return invalidf("until", "give the end of the silence as an RFC 3339 time, e.g. 2026-12-01T09:00:00+08:00")
	}
	if !sl.Until.After(now) {
		return invalidf("until", "the silence would end at %s, which has passed", sl.Until.Format(time.RFC3339))
	}
	if sl.Until.Sub(now) > maxSilence {
		return invalidf("until", "a silence may last at most a year")
	}
	if len([]rune(sl.Reason)) > 500 || strings.ContainsRune(sl.Reason, 0) {
		return invalidf("reason", "the reason is at most 500 characters")
	}
	return nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// AddSilence stores a silence.
func (s *Store) AddSilence(ctx context.Context, sl Silence) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO alert_silences VALUES (?, ?, ?, ?, ?, ?, ?)`,
			sl.ID, sl.Rule, sl.Channel, sl.Until, sl.Reason, sl.CreatedBy, sl.CreatedAt)
		if err != nil {
			return fmt.Errorf("save silence: %w", err)
		}
		return nil
	})
}

// DeleteSilence ends a silence now: notices it held are sent at the next delivery.
func (s *Store) DeleteSilence(ctx context.Context, id string, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		var rule, channel string
		err := tx.QueryRowContext(ctx, `SELECT rule_id, channel FROM alert_silences WHERE id = ?`, id).Scan(&rule, &channel)
		if err == sql.ErrNoRows {
			return beacon.Errorf(beacon.ENOTFOUND, "no silence with id %q", clip(id))
		}
		if err != nil {
			return fmt.Errorf("delete silence: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM alert_silences WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete silence: %w", err)
		}
		// Held notices wait until the silence's end: release them now.
		_, err = tx.ExecContext(ctx, `UPDATE alert_outbox SET next_try = ? WHERE status = 'pending' AND next_try > ?
			AND (? = '' OR rule_id = ?) AND (? = '' OR channel = ?)`, now, now, rule, rule, channel, channel)
		return err
	})
}

// Silences lists the silences that have not ended.
func (s *Store) Silences(ctx context.Context, now time.Time) ([]Silence, error) {
	var out []Silence
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT id, rule_id, channel, until_at, reason, created_by, created_at
			FROM alert_silences WHERE until_at > ? ORDER BY until_at, id`, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sl Silence
			if err := rows.Scan(&sl.ID, &sl.Rule, &sl.Channel, &sl.Until, &sl.Reason, &sl.CreatedBy, &sl.CreatedAt); err != nil {
				return err
			}
			out = append(out, sl)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list silences: %w", err)
	}
	return out, nil
}

// Silence reads one stored silence, ended or not.
func (s *Store) Silence(ctx context.Context, id string) (*Silence, error) {
	var sl Silence
	err := s.read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, `SELECT id, rule_id, channel, until_at, reason, created_by, created_at
			FROM alert_silences WHERE id = ?`, id).Scan(&sl.ID, &sl.Rule, &sl.Channel, &sl.Until, &sl.Reason, &sl.CreatedBy, &sl.CreatedAt)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, beacon.Errorf(beacon.ENOTFOUND, "no silence with id %q", clip(id))
	}
	if err != nil {
		return nil, fmt.Errorf("read silence %s: %w", clip(id), err)
	}
	return &sl, nil
}

// mutedUntil is when the last silence covering rule on channel ends, or
// the zero time when none does.
func mutedUntil(silences []Silence, rule, channel string, now time.Time) time.Time {
	var until time.Time
	for _, sl := range silences {
		if (sl.Rule == "" || sl.Rule == rule) && (sl.Channel == "" || sl.Channel == channel) && sl.Until.After(now) && sl.Until.After(until) {
			until = sl.Until
		}
	}
	return until
}
