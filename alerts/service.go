package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/notify"
)

// Origin of specs created over the API.
const OriginAPI = "api"

// PutRule validates a rule (compiling its query in the owner's scope) and
// saves it, creating or replacing it.
func (sc *Scheduler) PutRule(ctx context.Context, r *Rule, origin string) error {
	if err := sc.CheckRule(ctx, r); err != nil {
		return err
	}
	r.Origin = origin
	err := sc.store.write(ctx, func(tx *sql.Tx) error {
		return putSpec(ctx, tx, kindRule, r.ID, origin, r, r.Schedule, sc.now())
	})
	if err == nil {
		sc.Wake()
	}
	return err
}

// CheckRule validates a rule as PutRule would, without saving it.
func (sc *Scheduler) CheckRule(ctx context.Context, r *Rule) error {
	if err := r.Check(ctx, sc.q, sc.channels.Names()); err != nil {
		return err
	}
	if errs := sc.recipientProblems(r.Channels); len(errs) > 0 {
		return errs[0]
	}
	return sc.intervalProblem(r.Schedule)
}

// recipientProblems asks each channel whether it takes the recipients a
// rule or subscription gives it: a DingTalk channel @-mentions mobiles,
// so "<at>all</at>" or a link is refused at channels[i].recipients[j]
// instead of going into the group's message.
func (sc *Scheduler) recipientProblems(refs []ChannelRef) []error {
	rc, ok := sc.channels.(interface {
		CheckRecipient(name, recipient string) error
	})
	if !ok {
		return nil
	}
	var errs []error
	for i, ref := range refs {
		for j, r := range ref.Recipients {
			if strings.TrimSpace(r) == "" || strings.ContainsAny(r, "\r\n") {
				continue // the rule's own check says so
			}
			if err := rc.CheckRecipient(ref.Name, r); err != nil {
				errs = append(errs, invalidf(fmt.Sprintf("channels[%d].recipients[%d]", i, j), "channel %s does not take %q: %v", ref.Name, clip(r), err))
			}
		}
	}
	return errs
}

// CheckSubscription validates a subscription without saving it.
func (sc *Scheduler) CheckSubscription(s *Subscription) error {
	if err := s.Check(sc.q, sc.cfg.Reports, sc.channels.Names()); err != nil {
		return err
	}
	if errs := sc.recipientProblems(s.Channels); len(errs) > 0 {
		return errs[0]
	}
	return sc.intervalProblem(s.Schedule)
}

// Rule reads one rule.
func (sc *Scheduler) Rule(ctx context.Context, id string) (*Rule, error) {
	b, err := sc.store.getSpec(ctx, kindRule, id)
	if err != nil {
		return nil, err
	}
	var r Rule
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode rule %s: %w", id, err)
	}
	return &r, nil
}

// Rules lists every rule, by id.
func (sc *Scheduler) Rules(ctx context.Context) ([]*Rule, error) {
	specs, err := sc.store.specs(ctx, kindRule)
	if err != nil {
		return nil, err
	}
	out := make([]*Rule, 0, len(specs))
	for _, b := range specs {
		var r Rule
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("decode rule: %w", err)
		}
		out = append(out, &r)
	}
	return out, nil
}

// DeleteRule removes a rule, its schedule, state and unsent notices. A
// rule loaded from a file is refused (ECONFLICT naming the file): it would
// come back at the next start with fresh state and send its open
// incidents again, so it is removed from the file instead.
func (sc *Scheduler) DeleteRule(ctx context.Context, id string) error {
	r, err := sc.Rule(ctx, id)
	if err != nil {
		return err
	}
	if err := fromFile("rule", r.ID, r.Origin); err != nil {
		return err
	}
	return sc.store.write(ctx, func(tx *sql.Tx) error { return deleteSpec(ctx, tx, kindRule, id) })
}

// fromFile refuses to delete a rule or subscription that a YAML file declares.
func fromFile(kind, id, origin string) error {
	if origin == "" || origin == OriginAPI {
		return nil
	}
	return beacon.Errorf(beacon.ECONFLICT, "%s %s comes from %s; delete it there (the file is reloaded at start, and a deleted rule would come back with fresh state)", kind, id, origin)
}

// PutSubscription validates and saves a subscription.
func (sc *Scheduler) PutSubscription(ctx context.Context, s *Subscription, origin string) error {
	if err := sc.CheckSubscription(s); err != nil {
		return err
	}
	s.Origin = origin
	err := sc.store.write(ctx, func(tx *sql.Tx) error {
		return putSpec(ctx, tx, kindSubscription, s.ID, origin, s, s.Schedule, sc.now())
	})
	if err == nil {
		sc.Wake()
	}
	return err
}

// Subscription reads one subscription.
func (sc *Scheduler) Subscription(ctx context.Context, id string) (*Subscription, error) {
	b, err := sc.store.getSpec(ctx, kindSubscription, id)
	if err != nil {
		return nil, err
	}
	var s Subscription
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode subscription %s: %w", id, err)
	}
	return &s, nil
}

// Subscriptions lists every subscription, by id.
func (sc *Scheduler) Subscriptions(ctx context.Context) ([]*Subscription, error) {
	specs, err := sc.store.specs(ctx, kindSubscription)
	if err != nil {
		return nil, err
	}
	out := make([]*Subscription, 0, len(specs))
	for _, b := range specs {
		var s Subscription
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("decode subscription: %w", err)
		}
		out = append(out, &s)
	}
	return out, nil
}

// DeleteSubscription removes a subscription and its unsent reports; one
// loaded from a file is refused, as DeleteRule refuses a rule.
func (sc *Scheduler) DeleteSubscription(ctx context.Context, id string) error {
	s, err := sc.Subscription(ctx, id)
	if err != nil {
		return err
	}
	if err := fromFile("subscription", s.ID, s.Origin); err != nil {
		return err
	}
	return sc.store.write(ctx, func(tx *sql.Tx) error { return deleteSpec(ctx, tx, kindSubscription, id) })
}

// TestResult is what a test send did. Both lists are [] when empty, never
// null (a subscription's test has no observations).
type TestResult struct {
	Observations []Observation `json:"observations"`
	Deliveries   []Delivery    `json:"deliveries"`
}

// maxTestGroups bounds the groups one test message lists.
const maxTestGroups = 20

// TestRule evaluates a rule now and sends one message, marked as a test,
// to each of its channels; states are left alone and silences ignored.
func (sc *Scheduler) TestRule(ctx context.Context, id string) (*TestResult, error) {
	r, err := sc.Rule(ctx, id)
	if err != nil {
		return nil, err
	}
	ev, err := Evaluate(ctx, sc.q, r)
	if err != nil {
		return nil, err
	}
	var msg notify.Message
	if len(ev.Observations) == 0 {
		msg = message(sc.catalog(), r, ev.Result, Observation{}, noticeTest, sc.now())
		msg.Link = sc.ruleLink(r)
	} else {
		// The first group, or the first breaching one, frames the message;
		// every group's figure follows.
		first := ev.Observations[0]
		for _, o := range ev.Observations {
			if o.Breach {
				first = o
				break
			}
		}
		msg = message(sc.catalog(), r, ev.Result, first, noticeTest, sc.now())
		msg.Link = sc.ruleLink(r)
		if len(ev.Observations) > 1 {
			// Every group's figure follows, so the title is the rule's
			// alone; a condition worded from the framing group's own
			// figures (a band, a previous period) says whose they are.
			msg.Title = r.Name
			if g := sc.names(r.Lang).group(first); g != "" && r.Condition.Kind != "threshold" && len(msg.Lines) > 0 {
				msg.Lines[0] += pick(r.Lang != "en", "（以"+g+"为例）", " (for "+g+")")
			}
			msg.Figures = nil
			for i, o := range ev.Observations {
				if i == maxTestGroups {
					break
				}
				m := message(sc.catalog(), r, ev.Result, o, noticeTest, sc.now())
				f := m.Figures[0]
				f.Label += " · " + sc.names(r.Lang).group(o)
				msg.Figures = append(msg.Figures, f)
			}
		}
	}
	if sc.cfg.Renderer != nil {
		if img, err := sc.ruleChart(ctx, r, ev); err == nil {
			msg.Image = img
		}
	}
	res, err := sc.sendTest(ctx, r.ID, r.Channels, msg)
	if err != nil {
		return nil, err
	}
	if len(ev.Observations) > 0 {
		res.Observations = ev.Observations
	}
	return res, nil
}

// TestSubscription builds the report message now and sends it as a test.
func (sc *Scheduler) TestSubscription(ctx context.Context, id string) (*TestResult, error) {
	s, err := sc.Subscription(ctx, id)
	if err != nil {
		return nil, err
	}
	msg, err := sc.reportMessage(ctx, s, notify.KindTest)
	if err != nil {
		return nil, err
	}
	return sc.sendTest(ctx, s.ID, s.Channels, *msg)
}

// sendTest queues a test message and delivers it at once, through the
// outbox like any notice, so that its attempts are in the delivery log.
func (sc *Scheduler) sendTest(ctx context.Context, id string, refs []ChannelRef, msg notify.Message) (*TestResult, error) {
	incident := "test-" + newID()
	now := sc.now()
	err := sc.store.write(ctx, func(tx *sql.Tx) error {
		return enqueue(ctx, tx, id, "", incident, noticeTest, refs, msg, now)
	})
	if err != nil {
		return nil, err
	}
	sc.stepMu.Lock()
	items, err := sc.store.pending(ctx)
	if err == nil {
		var mine []*item
		for _, it := range items {
			if it.Incident == incident {
				mine = append(mine, it)
			}
		}
		_, err = sc.attempt(ctx, mine)
	}
	sc.stepMu.Unlock()
	if err != nil {
		return nil, err
	}
	log, err := sc.store.Deliveries(ctx, id, 100)
	if err != nil {
		return nil, err
	}
	res := &TestResult{Observations: []Observation{}, Deliveries: []Delivery{}}
	for _, d := range log {
		if d.Incident == incident {
			res.Deliveries = append(res.Deliveries, d)
		}
	}
	sc.Wake() // a failed test send is retried by the loop
	return res, nil
}

// Transition is one change of a group's state, or a failed evaluation.
type Transition struct {
	Group    string    `json:"group"`
	At       time.Time `json:"at"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Incident string    `json:"incident,omitempty"`
	Value    *float64  `json:"value"`
	Detail   string    `json:"detail,omitempty"`
}

// History is a rule's or subscription's current states, state changes and
// delivery log, newest first.
type History struct {
	ID          string       `json:"id"`
	NextAt      *time.Time   `json:"next_at,omitempty"`
	States      []GroupState `json:"states"`
	Transitions []Transition `json:"transitions"`
	Deliveries  []Delivery   `json:"deliveries"`
}

// History reads up to limit transitions and deliveries of a rule or subscription.
func (sc *Scheduler) History(ctx context.Context, id string, limit int) (*History, error) {
	if _, err := sc.store.getSpec(ctx, kindRule, id); err != nil {
		if _, err2 := sc.store.getSpec(ctx, kindSubscription, id); err2 != nil {
			return nil, beacon.Errorf(beacon.ENOTFOUND, "no alert rule or subscription with id %q", clip(id))
		}
	}
	h := &History{ID: id, States: []GroupState{}, Transitions: []Transition{}}
	if t, err := sc.store.nextAt(ctx, id); err == nil {
		h.NextAt = &t
	}
	var err error
	if h.States, err = sc.store.States(ctx, id); err != nil {
		return nil, err
	}
	if h.States == nil {
		h.States = []GroupState{}
	}
	err = sc.store.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT group_key, happened_at, state_from, state_to, incident, value, detail
			FROM alert_history WHERE rule_id = ? ORDER BY happened_at DESC, group_key LIMIT ?`, id, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Transition
			var v sql.NullFloat64
			if err := rows.Scan(&t.Group, &t.At, &t.From, &t.To, &t.Incident, &v, &t.Detail); err != nil {
				return err
			}
			if v.Valid {
				t.Value = &v.Float64
			}
			h.Transitions = append(h.Transitions, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", id, err)
	}
	if h.Deliveries, err = sc.store.Deliveries(ctx, id, limit); err != nil {
		return nil, err
	}
	if h.Deliveries == nil {
		h.Deliveries = []Delivery{}
	}
	return h, nil
}

// AddSilence validates and stores a silence.
func (sc *Scheduler) AddSilence(ctx context.Context, sl *Silence) error {
	now := sc.now()
	if err := sl.validate(now, sc.channels.Names()); err != nil {
		return err
	}
	sl.ID, sl.CreatedAt = newID(), now
	return sc.store.AddSilence(ctx, *sl)
}

// DeleteSilence ends a silence now.
func (sc *Scheduler) DeleteSilence(ctx context.Context, id string) error {
	if err := sc.store.DeleteSilence(ctx, id, sc.now()); err != nil {
		return err
	}
	sc.Wake()
	return nil
}

// Silences lists the silences in force.
func (sc *Scheduler) Silences(ctx context.Context) ([]Silence, error) {
	return sc.store.Silences(ctx, sc.now())
}

// Silence reads one silence by id, ended or not (ENOTFOUND when absent).
func (sc *Scheduler) Silence(ctx context.Context, id string) (*Silence, error) {
	return sc.store.Silence(ctx, id)
}

// Now is the scheduler's clock.
func (sc *Scheduler) Now() time.Time { return sc.now() }

func sortStates(s []GroupState) {
	sort.Slice(s, func(i, j int) bool { return s[i].Group < s[j].Group })
}

// ChannelInfos lists the configured channels' names and types, never
// their settings.
func (sc *Scheduler) ChannelInfos() []ChannelInfo {
	if r, ok := sc.channels.(interface{ Infos() []ChannelInfo }); ok {
		return r.Infos()
	}
	var out []ChannelInfo
	for _, n := range sc.channels.Names() {
		out = append(out, ChannelInfo{Name: n})
	}
	return out
}
