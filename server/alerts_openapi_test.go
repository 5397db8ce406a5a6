package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/alerts"
)

// TestOpenAPIListsAlertRefusals: the served OpenAPI document lists the
// 400 and 409 answers the alert routes give (TestAlertsAPI,
// TestAlertLimitsPerOwner, TestIDOfAFileRuleSaysTheFile and
// TestRuleIDsDoNotLeakAcrossOwners get them over HTTP), each described for
// these routes rather than by another route's wording.
func TestOpenAPIListsAlertRefusals(t *testing.T) {
	srv, _, _ := alertServerWith(t, alerts.Limits{})
	r := do(t, srv, "GET", "/api/v1/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Ref         string `json:"$ref"`
				Description string `json:"description"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || r.status != 200 {
		t.Fatalf("openapi.json: %d %v", r.status, err)
	}
	cases := []struct {
		path, method, code, says string
	}{
		{"/api/v1/alerts", "post", "400", "channels[i].recipients[j]"},
		{"/api/v1/alerts", "post", "409", "--alerts-max-rules"},
		{"/api/v1/alerts", "post", "409", "ids of its own"},
		{"/api/v1/alerts/{id}", "get", "409", "several owners"},
		{"/api/v1/alerts/{id}", "put", "400", "schedule.cron"},
		{"/api/v1/alerts/{id}", "put", "409", "alerts file"},
		{"/api/v1/alerts/{id}", "delete", "409", "alerts file"},
		{"/api/v1/alerts/{id}/history", "get", "400", "limit"},
		{"/api/v1/subscriptions", "post", "400", "report"},
		{"/api/v1/subscriptions", "post", "409", "--alerts-max-subscriptions"},
		{"/api/v1/subscriptions/{id}", "put", "409", "alerts file"},
		{"/api/v1/subscriptions/{id}", "delete", "409", "alerts file"},
		{"/api/v1/silences", "post", "400", "until"},
	}
	for _, c := range cases {
		got, ok := doc.Paths[c.path][c.method].Responses[c.code]
		if !ok {
			t.Errorf("%s %s lists no %s", strings.ToUpper(c.method), c.path, c.code)
			continue
		}
		if !strings.Contains(got.Description, c.says) {
			t.Errorf("%s %s %s says %q%s, want it to name %q", strings.ToUpper(c.method), c.path, c.code, got.Description, got.Ref, c.says)
		}
	}
}
