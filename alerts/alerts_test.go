package alerts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// fakeQuerier answers a rule's query with the values set for each branch
// (or "" for a rule without dimensions).
type fakeQuerier struct {
	mu     sync.Mutex
	values map[string]float64
	runs   int
	scopes []metrics.Scope
}

func (f *fakeQuerier) set(vals map[string]float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.values = vals
}

func (f *fakeQuerier) Run(_ context.Context, q metrics.Query, scope metrics.Scope) (*metrics.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs++
	f.scopes = append(f.scopes, scope)
	m := q.Metrics[0]
	res := &metrics.Result{Definitions: []metrics.Definition{{Name: m, Format: "percent", Label: metrics.Text{ZH: "客户流失率", EN: "Churn rate"}}}}
	var keys []string
	for k := range f.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(q.Dimensions) > 0 {
		res.Columns = append(res.Columns, metrics.Column{Name: q.Dimensions[0], Role: "dimension"})
	}
	res.Columns = append(res.Columns, metrics.Column{Name: m, Role: "metric"})
	for _, k := range keys {
		if vals, ok := scope["branch"]; ok && !slices.Contains(vals, k) {
			continue
		}
		if len(q.Dimensions) > 0 {
			res.Rows = append(res.Rows, []any{k, f.values[k]})
		} else {
			res.Rows = append(res.Rows, []any{f.values[k]})
		}
	}
	return res, nil
}

// fakeNotifier records what it delivers; fail makes attempts fail.
type fakeNotifier struct {
	mu   sync.Mutex
	name string
	got  []notify.Message
	fail int // attempts still to fail (retryable)
}

func (n *fakeNotifier) Channel() string { return "fake" }

func (n *fakeNotifier) Send(_ context.Context, m notify.Message) (notify.Receipt, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail > 0 {
		n.fail--
		return notify.Receipt{}, &notify.SendError{Channel: n.name, Status: 503, Answer: "busy", Retry: true}
	}
	n.got = append(n.got, m)
	return notify.Receipt{Status: 200, Answer: "ok"}, nil
}

func (n *fakeNotifier) kinds() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, m := range n.got {
		out = append(out, string(m.Kind))
	}
	return out
}

type fakeChannels map[string]*fakeNotifier

func (c fakeChannels) Names() []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (c fakeChannels) Notifier(name string, _ []string) (notify.Notifier, error) {
	n, ok := c[name]
	if !ok {
		return nil, errors.New("no such channel")
	}
	return n, nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harness struct {
	db    *warehouse.DB
	sc    *Scheduler
	q     *fakeQuerier
	ch    fakeChannels
	clock *clock
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db := warehousetest.MustOpen(t)
	h := &harness{db: db, q: &fakeQuerier{}, ch: fakeChannels{"ops": {name: "ops"}, "mail": {name: "mail"}},
		clock: &clock{t: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)}}
	h.sc = h.scheduler(t, "a")
	return h
}

func (h *harness) scheduler(t *testing.T, holder string) *Scheduler {
	t.Helper()
	store, err := OpenStore(context.Background(), h.db)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := New(Config{Store: store, Querier: h.q, Channels: h.ch, Now: h.clock.now, Holder: holder})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	return sc
}

func (h *harness) step(t *testing.T) StepStats {
	t.Helper()
	st, err := h.sc.Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func f64(v float64) *float64 { return &v }

func everyMinuteRule(id string) *Rule {
	return &Rule{ID: id, Name: "流失率过高", Query: metrics.Query{Metrics: []string{"churn_rate"}},
		Condition: Condition{Kind: "threshold", Above: f64(0.05)},
		Schedule:  Schedule{Cron: "* * * * *", TimeZone: "Asia/Shanghai"},
		Channels:  []ChannelRef{{Name: "ops"}}, Owner: Owner{Subject: "risk-team"}}
}

func (h *harness) state(t *testing.T, id, group string) string {
	t.Helper()
	states, err := h.sc.store.States(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.Group == group {
			return s.State
		}
	}
	return ""
}

// TestStateMachine walks one rule through pending, firing, repeat and
// resolved, minute by minute, and checks what reached the channel.
func TestStateMachine(t *testing.T) {
	h := newHarness(t)
	r := everyMinuteRule("churn")
	r.For = 2
	r.Repeat = "3m"
	if err := h.sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		value     float64
		wantState string
		wantSent  []string
	}{
		{0.01, StateOK, nil},
		{0.07, StatePending, nil},
		{0.01, StateOK, nil}, // a single breach does not fire with for: 2
		{0.07, StatePending, nil},
		{0.08, StateFiring, []string{"firing"}},
		{0.09, StateFiring, []string{"firing"}},
		{0.09, StateFiring, []string{"firing"}},
		{0.09, StateFiring, []string{"firing", "firing"}}, // repeat after 3 minutes
		{0.02, StateResolved, []string{"firing", "firing", "resolved"}},
		{0.02, StateResolved, []string{"firing", "firing", "resolved"}},
	}
	for i, s := range steps {
		h.clock.advance(time.Minute)
		h.q.set(map[string]float64{"": s.value})
		st := h.step(t)
		if st.Evaluated != 1 {
			t.Fatalf("step %d: evaluated %d rules, want 1", i, st.Evaluated)
		}
		if got := h.state(t, "churn", ""); got != s.wantState {
			t.Errorf("step %d (value %g): state %q, want %q", i, s.value, got, s.wantState)
		}
		if got := h.ch["ops"].kinds(); !slices.Equal(got, s.wantSent) {
			t.Errorf("step %d: sent %v, want %v", i, got, s.wantSent)
		}
	}
	got := h.ch["ops"].got
	if got[0].Key == got[1].Key || got[0].Key == got[2].Key {
		t.Errorf("notices share idempotency keys: %q %q %q", got[0].Key, got[1].Key, got[2].Key)
	}
	if got[0].Figures[0].Value != "9.00%" && got[0].Figures[0].Value != "8.00%" {
		t.Errorf("firing figure %q, want the value formatted as a percent (8.00%%)", got[0].Figures[0].Value)
	}
	hist, err := h.sc.History(context.Background(), "churn", 100)
	if err != nil {
		t.Fatal(err)
	}
	var moves []string
	for i := len(hist.Transitions) - 1; i >= 0; i-- {
		tr := hist.Transitions[i]
		moves = append(moves, tr.From+">"+tr.To)
	}
	want := []string{"ok>pending", "pending>ok", "ok>pending", "pending>firing", "firing>resolved"}
	if !slices.Equal(moves, want) {
		t.Errorf("history %v, want %v", moves, want)
	}
	if len(hist.Deliveries) != 3 {
		t.Errorf("delivery log has %d attempts, want 3", len(hist.Deliveries))
	}
}

// TestBreakdownFiresPerGroup: one event per branch that breaches.
func TestBreakdownFiresPerGroup(t *testing.T) {
	h := newHarness(t)
	r := everyMinuteRule("by-branch")
	r.Query.Dimensions = []string{"branch"}
	if err := h.sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(time.Minute)
	h.q.set(map[string]float64{"A": 0.09, "B": 0.01, "C": 0.06})
	h.step(t)
	var titles []string
	for _, m := range h.ch["ops"].got {
		titles = append(titles, m.Subject())
	}
	sort.Strings(titles)
	want := []string{"【告警】流失率过高：A", "【告警】流失率过高：C"}
	if !slices.Equal(titles, want) {
		t.Fatalf("sent %q, want %q", titles, want)
	}
	// B breaches next; A and C stay firing and are not sent again.
	h.clock.advance(time.Minute)
	h.q.set(map[string]float64{"A": 0.09, "B": 0.08, "C": 0.06})
	h.step(t)
	if n := len(h.ch["ops"].got); n != 3 {
		t.Fatalf("%d messages after B breached, want 3", n)
	}
	// A disappears from the result (e.g. out of scope): it resolves.
	h.clock.advance(time.Minute)
	h.q.set(map[string]float64{"B": 0.08, "C": 0.06})
	h.step(t)
	if got := h.state(t, "by-branch", "branch=A"); got != StateResolved {
		t.Errorf("A is %q after leaving the result, want resolved", got)
	}
}

// TestSilence: a silenced firing is held, sent when the silence ends; a
// repeat does not pile up behind it; an alert that clears under a silence
// sends nothing.
func TestSilence(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	r := everyMinuteRule("quiet")
	r.Repeat = "1m"
	r.Channels = []ChannelRef{{Name: "ops"}, {Name: "mail"}}
	if err := h.sc.PutRule(ctx, r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	if err := h.sc.AddSilence(ctx, &Silence{Rule: "quiet", Channel: "ops", Until: h.clock.now().Add(5*time.Minute + 30*time.Second)}); err != nil {
		t.Fatal(err)
	}
	h.q.set(map[string]float64{"": 0.09})
	for i := 0; i < 4; i++ {
		h.clock.advance(time.Minute)
		h.step(t)
	}
	if n := len(h.ch["ops"].got); n != 0 {
		t.Fatalf("silenced channel got %d messages", n)
	}
	if got := h.ch["mail"].kinds(); len(got) != 4 { // firing + 3 repeats, every minute
		t.Fatalf("unsilenced channel got %v, want firing and three repeats", got)
	}
	// The silence ends at 5m30s: the next step sends the held notice, once.
	h.clock.advance(2 * time.Minute)
	h.step(t)
	if got := h.ch["ops"].kinds(); !slices.Equal(got, []string{"firing"}) {
		t.Fatalf("after the silence the channel got %v, want one firing", got)
	}

	// Another incident clears under a silence: nothing is sent for it.
	h.q.set(map[string]float64{"": 0.01})
	h.clock.advance(time.Minute)
	h.step(t) // resolved, sent to both
	opsBefore := len(h.ch["ops"].got)
	if err := h.sc.AddSilence(ctx, &Silence{Channel: "ops", Until: h.clock.now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	h.q.set(map[string]float64{"": 0.09})
	h.clock.advance(time.Minute)
	h.step(t)
	h.q.set(map[string]float64{"": 0.01})
	h.clock.advance(time.Minute)
	h.step(t)
	h.clock.advance(2 * time.Hour)
	h.step(t)
	if n := len(h.ch["ops"].got); n != opsBefore {
		t.Errorf("an incident that began and cleared under a silence sent %d messages", n-opsBefore)
	}
}

// TestDaylightSaving: a daily 02:30 schedule in New York runs once on the
// spring-forward day (02:30 does not exist: it runs at 03:30 EDT) and once
// on the fall-back day.
func TestDaylightSaving(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	s := Schedule{Cron: "30 2 * * *", TimeZone: "America/New_York"}
	cases := []struct {
		name string
		from time.Time
		want []time.Time
	}{
		{"spring forward", time.Date(2026, 3, 7, 12, 0, 0, 0, ny), []time.Time{
			time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), // 03:30 EDT
			time.Date(2026, 3, 9, 6, 30, 0, 0, time.UTC), // 02:30 EDT
		}},
		{"fall back", time.Date(2026, 10, 31, 12, 0, 0, 0, ny), []time.Time{
			time.Date(2026, 11, 1, 7, 30, 0, 0, time.UTC), // 02:30 EST
			time.Date(2026, 11, 2, 7, 30, 0, 0, time.UTC),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at := c.from
			for i, want := range c.want {
				next, err := s.Next(at)
				if err != nil {
					t.Fatal(err)
				}
				if !next.Equal(want) {
					t.Fatalf("run %d at %s, want %s", i, next.UTC(), want)
				}
				at = next
			}
		})
	}
	// A job in the repeated hour (01:30 on the fall-back day) runs once.
	s = Schedule{Cron: "30 1 * * *", TimeZone: "America/New_York"}
	first, _ := s.Next(time.Date(2026, 10, 31, 12, 0, 0, 0, ny))
	second, _ := s.Next(first)
	if second.Sub(first) < 24*time.Hour {
		t.Errorf("01:30 on the fall-back day ran twice: %s and %s", first.UTC(), second.UTC())
	}
	// And the scheduler, driven through the spring-forward night minute by
	// minute, evaluates the rule once.
	h := newHarness(t)
	h.clock.t = time.Date(2026, 3, 8, 0, 0, 0, 0, ny)
	r := everyMinuteRule("dst")
	r.Schedule = Schedule{Cron: "30 2 * * *", TimeZone: "America/New_York"}
	if err := h.sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	h.q.set(map[string]float64{"": 0.01})
	h.step(t) // a new rule is evaluated at once
	runs := 0
	for i := 0; i < 6*60; i++ {
		h.clock.advance(time.Minute)
		runs += h.step(t).Evaluated
	}
	if runs != 1 {
		t.Errorf("evaluated %d times over the spring-forward night, want 1", runs)
	}
}

// TestMissedTick: a scheduler down for several ticks runs the missed
// evaluation once when it comes back.
func TestMissedTick(t *testing.T) {
	h := newHarness(t)
	r := everyMinuteRule("hourly")
	r.Schedule = Schedule{Cron: "0 * * * *", TimeZone: "UTC"}
	if err := h.sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	h.q.set(map[string]float64{"": 0.01})
	h.step(t) // a new rule is evaluated at once
	h.q.runs = 0
	h.clock.advance(5*time.Hour + 10*time.Minute) // five ticks missed
	sc2 := h.scheduler(t, "b")                    // a restart: a new scheduler, lease expired
	st, err := sc2.Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Evaluated != 1 || h.q.runs != 1 {
		t.Fatalf("evaluated %d (queries %d) after five missed ticks, want 1", st.Evaluated, h.q.runs)
	}
	st, _ = sc2.Step(context.Background())
	if st.Evaluated != 0 {
		t.Fatalf("evaluated again in the same hour")
	}
	next, err := sc2.store.nextAt(context.Background(), "hourly")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 2, 14, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Errorf("next run %s, want %s", next.UTC(), want)
	}
}

// TestOutboxResumes: failed sends are retried with backoff, each attempt
// logged; a restarted scheduler sends what is left and nothing twice.
func TestOutboxResumes(t *testing.T) {
	h := newHarness(t)
	h.ch["ops"].fail = 2
	r := everyMinuteRule("retry")
	if err := h.sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	h.q.set(map[string]float64{"": 0.09})
	h.clock.advance(time.Minute)
	h.step(t) // attempt 1 fails
	if n := len(h.ch["ops"].got); n != 0 {
		t.Fatalf("delivered %d despite the failure", n)
	}
	// A restart: a new scheduler over the same database.
	h.clock.advance(time.Minute)
	h.sc = h.scheduler(t, "b")
	if err := h.sc.Start(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		h.clock.advance(time.Minute)
		h.step(t)
	}
	if got := h.ch["ops"].kinds(); !slices.Equal(got, []string{"firing"}) {
		t.Fatalf("sent %v, want one firing", got)
	}
	hist, err := h.sc.History(context.Background(), "retry", 100)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for i := len(hist.Deliveries) - 1; i >= 0; i-- {
		statuses = append(statuses, fmt.Sprintf("%d:%s", hist.Deliveries[i].Attempt, hist.Deliveries[i].Status))
	}
	if want := []string{"1:retry", "2:retry", "3:sent"}; !slices.Equal(statuses, want) {
		t.Errorf("delivery log %v, want %v", statuses, want)
	}
}

// TestLease: two schedulers on the same data; only the lease holder
// evaluates and sends, and the other takes over when the lease expires.
func TestLease(t *testing.T) {
	h := newHarness(t)
	b := h.scheduler(t, "b")
	r := everyMinuteRule("leased")
	if err := h.sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	h.q.set(map[string]float64{"": 0.09})
	h.clock.advance(time.Minute)
	sa, _ := h.sc.Step(context.Background())
	sb, _ := b.Step(context.Background())
	if !sa.Leader || sb.Leader {
		t.Fatalf("leaders: a %v, b %v; want a only", sa.Leader, sb.Leader)
	}
	if n := len(h.ch["ops"].got); n != 1 {
		t.Fatalf("two schedulers sent %d messages, want 1", n)
	}
	// a stops renewing; after the lease's expiry b takes over.
	h.clock.advance(2 * time.Minute)
	sb, _ = b.Step(context.Background())
	if !sb.Leader {
		t.Fatal("b did not take over an expired lease")
	}
	sa, _ = h.sc.Step(context.Background())
	if sa.Leader {
		t.Fatal("a still leads after b took over")
	}
	if n := len(h.ch["ops"].got); n != 1 {
		t.Fatalf("after the hand-over %d messages, want 1", n)
	}
}

// TestTwoSchedulersDeliverEachEventOnce: two schedulers on the same data
// step at the same moments, minute after minute, while twelve branches
// breach and clear in turn, the channel fails now and then, and one
// scheduler stops for a while (its lease expires and the other takes
// over). Every event (each branch's firing and resolution, counted from
// the pattern by hand) reaches the channel exactly once.
func TestTwoSchedulersDeliverEachEventOnce(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t)
	b := h.scheduler(t, "b")
	r := everyMinuteRule("shared")
	r.Query.Dimensions = []string{"branch"}
	if err := h.sc.PutRule(ctx, r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	const branches, minutes = 12, 16
	breach := func(m, i int) bool { return m < minutes-3 && (m+i)%5 < 2 }
	want := 0
	for i := 0; i < branches; i++ {
		firing := false
		for m := 0; m < minutes; m++ {
			if breach(m, i) != firing {
				firing = !firing
				want++ // a firing or a resolution
			}
		}
	}
	for m := 0; m < minutes; m++ {
		vals := map[string]float64{}
		for i := 0; i < branches; i++ {
			vals[fmt.Sprintf("B%02d", i)] = map[bool]float64{true: 0.09, false: 0.01}[breach(m, i)]
		}
		h.q.set(vals)
		h.clock.advance(time.Minute)
		if m%3 == 1 {
			h.ch["ops"].mu.Lock()
			h.ch["ops"].fail = 2
			h.ch["ops"].mu.Unlock()
		}
		var wg sync.WaitGroup
		for i, sc := range []*Scheduler{h.sc, b} {
			if i == 0 && m >= 5 && m < 8 {
				continue // a is stopped: b takes over once a's lease expires
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := sc.Step(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	for m := 0; m < 3; m++ { // let retries finish
		h.clock.advance(time.Minute)
		if _, err := b.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for _, msg := range h.ch["ops"].got {
		seen[msg.Key]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("event %s delivered %d times", k, n)
		}
	}
	if len(seen) != want {
		t.Errorf("%d distinct events delivered, want %d", len(seen), want)
	}
}

// TestFileRuleStaysOnceSent: a rule from a file cannot be deleted over the
// API (it would come back at the next start with fresh state and send its
// open incident again), and reloading the file at a restart, with a new
// scheduler on the same store, sends nothing already delivered.
func TestFileRuleStaysOnceSent(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	r := everyMinuteRule("from-file")
	if err := h.sc.PutRule(ctx, r, "/etc/beacon/alerts.yaml"); err != nil {
		t.Fatal(err)
	}
	sub := &Subscription{ID: "weekly", Name: "周报", Report: "weekly", Figures: []metrics.Query{{Metrics: []string{"churn_rate"}}},
		Schedule: Schedule{Cron: "0 9 * * 1", TimeZone: "Asia/Shanghai"}, Channels: []ChannelRef{{Name: "ops"}}, Owner: Owner{Subject: "risk-team"}}
	if err := h.sc.PutSubscription(ctx, sub, "/etc/beacon/alerts.yaml"); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(time.Minute)
	h.q.set(map[string]float64{"": 0.09})
	h.step(t)
	if got := h.ch["ops"].kinds(); !slices.Equal(got, []string{"firing"}) {
		t.Fatalf("sent %v, want one firing", got)
	}
	for _, del := range []func() error{
		func() error { return h.sc.DeleteRule(ctx, "from-file") },
		func() error { return h.sc.DeleteSubscription(ctx, "weekly") },
	} {
		err := del()
		if beacon.ErrorCode(err) != beacon.ECONFLICT || !strings.Contains(fmt.Sprint(err), "/etc/beacon/alerts.yaml") {
			t.Errorf("deleting a file's rule or subscription: %v, want a conflict naming the file", err)
		}
	}
	if _, err := h.sc.Rule(ctx, "from-file"); err != nil {
		t.Fatalf("the refused delete removed the rule: %v", err)
	}
	// Restart: a new process reloads the file and evaluates again.
	h.sc = h.scheduler(t, "b")
	if err := h.sc.PutRule(ctx, everyMinuteRule("from-file"), "/etc/beacon/alerts.yaml"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		h.clock.advance(time.Minute)
		h.step(t)
	}
	if got := h.ch["ops"].kinds(); !slices.Equal(got, []string{"firing"}) {
		t.Errorf("after the restart the channel has %v, want the one firing sent before", got)
	}
	// A rule made over the API is still deleted.
	api := everyMinuteRule("from-api")
	if err := h.sc.PutRule(ctx, api, OriginAPI); err != nil {
		t.Fatal(err)
	}
	if err := h.sc.DeleteRule(ctx, "from-api"); err != nil {
		t.Errorf("deleting an API rule: %v", err)
	}
}

// TestMessageTimeInTheRulesZone: a rule scheduled in Asia/Shanghai tells
// its readers the time in Shanghai, named, after the outbox.
func TestMessageTimeInTheRulesZone(t *testing.T) {
	h := newHarness(t)
	if err := h.sc.PutRule(context.Background(), everyMinuteRule("sh"), OriginAPI); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(time.Minute) // 08:01 UTC is 16:01 in Shanghai
	h.q.set(map[string]float64{"": 0.09})
	h.step(t)
	got := h.ch["ops"].got
	if len(got) != 1 {
		t.Fatalf("sent %d messages, want 1", len(got))
	}
	want := h.clock.now().In(time.FixedZone("", 8*3600)).Format("2006-01-02 15:04") + " Asia/Shanghai (UTC+08:00)"
	if tt := got[0].TimeText(); tt != want {
		t.Errorf("time %q, want %q", tt, want)
	}
}

// TestMessagesLinkTheSharedReport: an alert and a figures subscription
// carry a sealed link that opens their own queries under the owner's
// scope, for a week.
func TestMessagesLinkTheSharedReport(t *testing.T) {
	h := newHarness(t)
	sharer, err := reports.NewSharer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	h.sc.cfg.Sharer, h.sc.cfg.BaseURL = sharer, "https://bi.bank.example/"
	r := everyMinuteRule("linked")
	if err := h.sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	h.clock.advance(time.Minute)
	h.q.set(map[string]float64{"": 0.09})
	h.step(t)
	sub := &Subscription{ID: "figs", Name: "本行周报", Report: "adhoc", Figures: []metrics.Query{{Metrics: []string{"churn_rate"}}},
		Schedule: Schedule{Cron: "0 9 * * 1", TimeZone: "Asia/Shanghai"}, Owner: Owner{Subject: "head", Scope: metrics.Scope{"branch": {"上海静安支行"}}}, Lang: "zh"}
	subLink := h.sc.subscriptionLink(sub)
	got := h.ch["ops"].got
	if len(got) != 1 {
		t.Fatalf("sent %d messages, want 1", len(got))
	}
	for _, c := range []struct {
		link, metric string
		scope        []string
	}{{got[0].Link, "churn_rate", nil}, {subLink, "churn_rate", []string{"上海静安支行"}}} {
		tok, ok := strings.CutPrefix(c.link, "https://bi.bank.example/shared/")
		if !ok {
			t.Fatalf("link %q is not a shared report link", c.link)
		}
		sh, err := sharer.Open(tok, h.clock.now().Add(6*24*time.Hour))
		if err != nil {
			t.Fatalf("link does not open within the week: %v", err)
		}
		if len(sh.Queries) != 1 || sh.Queries[0].Metrics[0] != c.metric || !slices.Equal(sh.Scope["branch"], c.scope) {
			t.Errorf("link opens %+v, want the %s query in the owner's scope", sh, c.metric)
		}
		if _, err := sharer.Open(tok, h.clock.now().Add(8*24*time.Hour)); err == nil {
			t.Errorf("link still opens after a week")
		}
	}
}
