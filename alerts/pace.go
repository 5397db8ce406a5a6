package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// paceWindow is the window Limits.SendsPerMinute counts in.
const paceWindow = time.Minute

// delDeferred is the delivery log's status of a notice kept back because
// its owner went over Limits.SendsPerMinute on its channel: it stays in
// the outbox and goes at the time the log gives.
const delDeferred = "deferred"

// pacer bounds the deliveries one owner's rules and subscriptions make on
// one channel in any minute. The attempts of the last minute are read
// from the delivery log, so the bound holds across restarts and counts
// retries and test sends too (each is a request the channel sees).
type pacer struct {
	limit  int
	owners map[string]string      // spec id → owner subject
	sent   map[string][]time.Time // owner and channel → attempts in the window, oldest first
	over   map[string]int         // owner and channel → notices deferred in this pass
	// deferred are this pass's deferrals, by owner and channel, for the log.
	deferred map[string]*deferral
}

// deferral sums up one owner's notices deferred on one channel in a pass.
type deferral struct {
	owner, channel string
	n              int
	first          time.Time
}

// newPacer reads owners and the last minute's attempts; nil when
// Limits.SendsPerMinute sets no bound.
func (sc *Scheduler) newPacer(ctx context.Context, now time.Time) (*pacer, error) {
	limit := sc.cfg.Limits.SendsPerMinute
	if limit <= 0 {
		return nil, nil
	}
	p := &pacer{limit: limit, owners: map[string]string{}, sent: map[string][]time.Time{}, over: map[string]int{}, deferred: map[string]*deferral{}}
	err := sc.store.read(ctx, func(conn *sql.Conn) error {
		if err := p.readOwners(ctx, conn); err != nil {
			return err
		}
		rows, err := conn.QueryContext(ctx, `SELECT rule_id, channel, happened_at FROM alert_deliveries
			WHERE happened_at > ? AND attempt > 0 AND status NOT IN (?, ?) ORDER BY happened_at`, now.Add(-paceWindow), delHeld, delDeferred)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var rule, channel string
			var at time.Time
			if err := rows.Scan(&rule, &channel, &at); err != nil {
				return err
			}
			if owner := p.owners[rule]; owner != "" {
				k := paceKey(owner, channel)
				p.sent[k] = append(p.sent[k], at)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read the last minute's deliveries: %w", err)
	}
	return p, nil
}

// readOwners maps every rule's and subscription's id to its owner.
func (p *pacer) readOwners(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, `SELECT id, spec FROM alert_rules`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, spec string
		if err := rows.Scan(&id, &spec); err != nil {
			return err
		}
		var o struct {
			Owner Owner `json:"owner"`
		}
		if err := json.Unmarshal([]byte(spec), &o); err != nil {
			return fmt.Errorf("decode %s: %w", id, err)
		}
		p.owners[id] = o.Owner.Subject
	}
	return rows.Err()
}

func paceKey(owner, channel string) string { return owner + "\x00" + channel }

// admit books an attempt of it at now when its owner has room on its
// channel, or returns when it may go instead. The notices deferred in one
// pass are spread over the minutes to come, limit a minute, so that each
// is deferred once rather than at every pass.
func (p *pacer) admit(it *item, now time.Time) (time.Time, bool) {
	if p == nil {
		return time.Time{}, true
	}
	owner := p.owners[it.Rule]
	if owner == "" {
		return time.Time{}, true // a deleted rule's test send: nothing to count against
	}
	k := paceKey(owner, it.Channel)
	times := p.sent[k]
	for len(times) > 0 && now.Sub(times[0]) >= paceWindow {
		times = times[1:]
	}
	if len(times) < p.limit {
		p.sent[k] = append(times, now)
		return time.Time{}, true
	}
	p.sent[k] = times
	e := p.over[k]
	p.over[k]++
	// times holds at least limit attempts: the e-th notice over takes the
	// slot its (e mod limit)-th oldest frees, e/limit minutes later still.
	at := times[e%p.limit].Add(paceWindow * time.Duration(1+e/p.limit))
	d := p.deferred[k]
	if d == nil {
		d = &deferral{owner: owner, channel: it.Channel, first: at}
		p.deferred[k] = d
	}
	d.n++
	return at, false
}

// deferItems keeps the items back until their times, logging each as deferred.
func (sc *Scheduler) deferItems(ctx context.Context, p *pacer, items []*item, until []time.Time) error {
	if len(items) == 0 {
		return nil
	}
	w := outcomeWrites()
	logs := newTickWrites().deliveries
	now := sc.now()
	for i, it := range items {
		w.retry.add(it.Key, until[i])
		logs.add(it.Key, it.Rule, it.Incident, it.Channel, it.Kind, it.Attempts, now, delDeferred, 0,
			fmt.Sprintf("not sent yet: %s's notices on %s are paced at %d a minute (serve's --alerts-owner-rate); it goes at %s",
				clip(p.owners[it.Rule]), it.Channel, p.limit, until[i].UTC().Format(time.RFC3339)))
	}
	err := sc.store.write(ctx, func(tx *sql.Tx) error {
		if err := w.retry.flushValues(ctx, tx); err != nil {
			return err
		}
		return logs.flush(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("defer notices: %w", err)
	}
	return nil
}

// logDeferrals writes one line per owner and channel that went over in a pass.
func (sc *Scheduler) logDeferrals(p *pacer) {
	if p == nil {
		return
	}
	keys := make([]string, 0, len(p.deferred))
	for k := range p.deferred {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d := p.deferred[k]
		sc.log.Warn("alert deliveries deferred: owner over its rate on a channel", "owner", d.owner, "channel", d.channel,
			"deferred", d.n, "per_minute", p.limit, "first_at", d.first.UTC().Format(time.RFC3339))
	}
}
