package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/alerts"
)

// TestAlertLimitsPerOwner: over HTTP, an owner's rules and subscriptions
// stop at the configured caps with a 409 naming the cap, another owner and
// an admin are not held by them, deleting one makes room again, and a
// schedule running more often than the minimum interval is a 400 at
// schedule.cron naming the minimum.
func TestAlertLimitsPerOwner(t *testing.T) {
	srv, _, _ := alertServerWith(t, alerts.Limits{MinInterval: 5 * time.Minute, Rules: 2, Subscriptions: 1})
	analyst := func(sub string) string {
		return "Bearer " + token(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": sub, "role": "analyst",
			"branches": []string{"上海浦东支行"}, "exp": time.Now().Add(time.Hour).Unix()})
	}
	alice, bob := analyst("alice"), analyst("bob")
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	rule := func(id, cron string) string {
		return strings.NewReplacer(`"churn-high"`, `"`+id+`"`, `0 9 * * *`, cron).Replace(ruleJSON)
	}
	sub := func(id, cron string) string {
		return `{"id":"` + id + `","name":"周报","report":"weekly_retention","schedule":{"cron":"` + cron + `","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`
	}
	cases := []struct {
		name, method, path, body, auth string
		status                         int
		field                          string
		says                           []string
	}{
		{"every minute", "POST", "/api/v1/alerts", rule("a0", "* * * * *"), alice, 400, "schedule.cron", []string{"1 minute", "minimum interval between runs is 5 minutes"}},
		{"every 7 minutes is 4 apart at the hour", "POST", "/api/v1/alerts", rule("a0", "*/7 * * * *"), alice, 400, "schedule.cron", []string{"4 minutes", "5 minutes"}},
		{"every minute, even for an admin", "POST", "/api/v1/alerts", rule("a0", "* * * * *"), admin, 400, "schedule.cron", []string{"5 minutes"}},
		{"subscription every 2 minutes", "POST", "/api/v1/subscriptions", sub("s0", "*/2 * * * *"), alice, 400, "schedule.cron", []string{"2 minutes", "5 minutes"}},
		{"first rule", "POST", "/api/v1/alerts", rule("a1", "*/5 * * * *"), alice, 201, "", nil},
		{"second rule", "POST", "/api/v1/alerts", rule("a2", "0 9 * * *"), alice, 201, "", nil},
		{"third rule is over the cap", "POST", "/api/v1/alerts", rule("a3", "0 9 * * *"), alice, 409, "id", []string{"alice already keeps 2 rules", "the limit is 2", "--alerts-max-rules"}},
		{"another owner has its own cap", "POST", "/api/v1/alerts", rule("b1", "0 9 * * *"), bob, 201, "", nil},
		{"an admin is exempt", "POST", "/api/v1/alerts", rule("x1", "0 9 * * *"), admin, 201, "", nil},
		{"an admin is exempt again", "POST", "/api/v1/alerts", rule("x2", "0 9 * * *"), admin, 201, "", nil},
		{"an admin is exempt a third time", "POST", "/api/v1/alerts", rule("x3", "0 9 * * *"), admin, 201, "", nil},
		{"updating a rule is not creating one", "PUT", "/api/v1/alerts/a2", rule("a2", "0 10 * * *"), alice, 200, "", nil},
		{"update cannot go under the interval", "PUT", "/api/v1/alerts/a2", rule("a2", "*/3 * * * *"), alice, 400, "schedule.cron", []string{"5 minutes"}},
		{"another scoped owner has ids of its own", "POST", "/api/v1/alerts", rule("a1", "0 9 * * *"), bob, 201, "", []string{`"id":"a1"`}},
		{"first subscription", "POST", "/api/v1/subscriptions", sub("s1", "0 9 * * 1"), alice, 201, "", nil},
		{"second subscription is over the cap", "POST", "/api/v1/subscriptions", sub("s2", "0 9 * * 1"), alice, 409, "id", []string{"alice already keeps 1 subscriptions", "--alerts-max-subscriptions"}},
		{"delete makes room", "DELETE", "/api/v1/alerts/a1", "", alice, 204, "", nil},
		{"third rule after a delete", "POST", "/api/v1/alerts", rule("a3", "0 9 * * *"), alice, 201, "", nil},
		{"and the cap holds again", "POST", "/api/v1/alerts", rule("a4", "0 9 * * *"), alice, 409, "id", []string{"--alerts-max-rules"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			r := do(t, srv, c.method, c.path, body, "Authorization", c.auth)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.field != "" {
				if f, _ := r.json(t)["error"].(map[string]any)["field"].(string); f != c.field {
					t.Errorf("error field %q, want %q: %s", f, c.field, r.body)
				}
			}
			for _, w := range c.says {
				if !strings.Contains(string(r.body), w) {
					t.Errorf("body lacks %q: %s", w, r.body)
				}
			}
		})
	}
	// What is stored is what the answers said: alice keeps a2 and a3.
	l := do(t, srv, "GET", "/api/v1/alerts", nil, "Authorization", alice)
	var ids []string
	for _, x := range l.json(t)["alerts"].([]any) {
		ids = append(ids, x.(map[string]any)["id"].(string))
	}
	if strings.Join(ids, ",") != "a2,a3" {
		t.Errorf("alice's rules are %v, want a2 and a3", ids)
	}
}

// TestIDOfAFileRuleSaysTheFile: a new rule or subscription reusing the id
// of one from an alerts file is told to change the file, not to PUT (which
// refuses a file's rule).
func TestIDOfAFileRuleSaysTheFile(t *testing.T) {
	srv, _, sc := alertServerWith(t, alerts.Limits{})
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	ctx := context.Background()
	r := &alerts.Rule{ID: "from-file", Name: "文件规则", Condition: alerts.Condition{Kind: "threshold"},
		Schedule: alerts.Schedule{Cron: "0 9 * * *", TimeZone: "Asia/Shanghai"}, Channels: []alerts.ChannelRef{{Name: "ops-hook"}},
		Owner: alerts.Owner{Subject: "ops"}}
	r.Query.Metrics = []string{"churn_rate"}
	above := 0.5
	r.Condition.Above = &above
	if err := sc.PutRule(ctx, r, "ops-alerts.yaml"); err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(ruleJSON, `"churn-high"`, `"from-file"`, 1)
	p := do(t, srv, "POST", "/api/v1/alerts", []byte(body), "Authorization", admin)
	if p.status != 409 || !strings.Contains(string(p.body), "comes from the alerts file ops-alerts.yaml; change it there") || strings.Contains(string(p.body), "PUT") {
		t.Errorf("POST over a file's rule id: %d %s", p.status, p.body)
	}
	// And PUT does refuse it, as the answer implies.
	if u := do(t, srv, "PUT", "/api/v1/alerts/from-file", []byte(body), "Authorization", admin); u.status != 409 {
		t.Errorf("PUT of a file's rule: %d %s", u.status, u.body)
	}
}
