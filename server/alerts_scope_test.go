package server_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// TestScopedRuleFilterOutsideItsScopeIsRefused: a branch-scoped analyst's
// rule (or subscription figure) whose filter can never match inside its
// row scope is refused when saved, with a 400 naming the value and the
// scope, over a served socket; a filter inside the scope is saved and its
// test send measures the branch as hand SQL does.
func TestScopedRuleFilterOutsideItsScopeIsRefused(t *testing.T) {
	srv, _ := alertServer(t)
	base := serveOn(t, srv)
	names := warehousetest.Rows(t, bank, `SELECT branch_name FROM branches ORDER BY branch_id LIMIT 2`)
	mine, other := names[0][0].(string), names[1][0].(string)
	head := "Bearer " + token(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "head-1", "role": "analyst",
		"branches": []string{mine}, "exp": time.Now().Add(time.Hour).Unix()})
	unscoped := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("analyst", nil))
	rule := func(id, filter string) string {
		return `{"id":"` + id + `","name":"本行流失率","query":{"metrics":["churn_rate"],"filters":[` + filter + `],"time":{"range":"last_month"}},
			"condition":{"kind":"threshold","above":0.5},"schedule":{"cron":"0 9 * * *","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`
	}
	cases := []struct {
		name, method, path, body, auth string
		status                         int
		field                          string
		says                           []string // the error names the value and the scope
	}{
		{"eq another branch", "POST", "/api/v1/alerts", rule("r1", `{"dimension":"branch","op":"eq","value":"`+other+`"}`), head, 400,
			"query.filters[0].value", []string{other, "branch: " + mine}},
		{"in with another branch", "POST", "/api/v1/alerts", rule("r2", `{"dimension":"branch","op":"in","values":["`+mine+`","`+other+`"]}`), head, 400,
			"query.filters[0].values[1]", []string{other, mine}},
		{"not_in every branch of the scope", "POST", "/api/v1/alerts", rule("r3", `{"dimension":"branch","op":"not_in","values":["`+mine+`"]}`), head, 400,
			"query.filters[0]", []string{"excludes every branch", mine}},
		{"contains nothing of the scope", "POST", "/api/v1/alerts", rule("r4", `{"dimension":"branch","op":"contains","value":"no such place"}`), head, 400,
			"query.filters[0].value", []string{"no such place", mine}},
		{"subscription figure on another branch", "POST", "/api/v1/subscriptions", `{"id":"s1","name":"本行","report":"adhoc","figures":[{"metrics":["churn_rate"],"filters":[{"dimension":"branch","op":"eq","value":"` + other + `"}],"time":{"range":"last_month"}}],
			"schedule":{"cron":"0 9 * * 1","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`, head, 400,
			"figures[0].filters[0].value", []string{other, mine}},
		{"unscoped analyst may name any branch", "POST", "/api/v1/alerts", rule("any", `{"dimension":"branch","op":"eq","value":"`+other+`"}`), unscoped, 201, "", nil},
		{"own branch", "POST", "/api/v1/alerts", rule("own", `{"dimension":"branch","op":"eq","value":"`+mine+`"}`), head, 201, "", nil},
		{"update to another branch", "PUT", "/api/v1/alerts/own", rule("own", `{"dimension":"branch","op":"eq","value":"`+other+`"}`), head, 400,
			"query.filters[0].value", []string{other, mine}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, b := call(t, c.method, base+c.path, c.auth, c.body)
			if st != c.status {
				t.Fatalf("status %d, want %d: %s", st, c.status, b)
			}
			if c.status < 400 {
				return
			}
			var v struct {
				Error struct{ Code, Field, Message string } `json:"error"`
			}
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("not a JSON error: %s", b)
			}
			if v.Error.Field != c.field {
				t.Errorf("field %q, want %q: %s", v.Error.Field, c.field, b)
			}
			for _, s := range c.says {
				if !strings.Contains(v.Error.Message, s) {
					t.Errorf("message %q does not say %q", v.Error.Message, s)
				}
			}
		})
	}
	// The rule on its own branch measures it: October 2026 is last month
	// at the test clock.
	want := warehousetest.Rows(t, bank, `SELECT SUM(CAST(cm.churned AS INTEGER)) / SUM(CAST(cm.active_at_start AS INTEGER))
		FROM customer_months cm JOIN branches b ON b.branch_id = cm.branch_id
		WHERE cm.month = DATE '2026-10-01' AND b.branch_name = ?`, mine)[0][0].(float64)
	st, b := call(t, "POST", base+"/api/v1/alerts/own/test", head, "")
	if st != 200 {
		t.Fatalf("test send: %d %s", st, b)
	}
	var res struct {
		Observations []struct{ Value *float64 } `json:"observations"`
	}
	if err := json.Unmarshal(b, &res); err != nil || len(res.Observations) != 1 || res.Observations[0].Value == nil {
		t.Fatalf("test send observed %s, want one value", b)
	}
	if got := *res.Observations[0].Value; math.Abs(got-want) > 1e-12 {
		t.Errorf("own branch churn rate %v, hand SQL %v", got, want)
	}
}
