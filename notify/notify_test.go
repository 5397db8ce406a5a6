package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/notifytest"
)

// scripted fails with the given errors in turn, then succeeds.
type scripted struct {
	errs  []error
	calls int
}

func (s *scripted) Channel() string { return "fake" }

func (s *scripted) Send(context.Context, notify.Message) (notify.Receipt, error) {
	s.calls++
	if s.calls <= len(s.errs) {
		return notify.Receipt{}, s.errs[s.calls-1]
	}
	return notify.Receipt{Status: 200, Answer: "ok"}, nil
}

func retryable(status int, after time.Duration) error {
	return &notify.SendError{Channel: "fake", Status: status, Retry: true, RetryAfter: after}
}

func TestDeliver(t *testing.T) {
	refused := &notify.SendError{Channel: "fake", Status: 400}
	for _, tc := range []struct {
		name      string
		errs      []error
		policy    notify.Policy
		jitter    float64
		wantCalls int
		wantErr   error
		wantWaits []time.Duration
	}{
		{"first try", nil, notify.Policy{}, 0.5, 1, nil, nil},
		{"backoff doubles with full jitter", []error{retryable(500, 0), retryable(502, 0), retryable(0, 0)},
			notify.Policy{BaseDelay: time.Second, MaxDelay: time.Minute}, 0.5, 4, nil,
			[]time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
		{"capped by MaxDelay", []error{retryable(500, 0), retryable(500, 0), retryable(500, 0)},
			notify.Policy{BaseDelay: 10 * time.Second, MaxDelay: 15 * time.Second}, 0.99, 4, nil,
			[]time.Duration{9900 * time.Millisecond, 14850 * time.Millisecond, 14850 * time.Millisecond}},
		{"Retry-After honoured", []error{retryable(429, 42*time.Second)},
			notify.Policy{BaseDelay: time.Second}, 0.5, 2, nil, []time.Duration{42 * time.Second}},
		{"refusal not retried", []error{refused}, notify.Policy{}, 0.5, 1, refused, nil},
		{"attempts bounded", []error{retryable(500, 0), retryable(500, 0), retryable(503, 0)},
			notify.Policy{MaxAttempts: 3, BaseDelay: time.Second}, 0.5, 3, errAny, []time.Duration{500 * time.Millisecond, time.Second}},
		{"total time bounded", []error{retryable(429, 10*time.Minute), retryable(429, 10*time.Minute)},
			notify.Policy{MaxElapsed: 15 * time.Minute}, 0.5, 2, errAny, []time.Duration{10 * time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := notifytest.NewClock(notifytest.Start)
			tc.policy.Clock = clock
			tc.policy.Jitter = func() float64 { return tc.jitter }
			n := &scripted{errs: tc.errs}
			var attempts []notify.Attempt
			rec, err := notify.Deliver(context.Background(), n, notify.Message{}, tc.policy, func(a notify.Attempt) { attempts = append(attempts, a) })
			if n.calls != tc.wantCalls || len(attempts) != tc.wantCalls {
				t.Fatalf("%d calls and %d attempts, want %d", n.calls, len(attempts), tc.wantCalls)
			}
			switch {
			case tc.wantErr == nil && (err != nil || rec.Status != 200):
				t.Fatalf("got %+v, %v; want delivered", rec, err)
			case tc.wantErr == errAny && err == nil:
				t.Fatal("delivered; want the last error")
			case tc.wantErr != nil && tc.wantErr != errAny && !errors.Is(err, tc.wantErr):
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			var waits []time.Duration
			for i, a := range attempts {
				if a.Number != i+1 || a.Channel != "fake" {
					t.Errorf("attempt %+v", a)
				}
				if a.Retry {
					waits = append(waits, a.Wait)
				}
			}
			if !equal(waits, tc.wantWaits) || !equal(clock.Sleeps(), tc.wantWaits) {
				t.Errorf("waits %v slept %v, want %v", waits, clock.Sleeps(), tc.wantWaits)
			}
			if last := attempts[len(attempts)-1]; last.Retry {
				t.Errorf("last attempt says it will be retried: %+v", last)
			}
		})
	}
}

var errAny = errors.New("any error")

func equal(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeliverStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := &scripted{errs: []error{retryable(500, 0), retryable(500, 0)}}
	_, err := notify.Deliver(ctx, n, notify.Message{}, notify.Policy{Clock: notifytest.NewClock(notifytest.Start)}, nil)
	if err == nil || n.calls != 1 {
		t.Fatalf("err %v after %d calls, want to stop after 1", err, n.calls)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("流失率上升，贵宾客户流出。", 400) // 3 bytes a character, no line breaks
	lines := strings.Repeat("第一行文字很长很长\n", 500)
	for _, tc := range []struct {
		name, in string
		max      int
		wantLine bool // cut at a line break
	}{
		{"fits", "短文本", 4096, false},
		{"chinese without breaks", long, 4096, false},
		{"odd limit", long, 4095, false},
		{"at a line break", lines, 4096, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := notify.Clip(tc.in, tc.max)
			if len(got) > tc.max || !utf8.ValidString(got) {
				t.Fatalf("%d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
			}
			if len(tc.in) <= tc.max {
				if got != tc.in {
					t.Errorf("changed a text that fits")
				}
				return
			}
			body, ok := strings.CutSuffix(got, notify.Ellipsis)
			if !ok || !strings.HasPrefix(tc.in, body) {
				t.Fatalf("not a prefix plus an ellipsis: ...%q", got[len(got)-20:])
			}
			if tc.wantLine && !strings.HasSuffix(body, "\n") {
				t.Errorf("cut inside a line: ...%q", body[len(body)-20:])
			}
			if len(body) < tc.max-len(notify.Ellipsis)-30 {
				t.Errorf("cut %d bytes, wasting room", len(body))
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want, secret string }{
		{"https://oapi.dingtalk.com/robot/send?access_token=abc123def456", "https://oapi.dingtalk.com/robot/send?access_token=***", "abc123def456"},
		{"https://hooks.slack.com/services/T0001/B0002/XXXXXXXXXXXXXXXXXXXXXXXX", "https://hooks.slack.com/services/T0001/B0002/***", "XXXXXXXXXXXXXXXXXXXXXXXX"},
		{"https://open.feishu.cn/open-apis/bot/v2/hook/5e3d587e-d78e-4a07-bd07-265f269f86fd", "https://open.feishu.cn/open-apis/bot/v2/hook/***", "265f269f86fd"},
		{"https://user:pa55word@example.com/hook?key=k1", "https://user@example.com/hook?key=***", "pa55word"},
	} {
		got := notify.RedactURL(tc.in)
		if got != tc.want || strings.Contains(got, tc.secret) {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWindowAllowsNPerPeriod(t *testing.T) {
	clock := notifytest.NewClock(notifytest.Start)
	w := notify.NewLimits().Window("robot", 3, time.Minute)
	var at []time.Time
	for i := 0; i < 7; i++ {
		if err := w.Wait(context.Background(), clock); err != nil {
			t.Fatal(err)
		}
		at = append(at, clock.Now())
		clock.Advance(time.Second)
	}
	// Sends 0-2 at once, 3-5 a minute after 0-2, 6 a minute after 3.
	want := []time.Duration{0, time.Second, 2 * time.Second, time.Minute, time.Minute + time.Second, time.Minute + 2*time.Second, 2 * time.Minute}
	for i := range at {
		if d := at[i].Sub(notifytest.Start); d != want[i] {
			t.Errorf("send %d at +%v, want +%v", i, d, want[i])
		}
	}
}

// TestTimeTextInTheRulesZone: a message's time is told in its readers'
// zone, named, also after the outbox's JSON round trip.
func TestTimeTextInTheRulesZone(t *testing.T) {
	at := time.Date(2026, 11, 29, 15, 17, 0, 0, time.UTC)
	cases := []struct {
		zone, want string
	}{
		{"Asia/Shanghai", "2026-11-29 23:17 Asia/Shanghai (UTC+08:00)"},
		{"America/New_York", "2026-11-29 10:17 America/New_York (UTC-05:00)"},
		{"", "2026-11-29 15:17 UTC"},
	}
	for _, c := range cases {
		m := notify.Message{At: at, TimeZone: c.zone}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back notify.Message
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if got := back.TimeText(); got != c.want {
			t.Errorf("zone %q: %q, want %q", c.zone, got, c.want)
		}
	}
}
