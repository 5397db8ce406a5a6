package alerts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify"
)

// flight counts the sends in progress, in all and per robot, and keeps
// the peaks.
type flight struct {
	mu      sync.Mutex
	now     int
	peak    int
	robots  map[string]int
	peaks   map[string]int
	crowded chan struct{} // closed once three sends overlap
}

func newFlight() *flight {
	return &flight{robots: map[string]int{}, peaks: map[string]int{}, crowded: make(chan struct{})}
}

func (f *flight) enter(robot string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now++
	if f.now > f.peak {
		f.peak = f.now
		if f.peak == 3 {
			close(f.crowded)
		}
	}
	if robot != "" {
		f.robots[robot]++
		f.peaks[robot] = max(f.peaks[robot], f.robots[robot])
	}
}

func (f *flight) leave(robot string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now--
	if robot != "" {
		f.robots[robot]--
	}
}

// laneNotifier is a channel that records its messages while counting
// sends in flight; with a robot name it is a chat robot (notify.Keyless).
type laneNotifier struct {
	robot string
	f     *flight
	mu    sync.Mutex
	got   []notify.Message
	// cut, when set, is called once after a message arrived and before
	// its answer is read: it stops the scheduler, as a crash would.
	cut func()
}

func (n *laneNotifier) Channel() string { return "lane" }

func (n *laneNotifier) Send(ctx context.Context, m notify.Message) (notify.Receipt, error) {
	n.f.enter(n.robot)
	defer n.f.leave(n.robot)
	if n.robot == "" {
		// A keyed channel waits (a little) for company, so that the test
		// sees whether sends overlap at all.
		select {
		case <-n.f.crowded:
		case <-time.After(2 * time.Second):
		}
	} else {
		time.Sleep(5 * time.Millisecond) // a robot's answer takes a while
	}
	n.mu.Lock()
	n.got = append(n.got, m)
	cut := n.cut
	n.cut = nil
	n.mu.Unlock()
	if cut != nil {
		cut()
		<-ctx.Done()
		return notify.Receipt{}, ctx.Err()
	}
	return notify.Receipt{Status: 200, Answer: "ok"}, nil
}

func (n *laneNotifier) messages() []notify.Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.got)
}

// robotNotifier is laneNotifier as a chat robot.
type robotNotifier struct{ *laneNotifier }

func (r robotNotifier) Destination() string { return r.robot }

type laneChannels map[string]notify.Notifier

func (c laneChannels) Names() []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (c laneChannels) Notifier(name string, _ []string) (notify.Notifier, error) {
	if n, ok := c[name]; ok {
		return n, nil
	}
	return nil, fmt.Errorf("no channel %q", name)
}

// laneHarness runs a breakdown rule over ten branches on two channels
// of one robot (two names, one destination), another robot and a keyed
// webhook-like channel.
type laneHarness struct {
	h                 *harness
	ch                laneChannels
	f                 *flight
	a, a2, b          robotNotifier
	hook              *laneNotifier
	branches, senders int
}

func newLaneHarness(t *testing.T) *laneHarness {
	t.Helper()
	h := newHarness(t)
	f := newFlight()
	lh := &laneHarness{h: h, f: f, branches: 10, senders: 8,
		a:    robotNotifier{&laneNotifier{robot: "robot-a", f: f}},
		b:    robotNotifier{&laneNotifier{robot: "robot-b", f: f}},
		hook: &laneNotifier{f: f}}
	lh.a2 = robotNotifier{&laneNotifier{robot: "robot-a", f: f}}
	lh.ch = laneChannels{"a": lh.a, "a2": lh.a2, "b": lh.b, "hook": lh.hook}
	lh.h.sc = lh.scheduler(t, "a")
	r := everyMinuteRule("lanes")
	r.Query.Dimensions = []string{"branch"}
	r.Channels = []ChannelRef{{Name: "a"}, {Name: "a2"}, {Name: "b"}, {Name: "hook"}}
	if err := lh.h.sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	vals := map[string]float64{}
	for i := 0; i < lh.branches; i++ {
		vals[fmt.Sprintf("B%02d", i)] = 0.09
	}
	h.q.set(vals)
	return lh
}

func (lh *laneHarness) scheduler(t *testing.T, holder string) *Scheduler {
	t.Helper()
	store, err := OpenStore(context.Background(), lh.h.db)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := New(Config{Store: store, Querier: lh.h.q, Channels: lh.ch, Now: lh.h.clock.now, Holder: holder, Senders: lh.senders})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	return sc
}

// TestOneMessageAtATimePerRobot: with eight senders, the keyed channel's
// deliveries overlap, but a chat robot never has two messages in flight,
// even when two channel names post to it; every notice arrives once.
func TestOneMessageAtATimePerRobot(t *testing.T) {
	lh := newLaneHarness(t)
	lh.h.clock.advance(time.Minute)
	if _, err := lh.h.sc.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]*laneNotifier{"a": lh.a.laneNotifier, "a2": lh.a2.laneNotifier, "b": lh.b.laneNotifier, "hook": lh.hook} {
		keys := map[string]bool{}
		for _, m := range n.messages() {
			keys[m.Key] = true
		}
		if len(n.messages()) != lh.branches || len(keys) != lh.branches {
			t.Errorf("channel %s got %d messages (%d distinct), want %d", name, len(n.messages()), len(keys), lh.branches)
		}
	}
	lh.f.mu.Lock()
	defer lh.f.mu.Unlock()
	for robot, peak := range lh.f.peaks {
		if peak != 1 {
			t.Errorf("robot %s had %d messages in flight at once, want 1", robot, peak)
		}
	}
	if len(lh.f.peaks) != 2 {
		t.Errorf("robots seen %v, want robot-a and robot-b", lh.f.peaks)
	}
	if lh.f.peak < 3 {
		t.Errorf("at most %d sends overlapped: deliveries to other channels should still go in parallel", lh.f.peak)
	}
}

// TestInDoubtRobotMessageIsResentMarked: the process stops after a robot
// and the keyed channel took a message but before their answers were
// recorded. At the next start both are in doubt and sent again: the keyed
// channel's copy unchanged, under the same key (its receiver drops it),
// the robot's with a first line saying it may be a repeat, since the
// robot can neither be asked nor drop it.
func TestInDoubtRobotMessageIsResentMarked(t *testing.T) {
	lh := newLaneHarness(t)
	lh.h.q.set(map[string]float64{"B00": 0.09}) // one event
	ctx, stop := context.WithCancel(context.Background())
	var once sync.Once
	var arrived sync.WaitGroup
	arrived.Add(2)
	cut := func() {
		arrived.Done()
		go once.Do(func() { arrived.Wait(); stop() })
	}
	lh.b.cut, lh.hook.cut = cut, cut
	lh.h.clock.advance(time.Minute)
	_, _ = lh.h.sc.Step(ctx) // stopped mid-delivery
	if n, m := len(lh.b.messages()), len(lh.hook.messages()); n != 1 || m != 1 {
		t.Fatalf("before the stop the robot got %d messages and the hook %d, want 1 each", n, m)
	}

	// The next process: a new scheduler over the same database.
	lh.h.clock.advance(time.Minute)
	sc := lh.scheduler(t, "b")
	for i := 0; i < 3; i++ {
		lh.h.clock.advance(time.Minute)
		if _, err := sc.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	robot, hook := lh.b.messages(), lh.hook.messages()
	if len(robot) != 2 || len(hook) != 2 {
		t.Fatalf("after the restart the robot has %d messages and the hook %d, want 2 each (one resend)", len(robot), len(hook))
	}
	if robot[0].Key != robot[1].Key || hook[0].Key != hook[1].Key {
		t.Errorf("a resend changed its key: robot %q/%q, hook %q/%q", robot[0].Key, robot[1].Key, hook[0].Key, hook[1].Key)
	}
	mark := resentLine["zh"]
	if slices.Contains(robot[0].Lines, mark) {
		t.Errorf("the first robot message is marked as a resend: %q", robot[0].Lines)
	}
	if len(robot[1].Lines) == 0 || robot[1].Lines[0] != mark || !slices.Equal(robot[1].Lines[1:], robot[0].Lines) {
		t.Errorf("the robot's resend has lines %q, want %q then the original's %q", robot[1].Lines, mark, robot[0].Lines)
	}
	if !slices.Equal(hook[1].Lines, hook[0].Lines) {
		t.Errorf("the keyed channel's resend changed: %q, want %q", hook[1].Lines, hook[0].Lines)
	}
	// Robot a (not cut) got its message once, unmarked.
	if got := lh.a.messages(); len(got) != 1 || slices.Contains(got[0].Lines, mark) {
		t.Errorf("robot a got %d messages (%v), want one unmarked", len(got), got)
	}
	hist, err := sc.History(context.Background(), "lanes", 100)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for i := len(hist.Deliveries) - 1; i >= 0; i-- {
		if d := hist.Deliveries[i]; strings.HasSuffix(d.Key, "|b") {
			log = append(log, fmt.Sprintf("%d:%s", d.Attempt, d.Status))
		}
	}
	if want := []string{"1:in_doubt", "2:sent"}; !slices.Equal(log, want) {
		t.Errorf("robot b's delivery log %v, want %v", log, want)
	}
}
