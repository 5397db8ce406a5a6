package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/alerts"
)

// TestRuleIDsDoNotLeakAcrossOwners: a caller with a row scope keeps its
// rule ids in a namespace of its own, so two branch heads may both have
// "r1", trying an id says nothing about another owner's rules, and
// neither reads or is muted by the other's history and silences; an
// admin sees both by their stored ids and may name one by the bare id
// only when it is unambiguous. A deleted unscoped rule's history is
// archived, so that the next owner of its id starts afresh.
func TestRuleIDsDoNotLeakAcrossOwners(t *testing.T) {
	srv, _, sc := alertServerWith(t, alerts.Limits{})
	bearer := func(c jwt.MapClaims) string { return "Bearer " + token(t, jwt.SigningMethodHS256, secret, c) }
	head := func(sub, branch string) string {
		return bearer(jwt.MapClaims{"sub": sub, "role": "analyst", "branches": []string{branch}, "exp": time.Now().Add(time.Hour).Unix()})
	}
	alice, carol := head("alice", "上海浦东支行"), head("carol", "北京朝阳支行")
	admin := bearer(claims("admin", nil))
	rule := strings.Replace(ruleJSON, `"churn-high"`, `"r1"`, 1)
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(rule), "Authorization", alice); r.status != 201 || !strings.Contains(string(r.body), `"id":"r1"`) {
		t.Fatalf("alice's rule: %d %s", r.status, r.body)
	}
	if _, err := sc.Step(context.Background()); err != nil { // fires for 上海浦东支行 and delivers
		t.Fatal(err)
	}
	until := time.Now().Add(24 * time.Hour).Format(time.RFC3339)
	if r := do(t, srv, "POST", "/api/v1/silences", []byte(`{"rule":"r1","until":"`+until+`","reason":"浦东支行系统升级"}`), "Authorization", alice); r.status != 201 || !strings.Contains(string(r.body), `"rule":"r1"`) {
		t.Fatalf("alice's silence: %d %s", r.status, r.body)
	}
	h := do(t, srv, "GET", "/api/v1/alerts/r1/history", nil, "Authorization", alice)
	if !strings.Contains(string(h.body), "上海浦东支行") || !strings.Contains(string(h.body), `"status":"sent"`) || !strings.Contains(string(h.body), `"rule":"r1"`) {
		t.Fatalf("alice's history lacks her firing: %s", h.body)
	}

	// carol's r1 is her own: created, not refused.
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(rule), "Authorization", carol); r.status != 201 {
		t.Fatalf("carol's r1: %d %s", r.status, r.body)
	}
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(rule), "Authorization", carol); r.status != 409 || !strings.Contains(string(r.body), "PUT /api/v1/alerts/r1") {
		t.Errorf("carol's second r1: %d %s", r.status, r.body)
	}
	g := do(t, srv, "GET", "/api/v1/alerts/r1", nil, "Authorization", carol)
	if g.status != 200 || !strings.Contains(string(g.body), `"subject":"carol"`) || !strings.Contains(string(g.body), `"id":"r1"`) {
		t.Errorf("carol reads r1: %d %s", g.status, g.body)
	}
	h = do(t, srv, "GET", "/api/v1/alerts/r1/history", nil, "Authorization", carol)
	if h.status != 200 || strings.Contains(string(h.body), "上海浦东支行") {
		t.Errorf("carol's r1 shows alice's history: %d %s", h.status, h.body)
	}
	if l := do(t, srv, "GET", "/api/v1/silences", nil, "Authorization", carol); strings.Contains(string(l.body), "系统升级") {
		t.Errorf("carol sees alice's silence: %s", l.body)
	}
	if g := do(t, srv, "GET", "/api/v1/alerts/r1", nil, "Authorization", alice); !strings.Contains(string(g.body), `"subject":"alice"`) {
		t.Errorf("alice's r1 after carol's: %s", g.body)
	}
	// An admin sees both under their stored ids; the bare id is ambiguous.
	l := do(t, srv, "GET", "/api/v1/alerts", nil, "Authorization", admin)
	if n := strings.Count(string(l.body), `-r1","name"`); n != 2 {
		t.Errorf("admin lists %d namespaced r1 rules, want 2: %.400s", n, l.body)
	}
	if g := do(t, srv, "GET", "/api/v1/alerts/r1", nil, "Authorization", admin); g.status != 409 || !strings.Contains(string(g.body), "several owners") {
		t.Errorf("admin GET r1: %d %s", g.status, g.body)
	}
	if d := do(t, srv, "DELETE", "/api/v1/alerts/r1", nil, "Authorization", carol); d.status != 204 {
		t.Fatalf("carol deletes her r1: %d %s", d.status, d.body)
	}
	if g := do(t, srv, "GET", "/api/v1/alerts/r1", nil, "Authorization", admin); g.status != 200 || !strings.Contains(string(g.body), `"subject":"alice"`) {
		t.Errorf("admin GET r1, alice's alone now: %d %.300s", g.status, g.body)
	}

	// Plain ids (owners without a row scope): a deleted rule's history and
	// silences do not pass to the next rule given its id.
	x, y := bearer(claims("analyst", map[string]any{"sub": "x"})), bearer(claims("analyst", map[string]any{"sub": "y"}))
	plain := strings.Replace(ruleJSON, `"churn-high"`, `"plain"`, 1)
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(plain), "Authorization", x); r.status != 201 {
		t.Fatalf("x's rule: %d %s", r.status, r.body)
	}
	if _, err := sc.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := do(t, srv, "POST", "/api/v1/silences", []byte(`{"rule":"plain","until":"`+until+`","reason":"x 的静默"}`), "Authorization", x); r.status != 201 {
		t.Fatalf("x's silence: %d %s", r.status, r.body)
	}
	if d := do(t, srv, "DELETE", "/api/v1/alerts/plain", nil, "Authorization", x); d.status != 204 {
		t.Fatalf("x deletes: %d %s", d.status, d.body)
	}
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(plain), "Authorization", y); r.status != 201 {
		t.Fatalf("y takes the freed id: %d %s", r.status, r.body)
	}
	h = do(t, srv, "GET", "/api/v1/alerts/plain/history", nil, "Authorization", y)
	if h.status != 200 || !strings.Contains(string(h.body), `"transitions":[]`) || !strings.Contains(string(h.body), `"deliveries":[]`) {
		t.Errorf("y's new rule inherits x's history: %d %.400s", h.status, h.body)
	}
	if l := do(t, srv, "GET", "/api/v1/silences", nil, "Authorization", y); strings.Contains(string(l.body), "x 的静默") {
		t.Errorf("y's rule is under x's silence: %s", l.body)
	}
}
