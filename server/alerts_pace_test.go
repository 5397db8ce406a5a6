package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/alerts"
)

// testClock is a settable clock for a scheduler under test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestOwnerSendRateIsBounded: one owner's breakdown rule firing for every
// branch at once reaches the channel at most SendsPerMinute times a
// minute; the rest are deferred (logged in the rule's history with the
// time they go), none lost and none sent twice, while another owner's
// notice on the same channel goes at once.
func TestOwnerSendRateIsBounded(t *testing.T) {
	const perMinute = 3
	clk := &testClock{t: time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)} // 10:00 in Shanghai: the 09:00 rules are not due again
	srv, rc, sc := alertServerCfg(t, func(c *alerts.Config) {
		c.Limits = alerts.Limits{SendsPerMinute: perMinute}
		c.Now = clk.now
	})
	analyst := func(sub string, branches ...string) string {
		c := jwt.MapClaims{"sub": sub, "role": "analyst", "exp": time.Now().Add(time.Hour).Unix()}
		if len(branches) > 0 {
			c["branches"] = branches
		}
		return "Bearer " + token(t, jwt.SigningMethodHS256, secret, c)
	}
	alice, bob := analyst("alice"), analyst("bob", "上海浦东支行")
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(ruleJSON), "Authorization", alice); r.status != 201 {
		t.Fatalf("alice's rule: %d %s", r.status, r.body)
	}
	bobRule := strings.Replace(ruleJSON, `"churn-high"`, `"bob-churn"`, 1)
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(bobRule), "Authorization", bob); r.status != 201 {
		t.Fatalf("bob's rule: %d %s", r.status, r.body)
	}
	// Every branch breaches above -1: alice's rule fires once per branch.
	var branches int
	rows, err := bank.Rows(context.Background(), `SELECT count(DISTINCT branch_id) FROM customers`)
	if err != nil {
		t.Fatal(err)
	}
	branches = int(rows[0][0].(int64))
	if branches <= 2*perMinute {
		t.Fatalf("the demo bank has %d branches; the test needs more than %d", branches, 2*perMinute)
	}
	received := func() (map[string]int, int) {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		byKey, bobs := map[string]int{}, 0
		for _, b := range rc.got {
			switch {
			case strings.HasPrefix(b.Key, "churn-high|"):
				byKey[b.Key]++
			case strings.Contains(b.Key, "bob-churn|"): // in bob's namespace
				bobs++
			}
		}
		return byKey, bobs
	}
	history := func() []alerts.Delivery {
		h := do(t, srv, "GET", "/api/v1/alerts/churn-high/history?limit=1000", nil, "Authorization", alice)
		var out struct {
			Deliveries []alerts.Delivery `json:"deliveries"`
		}
		if err := json.Unmarshal(h.body, &out); err != nil || h.status != 200 {
			t.Fatalf("history: %d %s", h.status, h.body)
		}
		return out.Deliveries
	}
	step := func() {
		t.Helper()
		if _, err := sc.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	step()
	got, bobs := received()
	if len(got) != perMinute || bobs != 1 {
		t.Fatalf("first step delivered %d of alice's and %d of bob's notices, want %d and 1", len(got), bobs, perMinute)
	}
	deferred := 0
	for _, d := range history() {
		if d.Status != "deferred" {
			continue
		}
		deferred++
		if !strings.Contains(d.Answer, "alice's notices on ops-hook are paced at 3 a minute") || !strings.Contains(d.Answer, "--alerts-owner-rate") || !strings.Contains(d.Answer, "it goes at 2026-11-02T02:") {
			t.Errorf("a deferred delivery says %q", d.Answer)
		}
	}
	if deferred != branches-perMinute {
		t.Errorf("%d deliveries logged deferred, want %d", deferred, branches-perMinute)
	}
	// Stepping again within the minute sends nothing more and logs no
	// second deferral: each notice waits for its own time.
	clk.advance(30 * time.Second)
	step()
	if got, _ := received(); len(got) != perMinute {
		t.Errorf("half a minute later %d of alice's notices are delivered, want still %d", len(got), perMinute)
	}
	again := 0
	for _, d := range history() {
		if d.Status == "deferred" {
			again++
		}
	}
	if again != deferred {
		t.Errorf("deferred rows grew from %d to %d within the minute", deferred, again)
	}
	// Minute by minute, at most perMinute more go, until every branch's
	// notice is delivered exactly once.
	for minute := 1; minute <= branches/perMinute+2; minute++ {
		clk.advance(time.Minute)
		before, _ := received()
		step()
		after, _ := received()
		if n := len(after) - len(before); n > perMinute {
			t.Fatalf("minute %d delivered %d of alice's notices, over %d", minute, n, perMinute)
		}
	}
	got, bobs = received()
	if len(got) != branches || bobs != 1 {
		t.Fatalf("alice's distinct notices delivered %d, want %d (one per branch); bob's %d, want 1", len(got), branches, bobs)
	}
	for k, n := range got {
		if n != 1 {
			t.Errorf("notice %s delivered %d times", k, n)
		}
	}
}
