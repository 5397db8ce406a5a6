package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// call sends one request to a served base URL with a bearer token.
func call(t *testing.T, method, url, auth, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", auth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// nulls lists the paths of the null values in a JSON document, but for
// the scalar fields that may be missing (a value not measured).
func nulls(v any, path string) []string {
	switch x := v.(type) {
	case nil:
		if strings.HasSuffix(path, ".value") {
			return nil
		}
		return []string{path}
	case map[string]any:
		var out []string
		for k, e := range x {
			out = append(out, nulls(e, path+"."+k)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range x {
			out = append(out, nulls(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	return nil
}

// TestAlertAnswersHoldListsNeverNull: every list in the alerts and
// subscriptions answers is [] when empty, never null: for a rule and a
// subscription that have never run (no states, transitions or deliveries),
// in their test sends, and after them.
func TestAlertAnswersHoldListsNeverNull(t *testing.T) {
	srv, _ := alertServer(t)
	base := serveOn(t, srv)
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	if st, b := call(t, "POST", base+"/api/v1/alerts", admin, ruleJSON); st != 201 {
		t.Fatalf("create rule: %d %s", st, b)
	}
	sub := `{"id":"weekly","name":"每周留存周报","report":"weekly_retention","schedule":{"cron":"0 9 * * 1","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`
	if st, b := call(t, "POST", base+"/api/v1/subscriptions", admin, sub); st != 201 {
		t.Fatalf("create subscription: %d %s", st, b)
	}
	// answer reads one answer, failing on any null in it.
	answer := func(method, path string) map[string]any {
		st, b := call(t, method, base+path, admin, "")
		if st != 200 {
			t.Fatalf("%s %s: %d %s", method, path, st, b)
		}
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if n := nulls(v, ""); len(n) > 0 {
			t.Errorf("%s %s has null at %v: %.600s", method, path, n, b)
		}
		return v
	}
	empty := func(v map[string]any, path string, keys ...string) {
		for _, key := range keys {
			if l, ok := v[key].([]any); !ok || len(l) != 0 {
				t.Errorf("GET %s: %s is %v, want []", path, key, v[key])
			}
		}
	}
	paths := []string{"/api/v1/alerts", "/api/v1/alerts/churn-high", "/api/v1/subscriptions", "/api/v1/subscriptions/weekly", "/api/v1/channels"}
	for _, path := range paths {
		answer("GET", path)
	}
	empty(answer("GET", "/api/v1/silences"), "/api/v1/silences", "silences")
	for _, path := range []string{"/api/v1/alerts/churn-high/history", "/api/v1/subscriptions/weekly/history"} {
		empty(answer("GET", path), path, "states", "transitions", "deliveries")
	}
	// Test sends: a rule's lists its observations, a subscription's has none.
	for path, observed := range map[string]bool{"/api/v1/alerts/churn-high/test": true, "/api/v1/subscriptions/weekly/test": false} {
		v := answer("POST", path)
		if obs, ok := v["observations"].([]any); !ok || (len(obs) > 0) != observed {
			t.Errorf("POST %s: observations %v, want a list (empty: %v)", path, v["observations"], !observed)
		}
		if d, _ := v["deliveries"].([]any); len(d) != 1 {
			t.Errorf("POST %s: deliveries %v, want the one send", path, v["deliveries"])
		}
	}
	// The sends are in the delivery logs; the scheduler has evaluated
	// nothing, so states and transitions stay [].
	for _, path := range []string{"/api/v1/alerts/churn-high/history", "/api/v1/subscriptions/weekly/history"} {
		v := answer("GET", path)
		empty(v, path, "states", "transitions")
		if d, _ := v["deliveries"].([]any); len(d) != 1 {
			t.Errorf("GET %s: deliveries %v, want the test send", path, v["deliveries"])
		}
	}
}
