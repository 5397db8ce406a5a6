package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
	// FirstTry is when the first attempt began (zero before it): the
	// retry policy bounds the time from there, across restarts.
	FirstTry time.Time
	// InDoubt says an earlier attempt was cut off by a crash: it may have
	// arrived. A chat robot's resend is marked as such (resentLine).
	InDoubt bool
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
		rows, err := conn.QueryContext(ctx, `SELECT o.key, o.rule_id, o.group_key, o.incident, o.channel, o.recipients, o.kind, o.message, o.attempts, o.next_try, f.first_try, coalesce(f.in_doubt, false)
			FROM alert_outbox o LEFT JOIN (SELECT key, min(happened_at) AS first_try, bool_or(status = 'in_doubt') AS in_doubt
				FROM alert_deliveries WHERE attempt > 0 AND status NOT IN ('held', 'deferred') GROUP BY key) f ON f.key = o.key
			WHERE o.status = 'pending' ORDER BY o.seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it := &item{}
			var rc, msg string
			var first sql.NullTime
			if err := rows.Scan(&it.Key, &it.Rule, &it.Group, &it.Incident, &it.Channel, &rc, &it.Kind, &msg, &it.Attempts, &it.NextTry, &first, &it.InDoubt); err != nil {
				return err
			}
			it.FirstTry = first.Time
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

// deliverBatch bounds the notices attempted together: their attempts are
// logged as "sending" in one transaction, sent Senders at a time, and
// their outcomes recorded in one more. A thousand notices cost a few
// dozen transactions, not two thousand.
const deliverBatch = 100

// outcome is how one attempt ended.
type outcome struct {
	status string // delSent, delRetry, delFailed or delDeferred (no request made); "" when stopped mid-send
	code   int
	answer string
	next   time.Time // of a retry
	at     time.Time
}

// deliver sends the outbox's due notices, each stream in order (a
// stream's next notice waits until the one before it is sent or has
// failed for good), and returns how many were delivered.
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
	pace, err := sc.newPacer(ctx, now)
	if err != nil {
		return 0, err
	}
	defer sc.logDeferrals(pace)
	var order []string
	queues := map[string][]*item{}
	for _, it := range items {
		s := it.stream()
		if _, ok := queues[s]; !ok {
			order = append(order, s)
		}
		queues[s] = append(queues[s], it)
	}
	sent := 0
	for {
		var due, later []*item
		var until []time.Time
		for _, s := range order {
			if len(due) == deliverBatch {
				break
			}
			q := queues[s]
			if len(q) == 0 {
				continue
			}
			it := q[0]
			if it.NextTry.After(now) {
				queues[s] = nil
				continue
			}
			if it.Kind != noticeTest {
				if until := mutedUntil(silences, it.Rule, it.Channel, now); !until.IsZero() {
					if err := sc.hold(ctx, it, until); err != nil {
						return sent, err
					}
					queues[s] = nil
					continue
				}
			}
			if at, ok := pace.admit(it, now); !ok {
				later, until = append(later, it), append(until, at)
				queues[s] = nil
				continue
			}
			due = append(due, it)
		}
		if err := sc.deferItems(ctx, pace, later, until); err != nil {
			return sent, err
		}
		if len(due) == 0 {
			return sent, nil
		}
		outs, err := sc.attempt(ctx, due)
		for i, it := range due {
			if i >= len(outs) || outs[i].status == "" || outs[i].status == delRetry || outs[i].status == delDeferred {
				queues[it.stream()] = nil
				continue
			}
			if outs[i].status == delSent {
				sent++
			}
			queues[it.stream()] = queues[it.stream()][1:]
		}
		if err != nil {
			return sent, err
		}
	}
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

// attempt makes one delivery attempt of each item, at most Senders in
// flight, and at most one per chat robot (see lanes). Each attempt is
// logged as "sending" and committed just before its request, so that a
// crash leaves it in doubt (to be sent again under the same idempotency
// key), never forgotten; its outcome is recorded when it ends. The writes
// are grouped: one transaction records every outcome that came in since
// the last and logs the attempts that take their slots. A slot (and a
// robot's lane) is freed only when its outcome is recorded, so at most
// Senders messages are ever in flight or delivered but not yet known as
// delivered, and at most one per robot: all a crash can resend. Items
// stopped mid-send by ctx stay "sending".
func (sc *Scheduler) attempt(ctx context.Context, items []*item) ([]outcome, error) {
	outs := make([]outcome, len(items))
	lanes := sc.lanes(items)
	started := make([]bool, len(items))
	busy := map[string]bool{} // robots with a message in flight or unrecorded
	done := make(chan int, len(items))
	inflight := 0
	var ended []int // outcomes not yet recorded
	for {
		for _, i := range ended {
			delete(busy, lanes[i]) // recorded in the write below
		}
		var start []int
		for i := 0; i < len(items) && inflight+len(start) < sc.cfg.Senders && ctx.Err() == nil; i++ {
			if started[i] || busy[lanes[i]] {
				continue
			}
			if lanes[i] != "" {
				busy[lanes[i]] = true
			}
			started[i] = true
			start = append(start, i)
		}
		if len(start) > 0 || len(ended) > 0 {
			if err := sc.writeAttempts(context.WithoutCancel(ctx), items, outs, ended, start); err != nil {
				for ; inflight > 0; inflight-- {
					<-done
				}
				return outs, err
			}
		}
		for _, i := range start {
			go func() {
				outs[i] = sc.sendOnce(ctx, items[i])
				done <- i
			}()
		}
		inflight, ended = inflight+len(start), nil
		if inflight == 0 {
			return outs, ctx.Err()
		}
		ended = append(ended, <-done)
		for more := true; more; {
			select {
			case i := <-done:
				ended = append(ended, i)
			default:
				more = false
			}
		}
		inflight -= len(ended)
	}
}

// lanes gives each item's chat robot ("" for a channel that takes an
// idempotency key, which any number may share). Chat robots take no key,
// so a message resent after a crash shows twice; sending one message at a
// time per robot bounds that to one per robot, and costs little, since a
// robot takes only about 20 messages a minute anyway. Channels and other
// robots still go in parallel.
func (sc *Scheduler) lanes(items []*item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		n, err := sc.channels.Notifier(it.Channel, it.Recipients)
		if k, ok := n.(notify.Keyless); ok && err == nil {
			out[i] = k.Destination()
		}
	}
	return out
}

// writeAttempts records the outcomes of items[ended] and logs the next
// attempts of start as "sending", in one transaction.
func (sc *Scheduler) writeAttempts(ctx context.Context, items []*item, outs []outcome, ended, start []int) error {
	w := outcomeWrites()
	var unattempted []string // held back before any request: not attempts
	for _, i := range ended {
		it, o := items[i], outs[i]
		switch o.status {
		case "":
			continue
		case delRetry:
			w.retry.add(it.Key, o.next)
		case delDeferred:
			w.retry.add(it.Key, o.next)
			unattempted = append(unattempted, it.Key)
		default:
			w.done.add(it.Key, o.status, o.at)
		}
		w.logs.add(it.Key, it.Attempts, o.status, o.code, clipAnswer(o.answer), o.at)
		if o.status == delDeferred {
			it.Attempts-- // logged under the number; the next real attempt reuses it
		}
	}
	now := sc.now()
	keys := make([]string, len(start))
	sending := newTickWrites().deliveries
	for j, i := range start {
		it := items[i]
		keys[j] = it.Key
		it.Attempts++
		if it.FirstTry.IsZero() {
			it.FirstTry = now
		}
		sending.add(it.Key, it.Rule, it.Incident, it.Channel, it.Kind, it.Attempts, now, delSending, 0, "")
	}
	err := sc.store.write(ctx, func(tx *sql.Tx) error {
		for _, b := range []*rowBatch{w.done, w.retry, w.logs} {
			if err := b.flushValues(ctx, tx); err != nil {
				return err
			}
		}
		if len(unattempted) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET attempts = attempts - 1 WHERE list_contains(?, key)`, unattempted); err != nil {
				return err
			}
		}
		if len(start) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alert_outbox SET attempts = attempts + 1 WHERE list_contains(?, key)`, keys); err != nil {
			return err
		}
		return sending.flush(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("record delivery attempts: %w", err)
	}
	return nil
}

// sendOnce makes one attempt and reads its outcome under the retry policy.
func (sc *Scheduler) sendOnce(ctx context.Context, it *item) outcome {
	receipt, err := sc.send(ctx, it)
	if err != nil && ctx.Err() != nil {
		return outcome{} // stopping: in doubt at the next start
	}
	o := outcome{status: delSent, code: receipt.Status, answer: receipt.Answer, at: sc.now()}
	if err == nil {
		return o
	}
	// notify's policy decides, as for any delivery: retryable failures
	// (5xx, 429, network) come back after a jittered exponential wait (or
	// the provider's Retry-After), within its attempts and time.
	o.status, o.code, o.answer = delFailed, 0, err.Error()
	var qe *notify.QuotaError
	if errors.As(err, &qe) {
		// No request was made: the destination's own pacing (a robot's 20
		// a minute) held it back. That is not an attempt, so it uses none
		// of the retry policy's; the notice goes when the pacing allows.
		o.status, o.next = delDeferred, o.at.Add(qe.Wait)
		return o
	}
	var se *notify.SendError
	if errors.As(err, &se) {
		o.code = se.Status
		if se.Answer != "" {
			o.answer = se.Answer
		}
	}
	if wait, again := sc.retry.Next(it.Attempts, err, o.at.Sub(it.FirstTry)); again {
		o.status, o.next = delRetry, o.at.Add(wait)
	}
	if o.status != delSent {
		sc.log.Warn("alert delivery failed", "key", it.Key, "channel", it.Channel, "attempt", it.Attempts, "status", o.status, "answer", clipAnswer(o.answer))
	}
	return o
}

// attemptWrites are the statements that record attempts' outcomes.
type attemptWrites struct {
	done, retry, logs *rowBatch
}

func outcomeWrites() attemptWrites {
	return attemptWrites{
		done: &rowBatch{head: `UPDATE alert_outbox SET status = v.status, done_at = v.done_at FROM (VALUES`,
			row: `(?::VARCHAR, ?::VARCHAR, ?::TIMESTAMPTZ)`, suffix: `) v(key, status, done_at) WHERE alert_outbox.key = v.key`},
		retry: &rowBatch{head: `UPDATE alert_outbox SET next_try = v.next_try FROM (VALUES`,
			row: `(?::VARCHAR, ?::TIMESTAMPTZ)`, suffix: `) v(key, next_try) WHERE alert_outbox.key = v.key`},
		logs: &rowBatch{head: `UPDATE alert_deliveries SET status = v.status, http_status = v.code, answer = v.answer, happened_at = v.happened FROM (VALUES`,
			row:    `(?::VARCHAR, ?::INTEGER, ?::VARCHAR, ?::INTEGER, ?::VARCHAR, ?::TIMESTAMPTZ)`,
			suffix: `) v(key, attempt, status, code, answer, happened) WHERE alert_deliveries.key = v.key AND alert_deliveries.attempt = v.attempt AND alert_deliveries.status = 'sending'`},
	}
}

func (sc *Scheduler) send(ctx context.Context, it *item) (notify.Receipt, error) {
	n, err := sc.channels.Notifier(it.Channel, it.Recipients)
	if err != nil {
		return notify.Receipt{}, &notify.SendError{Channel: it.Channel, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, sc.cfg.SendTimeout)
	defer cancel()
	msg := it.Message
	if _, keyless := n.(notify.Keyless); keyless && it.InDoubt {
		msg = markResent(msg)
	}
	return n.Send(ctx, msg)
}

// markResent puts a first line on a chat robot's message whose earlier
// attempt was cut off by a crash. The robot cannot be asked whether that
// attempt arrived, and takes no key to drop a second copy: sending again
// may show the message twice, not sending may lose an alert. A repeat is
// the lesser harm, so the message goes again, saying why, and a reader
// who already has it knows to ignore it.
func markResent(msg notify.Message) notify.Message {
	line := resentLine["en"]
	if msg.Lang != "en" {
		line = resentLine["zh"]
	}
	msg.Lines = append([]string{line}, msg.Lines...)
	return msg
}

// resentLine is markResent's line, by language.
var resentLine = map[string]string{
	"zh": "（补发：服务重启前的一次发送结果未知，如已收到本条请忽略）",
	"en": "(Sent again: an attempt before a restart may have arrived; ignore this copy if you already have it.)",
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
