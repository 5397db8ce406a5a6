package alerts

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify"
)

// quotaNotifier is held back by its destination's pacing for its first
// held sends (no request made), then delivers.
type quotaNotifier struct {
	mu   sync.Mutex
	held int
	got  int
}

func (n *quotaNotifier) Channel() string { return "dingtalk" }

func (n *quotaNotifier) Send(context.Context, notify.Message) (notify.Receipt, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.held > 0 {
		n.held--
		return notify.Receipt{}, notify.QuotaSendError("dingtalk", &notify.QuotaError{Wait: 30 * time.Second, N: 20, Per: time.Minute})
	}
	n.got++
	return notify.Receipt{Status: 200, Answer: `{"errcode":0}`}, nil
}

type oneChannel struct{ n notify.Notifier }

func (c oneChannel) Names() []string { return []string{"ops"} }
func (c oneChannel) Notifier(string, []string) (notify.Notifier, error) {
	return c.n, nil
}

// TestPacingHoldIsNotAnAttempt: a notice held back by a robot's own
// window, ten times over, is not failed after the policy's three
// attempts: no request was made, so each hold is logged as deferred and
// the notice goes once the window allows, as attempt 1.
func TestPacingHoldIsNotAnAttempt(t *testing.T) {
	h := newHarness(t)
	qn := &quotaNotifier{held: 10}
	store, err := OpenStore(context.Background(), h.db)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := New(Config{Store: store, Querier: h.q, Channels: oneChannel{qn}, Now: h.clock.now, Holder: "q",
		Retry: notify.Policy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: time.Minute, MaxElapsed: 2 * time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Start(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	h.q.set(map[string]float64{"": 0.09})
	r := everyMinuteRule("paced")
	r.Schedule.Cron = "0 9 * * *"
	if err := sc.PutRule(context.Background(), r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		if _, err := sc.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.clock.advance(31 * time.Second)
	}
	if qn.got != 1 {
		t.Fatalf("delivered %d times, want once after the holds", qn.got)
	}
	hist, err := sc.History(context.Background(), "paced", 100)
	if err != nil {
		t.Fatal(err)
	}
	deferred, sent := 0, 0
	for _, d := range hist.Deliveries {
		switch d.Status {
		case delDeferred:
			deferred++
		case delSent:
			sent++
			if d.Attempt != 1 {
				t.Errorf("sent as attempt %d, want 1: the holds were no attempts", d.Attempt)
			}
		case delFailed, delRetry:
			t.Errorf("a hold logged as %s: %+v", d.Status, d)
		}
	}
	if deferred != 10 || sent != 1 {
		t.Errorf("log has %d deferred and %d sent, want 10 and 1: %+v", deferred, sent, hist.Deliveries)
	}
}
