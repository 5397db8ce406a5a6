package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/alerts"
)

// TestRuleIDsDoNotLeakAcrossOwners: ids are one namespace for the bank,
// so a scoped caller asking for another owner's id is told only that it
// is not available (no owner, no PUT, no file); once the owner deletes
// the rule and another takes the id, the newcomer sees an empty history
// and delivery log (the old ones are kept for the audit under an archived
// id) and is not muted by the old rule's silence.
func TestRuleIDsDoNotLeakAcrossOwners(t *testing.T) {
	srv, _, sc := alertServerWith(t, alerts.Limits{})
	head := func(sub, branch string) string {
		return "Bearer " + token(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": sub, "role": "analyst",
			"branches": []string{branch}, "exp": time.Now().Add(time.Hour).Unix()})
	}
	alice, carol := head("alice", "上海浦东支行"), head("carol", "北京朝阳支行")
	rule := strings.Replace(ruleJSON, `"churn-high"`, `"r1"`, 1)
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(rule), "Authorization", alice); r.status != 201 {
		t.Fatalf("alice's rule: %d %s", r.status, r.body)
	}
	if _, err := sc.Step(context.Background()); err != nil { // fires for 上海浦东支行 and delivers
		t.Fatal(err)
	}
	until := time.Now().Add(24 * time.Hour).Format(time.RFC3339)
	if r := do(t, srv, "POST", "/api/v1/silences", []byte(`{"rule":"r1","until":"`+until+`","reason":"浦东支行系统升级"}`), "Authorization", alice); r.status != 201 {
		t.Fatalf("alice's silence: %d %s", r.status, r.body)
	}
	h := do(t, srv, "GET", "/api/v1/alerts/r1/history", nil, "Authorization", alice)
	if !strings.Contains(string(h.body), "上海浦东支行") || !strings.Contains(string(h.body), `"status":"sent"`) {
		t.Fatalf("alice's history lacks her firing: %s", h.body)
	}

	taken := do(t, srv, "POST", "/api/v1/alerts", []byte(rule), "Authorization", carol)
	if taken.status != 409 {
		t.Fatalf("carol reusing alice's id: %d %s", taken.status, taken.body)
	}
	for _, leak := range []string{"alice", "PUT", "exists", "上海浦东支行", "file"} {
		if strings.Contains(string(taken.body), leak) {
			t.Errorf("the refusal tells carol %q: %s", leak, taken.body)
		}
	}
	if g := do(t, srv, "GET", "/api/v1/alerts/r1", nil, "Authorization", carol); g.status != 404 {
		t.Errorf("carol reads alice's rule: %d", g.status)
	}

	if d := do(t, srv, "DELETE", "/api/v1/alerts/r1", nil, "Authorization", alice); d.status != 204 {
		t.Fatalf("alice deletes: %d %s", d.status, d.body)
	}
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(rule), "Authorization", carol); r.status != 201 {
		t.Fatalf("carol takes the freed id: %d %s", r.status, r.body)
	}
	h = do(t, srv, "GET", "/api/v1/alerts/r1/history", nil, "Authorization", carol)
	if h.status != 200 || strings.Contains(string(h.body), "上海浦东支行") || !strings.Contains(string(h.body), `"transitions":[]`) || !strings.Contains(string(h.body), `"deliveries":[]`) {
		t.Errorf("carol's new rule inherits alice's history: %d %s", h.status, h.body)
	}
	if l := do(t, srv, "GET", "/api/v1/silences", nil, "Authorization", carol); strings.Contains(string(l.body), "系统升级") {
		t.Errorf("carol's rule is under alice's silence: %s", l.body)
	}
}
