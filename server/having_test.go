package server_test

import (
	"testing"

	"github.com/beaconbi/beacon/server"
)

// having reaches the query API; a bad one is a 400 naming its field.
func TestQueryHavingOverHTTP(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	all := do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["churn_rate"],"dimensions":["segment"],"time":{"range":"last_month"}}`))
	kept := do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["churn_rate"],"dimensions":["segment"],"time":{"range":"last_month"},
		"having":[{"metric":"churn_rate","op":"gte","value":0.01}]}`))
	if all.status != 200 || kept.status != 200 {
		t.Fatalf("status %d / %d: %s", all.status, kept.status, kept.body)
	}
	want := 0
	for _, r := range rowsOf(t, all) {
		if r["churn_rate"].(float64) >= 0.01 {
			want++
		}
	}
	if got := len(rowsOf(t, kept)); got != want || want == 0 || want == len(rowsOf(t, all)) {
		t.Fatalf("having kept %d of %d segments; filtering the full answer keeps %d", got, len(rowsOf(t, all)), want)
	}
	bad := do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["churn_rate"],"dimensions":["segment"],"time":{"range":"last_month"},
		"having":[{"metric":"aum","op":"gt","value":1}]}`))
	if bad.status != 400 || bad.json(t)["error"].(map[string]any)["field"] != "having[0].metric" {
		t.Fatalf("bad having: %d %s", bad.status, bad.body)
	}
}
