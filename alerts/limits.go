package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/beaconbi/beacon"
)

// Limits bound what one owner may schedule, so that one account cannot
// flood the channels every other rule shares. Zero fields set no bound.
type Limits struct {
	// MinInterval is the shortest gap a schedule may leave between two
	// runs (serve's default: 5 minutes); a file's rules are held to it too.
	MinInterval time.Duration
	// Rules and Subscriptions cap what one owner keeps over the API
	// (serve's defaults: 100 and 50); rules from a file do not count.
	Rules, Subscriptions int
	// SendsPerMinute bounds the delivery attempts of one owner's rules
	// and subscriptions on one channel in any minute (serve's default:
	// 10, half a chat robot's 20, so that one owner cannot take a shared
	// robot's whole minute). Notices over it stay in the outbox, logged
	// as deferred with the time they go, and are sent then, in order.
	SendsPerMinute int
}

// Limits is the scheduler's configured limits.
func (sc *Scheduler) Limits() Limits { return sc.cfg.Limits }

// intervalProblem refuses a schedule that fires more often than the
// configured minimum interval; a schedule that does not parse is left to
// the schedule's own checks.
func (sc *Scheduler) intervalProblem(s Schedule) error {
	floor := sc.cfg.Limits.MinInterval
	if floor <= 0 {
		return nil
	}
	cs, err := s.parse("schedule")
	if err != nil {
		return nil
	}
	if gap := cs.minGap(); gap < floor {
		return invalidf("schedule.cron", "%q runs %s apart at its most frequent; the minimum interval between runs is %s (serve's --alerts-min-interval)",
			clip(s.Cron), minutes(gap), minutes(floor))
	}
	return nil
}

// minGap is the shortest wall-clock gap between two runs of the schedule
// (at most a day: no floor longer than a day is meaningful).
func (c *cronSpec) minGap() time.Duration {
	var mins []int
	for h := 0; h < 24; h++ {
		if c.spec.Hour&(1<<uint(h)) == 0 {
			continue
		}
		for m := 0; m < 60; m++ {
			if c.spec.Minute&(1<<uint(m)) != 0 {
				mins = append(mins, h*60+m)
			}
		}
	}
	gap := 24 * 60
	for i := 1; i < len(mins); i++ {
		gap = min(gap, mins[i]-mins[i-1])
	}
	if len(mins) > 1 && c.runsOnConsecutiveDays() {
		gap = min(gap, mins[0]+24*60-mins[len(mins)-1])
	}
	return time.Duration(gap) * time.Minute
}

// runsOnConsecutiveDays reports whether two days in a row match the
// schedule's day fields, so that the last run of one day and the first of
// the next are a gap too.
func (c *cronSpec) runsOnConsecutiveDays() bool {
	matches := func(d time.Time) bool {
		return c.spec.Month&(1<<uint(d.Month())) != 0 && dayMatches(c.spec, d)
	}
	day := time.Date(2000, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < horizon; i++ {
		if matches(day.AddDate(0, 0, i)) && matches(day.AddDate(0, 0, i+1)) {
			return true
		}
	}
	return false
}

// CreateRule validates and saves a new rule made over the API. With
// capped, it is refused (ECONFLICT naming the cap) when its owner already
// keeps Limits.Rules rules made over the API; the count and the save are
// one transaction, so that requests at once cannot pass the cap together.
func (sc *Scheduler) CreateRule(ctx context.Context, r *Rule, capped bool) error {
	if err := sc.CheckRule(ctx, r); err != nil {
		return err
	}
	r.Origin = OriginAPI
	err := sc.store.write(ctx, func(tx *sql.Tx) error {
		if capped {
			if err := ownerCap(ctx, tx, kindRule, r.Owner.Subject, sc.cfg.Limits.Rules, "--alerts-max-rules"); err != nil {
				return err
			}
		}
		return putSpec(ctx, tx, kindRule, r.ID, OriginAPI, r, r.Schedule, sc.now())
	})
	if err == nil {
		sc.Wake()
	}
	return err
}

// CreateSubscription is CreateRule for a subscription, capped at
// Limits.Subscriptions per owner.
func (sc *Scheduler) CreateSubscription(ctx context.Context, s *Subscription, capped bool) error {
	if err := sc.CheckSubscription(s); err != nil {
		return err
	}
	s.Origin = OriginAPI
	err := sc.store.write(ctx, func(tx *sql.Tx) error {
		if capped {
			if err := ownerCap(ctx, tx, kindSubscription, s.Owner.Subject, sc.cfg.Limits.Subscriptions, "--alerts-max-subscriptions"); err != nil {
				return err
			}
		}
		return putSpec(ctx, tx, kindSubscription, s.ID, OriginAPI, s, s.Schedule, sc.now())
	})
	if err == nil {
		sc.Wake()
	}
	return err
}

// ownerCap refuses one more spec of kind for subject when it already
// keeps limit of them over the API (limit 0: no cap).
func ownerCap(ctx context.Context, tx *sql.Tx, kind, subject string, limit int, flag string) error {
	if limit <= 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT spec FROM alert_rules WHERE kind = ? AND origin = ?`, kind, OriginAPI)
	if err != nil {
		return fmt.Errorf("count %ss: %w", kind, err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var spec string
		if err := rows.Scan(&spec); err != nil {
			return fmt.Errorf("count %ss: %w", kind, err)
		}
		var o struct {
			Owner Owner `json:"owner"`
		}
		if err := json.Unmarshal([]byte(spec), &o); err != nil {
			return fmt.Errorf("count %ss: %w", kind, err)
		}
		if o.Owner.Subject == subject {
			n++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count %ss: %w", kind, err)
	}
	if n >= limit {
		return &beacon.Error{Code: beacon.ECONFLICT, Field: "id",
			Message: fmt.Sprintf("%s already keeps %d %ss, the most one owner may keep (the limit is %d, serve's %s); delete one first", clip(subject), n, kind, limit, flag)}
	}
	return nil
}

// minutes writes a duration as a count of minutes when it is whole ones.
func minutes(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "1 minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
	return d.String()
}
