package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/beaconbi/beacon/notify"
)

// Channels gives the notifier of a configured channel for a rule's
// recipients on it.
type Channels interface {
	// Names lists the configured channels.
	Names() []string
	// Notifier returns the channel's sender addressing recipients.
	Notifier(name string, recipients []string) (notify.Notifier, error)
}

// Delivery is one attempt in the delivery log.
type Delivery struct {
	Key        string    `json:"key"`
	Rule       string    `json:"rule"`
	Incident   string    `json:"incident"`
	Channel    string    `json:"channel"`
	Kind       string    `json:"kind"`
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	Status     string    `json:"status"`
	HTTPStatus int       `json:"http_status,omitempty"`
	Answer     string    `json:"answer,omitempty"`
}

// Delivery statuses of the log; "sending" left behind by a crash is read
// back as "in_doubt": the request may or may not have reached the
// provider, and it is sent again with the same idempotency key.
const (
	delSending = "sending"
	delSent    = "sent"
	delRetry   = "retry"
	delFailed  = "failed"
	delHeld    = "held"
	delInDoubt = "in_doubt"
)

// item is one row of the outbox.
type item struct {
	Key, Rule, Group, Incident, Channel, Kind string
	Recipients                                []string
	Message                                   notify.Message
	Attempts                                  int
	NextTry                                   time.Time
}

// streamOf groups the notices that must reach a channel in order.
func (it *item) stream() string {
	return it.Rule + "\x00" + it.Group + "\x00" + it.Channel
}

// deliveryKey is the idempotency key of one notice on one channel.
func deliveryKey(rule, group, incident, notice, channel string) string {
	return strings.Join([]string{rule, group, incident, notice, channel}, "|")
}

// enqueue adds a notice for every channel of refs to the outbox within tx.
// A key already there is left alone: enqueueing is idempotent.
func enqueue(ctx context.Context, tx *sql.Tx, rule, group, incident, notice string, refs []ChannelRef, msg notify.Message, now time.Time) error {
	b := newTickWrites().outbox
	if err := addNotices(b, rule, group, incident, notice, refs, msg, now); err != nil {
		return err
	}
	return b.flush(ctx, tx)
}

// addNotices adds a notice's outbox rows, one per channel, to a batch.
func addNotices(b *rowBatch, rule, group, incident, notice string, refs []ChannelRef, msg notify.Message, now time.Time) error {
	for _, ref := range refs {
		m := msg
		m.Key = deliveryKey(rule, group, incident, notice, ref.Name)
		body, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode message: %w", err)
		}
		rc, _ := json.Marshal(ref.Recipients)
		b.add(m.Key, rule, group, incident, ref.Name, string(rc), notice, string(body), now, now)
	}
	return nil
}

// unsent counts a stream's notices of an incident still waiting.
func unsent(ctx context.Context, tx *sql.Tx, rule, group, incident, channel string) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alert_outbox WHERE rule_id = ? AND group_key = ? AND incident = ? AND channel = ? AND status = 'pending'`,
		rule, group, incident, channel).Scan(&n)
	return n, err
}

// dropUnsent gives up the waiting notices of an incident on a channel.
func dropUnsent(ctx context.Context, tx *sql.Tx, rule, group, incident, channel string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET status = 'dropped', done_at = ? WHERE rule_id = ? AND group_key = ? AND incident = ? AND channel = ? AND status = 'pending'`,
		now, rule, group, incident, channel)
	return err
}

// pending reads the outbox's waiting notices in the order they were queued.
func (s *Store) pending(ctx context.Context) ([]*item, error) {
	var out []*item
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT key, rule_id, group_key, incident, channel, recipients, kind, message, attempts, next_try
			FROM alert_outbox WHERE status = 'pending' ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it := &item{}
			var rc, msg string
			if err := rows.Scan(&it.Key, &it.Rule, &it.Group, &it.Incident, &it.Channel, &rc, &it.Kind, &msg, &it.Attempts, &it.NextTry); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(rc), &it.Recipients); err != nil {
				return fmt.Errorf("outbox %s recipients: %w", it.Key, err)
			}
			if err := json.Unmarshal([]byte(msg), &it.Message); err != nil {
				return fmt.Errorf("outbox %s message: %w", it.Key, err)
			}
			out = append(out, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// Retry policy of the outbox: exponential backoff with jitter, bounded.
const (
	maxAttempts = 8
	maxBackoff  = 10 * time.Minute
)

// backoff is the wait before attempt+1: base doubled per attempt, capped,
// with jitter, and never shorter than the provider asked.
func backoff(base time.Duration, attempt int, asked time.Duration) time.Duration {
	d := base << min(attempt-1, 16)
	d = min(d, maxBackoff)
	d = d/2 + rand.N(d/2+1) // jitter, so that a recovering provider is not hit at once by all
	return max(d, asked)
}

// deliver sends the outbox's due notices, each stream in order, and
// returns how many were delivered.
func (sc *Scheduler) deliver(ctx context.Context) (int, error) {
	items, err := sc.store.pending(ctx)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	now := sc.now()
	silences, err := sc.store.Silences(ctx, now)
	if err != nil {
		return 0, err
	}
	blocked := map[string]bool{}
	sent := 0
	for _, it := range items {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		if blocked[it.stream()] {
			continue
		}
		// Later notices of a stream wait for the earlier ones.
		blocked[it.stream()] = true
		if it.NextTry.After(now) {
			continue
		}
		if it.Kind != noticeTest {
			if until := mutedUntil(silences, it.Rule, it.Channel, now); !until.IsZero() {
				if err := sc.hold(ctx, it, until); err != nil {
					return sent, err
				}
				continue
			}
		}
		status, err := sc.attempt(ctx, it)
		if err != nil {
			return sent, err
		}
		if status == delSent {
			sent++
		}
		if status != delRetry {
			delete(blocked, it.stream())
		}
	}
	return sent, nil
}

// hold keeps a notice until a silence ends.
func (sc *Scheduler) hold(ctx context.Context, it *item, until time.Time) error {
	return sc.store.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET next_try = ? WHERE key = ?`, until, it.Key); err != nil {
			return fmt.Errorf("hold %s: %w", it.Key, err)
		}
		return logAttempt(ctx, tx, it, it.Attempts, sc.now(), delHeld, 0, "silenced until "+until.Format(time.RFC3339))
	})
}

// attempt makes one delivery attempt: it is logged as "sending" and
// committed before the request, then its outcome is recorded.
func (sc *Scheduler) attempt(ctx context.Context, it *item) (string, error) {
	n := it.Attempts + 1
	err := sc.store.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET attempts = ? WHERE key = ?`, n, it.Key); err != nil {
			return err
		}
		return logAttempt(ctx, tx, it, n, sc.now(), delSending, 0, "")
	})
	if err != nil {
		return "", fmt.Errorf("log attempt %s: %w", it.Key, err)
	}
	receipt, sendErr := sc.send(ctx, it)
	now := sc.now()
	status, code, answer := delSent, receipt.Status, receipt.Answer
	next := time.Time{}
	var se *notify.SendError
	switch {
	case sendErr == nil:
	case errors.As(sendErr, &se) && se.Retry && n < maxAttempts:
		status, code, answer = delRetry, se.Status, se.Answer
		next = now.Add(backoff(sc.cfg.RetryBase, n, se.RetryAfter))
	case errors.As(sendErr, &se):
		status, code, answer = delFailed, se.Status, se.Answer
	case ctx.Err() != nil:
		return "", ctx.Err() // stopping: the attempt stays "sending" and is retried at the next start
	default:
		status, answer = delFailed, sendErr.Error()
		if n < maxAttempts {
			status, next = delRetry, now.Add(backoff(sc.cfg.RetryBase, n, 0))
		}
	}
	if answer == "" && sendErr != nil {
		answer = sendErr.Error()
	}
	err = sc.store.write(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		var q string
		var args []any
		switch status {
		case delSent:
			q, args = `UPDATE alert_outbox SET status = 'sent', done_at = ? WHERE key = ?`, []any{now, it.Key}
		case delRetry:
			q, args = `UPDATE alert_outbox SET next_try = ? WHERE key = ?`, []any{next, it.Key}
		default:
			q, args = `UPDATE alert_outbox SET status = 'failed', done_at = ? WHERE key = ?`, []any{now, it.Key}
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE alert_deliveries SET status = ?, http_status = ?, answer = ?, happened_at = ? WHERE key = ? AND attempt = ?`,
			status, code, clipAnswer(answer), now, it.Key, n)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("record delivery %s: %w", it.Key, err)
	}
	if status != delSent {
		sc.log.Warn("alert delivery failed", "key", it.Key, "channel", it.Channel, "attempt", n, "status", status, "answer", clipAnswer(answer))
	}
	return status, nil
}

func (sc *Scheduler) send(ctx context.Context, it *item) (notify.Receipt, error) {
	n, err := sc.channels.Notifier(it.Channel, it.Recipients)
	if err != nil {
		return notify.Receipt{}, &notify.SendError{Channel: it.Channel, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, sc.cfg.SendTimeout)
	defer cancel()
	return n.Send(ctx, it.Message)
}

func logAttempt(ctx context.Context, tx *sql.Tx, it *item, attempt int, at time.Time, status string, code int, answer string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO alert_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.Key, it.Rule, it.Incident, it.Channel, it.Kind, attempt, at, status, code, clipAnswer(answer))
	if err != nil {
		return fmt.Errorf("log delivery %s: %w", it.Key, err)
	}
	return nil
}

func clipAnswer(s string) string {
	if len(s) <= 500 {
		return s
	}
	return s[:500] + "…"
}

// markInDoubt records, at start, that attempts left "sending" by a crash
// may or may not have arrived.
func (s *Store) markInDoubt(ctx context.Context) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE alert_deliveries SET status = ? WHERE status = ?`, delInDoubt, delSending)
		return err
	})
}

// Deliveries is the delivery log of a rule or subscription, newest first.
func (s *Store) Deliveries(ctx context.Context, id string, limit int) ([]Delivery, error) {
	var out []Delivery
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT key, rule_id, incident, channel, kind, attempt, happened_at, status, http_status, answer
			FROM alert_deliveries WHERE rule_id = ? ORDER BY happened_at DESC, attempt DESC LIMIT ?`, id, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d Delivery
			if err := rows.Scan(&d.Key, &d.Rule, &d.Incident, &d.Channel, &d.Kind, &d.Attempt, &d.At, &d.Status, &d.HTTPStatus, &d.Answer); err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read delivery log: %w", err)
	}
	return out, nil
}
