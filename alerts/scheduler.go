package alerts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/reports"
)

// Config is what a Scheduler needs; zero fields take defaults.
type Config struct {
	Store    *Store
	Querier  Querier
	Channels Channels
	// Renderer draws chart images; nil sends text and links only.
	Renderer Renderer
	// Reports are the declared reports a subscription names: its message
	// is the report's headline figures and key chart. Nil leaves a
	// subscription to its own figures.
	Reports *reports.Set
	// BaseURL is Beacon's public address, for report links; empty leaves links out.
	BaseURL string
	// Sharer seals the report links messages carry (reports.Share): each
	// opens the full report under the owner's scope, for a week, without
	// the reader signing in. Nil links to the report page itself, which
	// asks its reader to sign in (and has no page for a rule or figures).
	Sharer *reports.Sharer
	Now    func() time.Time
	Logger *slog.Logger
	// Holder names this scheduler in the lease (default: a random id).
	Holder string
	// LeaseTTL is how long the lease lasts unless renewed (default 30s).
	LeaseTTL time.Duration
	// Interval is how often the loop looks for due rules and notices (default 5s).
	Interval time.Duration
	// SendTimeout bounds one delivery attempt (default 15s).
	SendTimeout time.Duration
	// Workers bounds the rule queries run at once (default 4).
	Workers int
	// Senders bounds the deliveries in flight at once (default 8); a
	// stream's notices (one rule, group and channel) still go in order.
	Senders int
	// Retry is the retry policy of every delivery (notify's: exponential
	// backoff with full jitter, bounded in attempts and time); zero fields
	// take notify.DefaultPolicy's. Each attempt is a row of the delivery
	// log, and the waits between them are kept in the outbox, so that they
	// survive a restart.
	Retry notify.Policy
	// Limits bound each owner's rules and subscriptions and how often a
	// schedule may run; zero fields set no bound.
	Limits Limits
}

// Scheduler evaluates due rules, moves their states, queues notices in the
// outbox and delivers them. Only the holder of the lease does any of it.
type Scheduler struct {
	cfg      Config
	store    *Store
	q        Querier
	channels Channels
	now      func() time.Time
	log      *slog.Logger
	retry    notify.Policy
	wake     chan struct{}
	// stepMu keeps one step at a time: the loop's and a test send's.
	stepMu sync.Mutex
}

// New returns a scheduler; call Start before Run.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil || cfg.Querier == nil || cfg.Channels == nil {
		return nil, errors.New("alerts: a scheduler needs a store, a querier and channels")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Holder == "" {
		cfg.Holder = newID()
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 15 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Senders <= 0 {
		cfg.Senders = 8
	}
	retry := cfg.Retry.WithDefaults()
	return &Scheduler{cfg: cfg, store: cfg.Store, q: cfg.Querier, channels: cfg.Channels, now: cfg.Now, log: cfg.Logger,
		retry: retry, wake: make(chan struct{}, 1)}, nil
}

// Store is the scheduler's store.
func (sc *Scheduler) Store() *Store { return sc.store }

// Start prepares the scheduler after a (re)start: attempts a crash left
// "sending" are marked in doubt, to be sent again with the same key. With
// takeOver, the lease is taken at once: a process that has just opened
// the DuckDB file alone knows that no other process still holds it.
func (sc *Scheduler) Start(ctx context.Context, takeOver bool) error {
	if err := sc.store.markInDoubt(ctx); err != nil {
		return fmt.Errorf("alerts start: %w", err)
	}
	if takeOver {
		if _, err := sc.store.acquire(ctx, sc.cfg.Holder, sc.now(), sc.cfg.LeaseTTL, true); err != nil {
			return fmt.Errorf("alerts start: %w", err)
		}
	}
	return nil
}

// Run steps every Interval until ctx ends.
func (sc *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(sc.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := sc.Step(ctx); err != nil && ctx.Err() == nil {
			sc.log.Error("alert scheduler step", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-sc.wake:
		}
	}
}

// Wake asks the loop for a step now (after a rule or silence changed).
func (sc *Scheduler) Wake() {
	select {
	case sc.wake <- struct{}{}:
	default:
	}
}

// StepStats says what one step did.
type StepStats struct {
	Leader    bool `json:"leader"`
	Evaluated int  `json:"evaluated"`
	// Queries is how many distinct queries the rules ran (each once).
	Queries   int `json:"queries"`
	Failed    int `json:"failed"`
	Notices   int `json:"notices"`
	Delivered int `json:"delivered"`
}

// Step renews the lease and, when this scheduler holds it, runs the due
// rules and subscriptions and delivers the outbox.
func (sc *Scheduler) Step(ctx context.Context) (StepStats, error) {
	sc.stepMu.Lock()
	defer sc.stepMu.Unlock()
	var st StepStats
	leader, err := sc.store.acquire(ctx, sc.cfg.Holder, sc.now(), sc.cfg.LeaseTTL, false)
	if err != nil || !leader {
		return st, err
	}
	st.Leader = true
	if err := sc.tick(ctx, &st); err != nil {
		return st, err
	}
	st.Delivered, err = sc.deliver(ctx)
	return st, err
}

// ruleRun is one due rule's evaluation and what it changes.
type ruleRun struct {
	rule   *Rule
	sub    *Subscription
	ev     *Evaluation
	err    error
	states []GroupState
	from   []string
	notes  []note
}

func (run *ruleRun) disabled() bool {
	return (run.rule != nil && run.rule.Disabled) || (run.sub != nil && run.sub.Disabled)
}

type note struct {
	state  GroupState
	obs    Observation
	notice string
}

// tick evaluates every due rule once, however many ticks it missed, and
// writes the new states, history, notices and next fire times in one
// transaction.
func (sc *Scheduler) tick(ctx context.Context, st *StepStats) error {
	now := sc.now()
	ids, err := sc.store.due(ctx, now)
	if err != nil || len(ids) == 0 {
		return err
	}
	runs, err := sc.load(ctx, ids)
	if err != nil {
		return err
	}
	st.Queries = sc.evaluate(ctx, runs)
	states, err := sc.store.states(ctx, ids)
	if err != nil {
		return err
	}
	for _, run := range runs {
		if run.rule != nil && run.err == nil && !run.rule.Disabled {
			advance(run, states[run.rule.ID], now)
		}
	}
	sc.drawCharts(ctx, runs)
	err = sc.store.write(ctx, func(tx *sql.Tx) error {
		w := newTickWrites()
		for _, run := range runs {
			if err := sc.record(ctx, tx, w, run, now, st); err != nil {
				return err
			}
		}
		return w.flush(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("record tick: %w", err)
	}
	return nil
}

// load reads the due specs; ids that are no longer specs lose their schedule.
func (sc *Scheduler) load(ctx context.Context, ids []string) ([]*ruleRun, error) {
	var runs []*ruleRun
	err := sc.store.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT kind, spec FROM alert_rules WHERE list_contains(?, id) ORDER BY id`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kind, spec string
			if err := rows.Scan(&kind, &spec); err != nil {
				return err
			}
			run := &ruleRun{}
			switch kind {
			case kindRule:
				run.rule = &Rule{}
				err = json.Unmarshal([]byte(spec), run.rule)
			case kindSubscription:
				run.sub = &Subscription{}
				err = json.Unmarshal([]byte(spec), run.sub)
			}
			if err != nil {
				return fmt.Errorf("decode %s: %w", kind, err)
			}
			runs = append(runs, run)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("load due rules: %w", err)
	}
	return runs, nil
}

// evaluate runs the due rules' queries, Workers at a time, each distinct
// query and scope once.
func (sc *Scheduler) evaluate(ctx context.Context, runs []*ruleRun) int {
	q := newTickQuerier(sc.q)
	sem := make(chan struct{}, sc.cfg.Workers)
	var wg sync.WaitGroup
	for _, run := range runs {
		if run.disabled() {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if run.rule != nil {
				run.ev, run.err = Evaluate(ctx, q, run.rule)
			} else {
				run.err = sc.prepareReport(ctx, run)
			}
		}()
	}
	wg.Wait()
	return q.distinct()
}

// advance steps every group of a rule: those observed, and those that
// were pending or firing but are absent now (read as not breaching).
func advance(run *ruleRun, prev map[string]GroupState, now time.Time) {
	seen := map[string]bool{}
	obs := run.ev.Observations
	for g, s := range prev {
		if s.State == StatePending || s.State == StateFiring {
			if !slices.ContainsFunc(obs, func(o Observation) bool { return o.Group == g }) {
				obs = append(obs, Observation{Group: g})
			}
		}
	}
	for _, o := range obs {
		if seen[o.Group] {
			continue
		}
		seen[o.Group] = true
		old := prev[o.Group]
		old.Rule, old.Group = run.rule.ID, o.Group
		next, notice := step(run.rule, old, o, now)
		run.states = append(run.states, next)
		run.from = append(run.from, old.State)
		if notice != noticeNone {
			run.notes = append(run.notes, note{state: next, obs: o, notice: notice})
		}
	}
}

// drawCharts renders each rule's chart once, for the rules with notices.
func (sc *Scheduler) drawCharts(ctx context.Context, runs []*ruleRun) {
	if sc.cfg.Renderer == nil {
		return
	}
	for _, run := range runs {
		if run.rule == nil || len(run.notes) == 0 || run.ev == nil {
			continue
		}
		img, err := sc.ruleChart(ctx, run.rule, run.ev)
		if err != nil {
			sc.log.Debug("alert chart not drawn; sending text", "rule", run.rule.ID, "err", err)
			continue
		}
		run.ev.image = img
	}
}

// record writes one run's outcome within the tick's transaction.
func (sc *Scheduler) record(ctx context.Context, tx *sql.Tx, w *tickWrites, run *ruleRun, now time.Time, st *StepStats) error {
	id, sched := "", Schedule{}
	if run.rule != nil {
		id, sched = run.rule.ID, run.rule.Schedule
	} else {
		id, sched = run.sub.ID, run.sub.Schedule
	}
	next, err := sched.Next(now)
	if err != nil {
		return err
	}
	// The next fire time is after now: missed ticks are not run one by one.
	w.schedule.add(id, sched.Cron, sched.TimeZone, next, now)
	if run.disabled() {
		return nil
	}
	if run.err != nil {
		st.Failed++
		sc.log.Warn("alert evaluation failed", "id", id, "err", run.err)
		w.history.add(id, "", now, "", "error", "", nil, clipAnswer(run.err.Error()))
		return nil
	}
	st.Evaluated++
	if run.sub != nil {
		st.Notices++
		return sc.recordReport(ctx, w, run, now)
	}
	for i, g := range run.states {
		w.states.add(g.Rule, g.Group, g.State, g.Breaches, g.Incident, g.Since, g.NotifiedAt, g.Repeats, g.Value)
		if run.from[i] != g.State && !(run.from[i] == "" && g.State == StateOK) {
			w.history.add(id, g.Group, now, run.from[i], g.State, g.Incident, g.Value, "")
		}
	}
	for _, n := range run.notes {
		msg := message(sc.catalog(), run.rule, run.ev.Result, n.obs, n.notice, now)
		msg.Image = run.ev.image
		msg.Link = sc.ruleLink(run.rule)
		if err := sc.queue(ctx, tx, w, run.rule, n, msg, now); err != nil {
			return err
		}
		st.Notices++
	}
	return nil
}

// queue puts one notice in the outbox for each of the rule's channels.
// A repeat waits while an earlier notice of the incident has not gone out
// (a silence holds it); a resolution under a silence drops the notices
// held and is sent only where the firing was.
func (sc *Scheduler) queue(ctx context.Context, tx *sql.Tx, w *tickWrites, r *Rule, n note, msg notify.Message, now time.Time) error {
	g := n.state
	var refs []ChannelRef
	var silences []Silence
	if n.notice != noticeFiring {
		var err error
		if silences, err = silencesTx(ctx, tx, now); err != nil {
			return err
		}
	}
	for _, ref := range r.Channels {
		switch n.notice {
		case noticeRepeat:
			k, err := unsent(ctx, tx, r.ID, g.Group, g.Incident, ref.Name)
			if err != nil {
				return err
			}
			if k > 0 {
				continue
			}
		case noticeResolved:
			if !mutedUntil(silences, r.ID, ref.Name, now).IsZero() {
				if err := dropUnsent(ctx, tx, r.ID, g.Group, g.Incident, ref.Name, now); err != nil {
					return err
				}
				var sent int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alert_outbox WHERE rule_id = ? AND group_key = ? AND incident = ? AND channel = ? AND status = 'sent'`,
					r.ID, g.Group, g.Incident, ref.Name).Scan(&sent); err != nil {
					return err
				}
				if sent == 0 {
					continue
				}
			}
		}
		refs = append(refs, ref)
	}
	notice := n.notice
	if notice == noticeRepeat {
		notice = fmt.Sprintf("repeat-%d", g.Repeats)
	}
	return addNotices(w.outbox, r.ID, g.Group, g.Incident, notice, refs, msg, now)
}

func silencesTx(ctx context.Context, tx *sql.Tx, now time.Time) ([]Silence, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, rule_id, channel, until_at FROM alert_silences WHERE until_at > ?`, now)
	if err != nil {
		return nil, fmt.Errorf("read silences: %w", err)
	}
	defer rows.Close()
	var out []Silence
	for rows.Next() {
		var sl Silence
		if err := rows.Scan(&sl.ID, &sl.Rule, &sl.Channel, &sl.Until); err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	return out, rows.Err()
}
