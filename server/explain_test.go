package server_test

import (
	"math"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestExplainOverHTTPUsesTheCallersRows(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{Secret: secret})
	body := []byte(`{"metric":"churn_rate","dimensions":["segment","channel"],"current":{"range":"last_month"},"language":"en"}`)
	rate := func(month, region string) float64 {
		r := warehousetest.Rows(t, bank, `SELECT sum(churned::INT) / sum(active_at_start::INT) FROM customer_months cm
			JOIN branches b USING (branch_id) WHERE month = $1::DATE AND ($2 = '' OR b.region = $2)`, month, region)
		return r[0][0].(float64)
	}
	for _, tc := range []struct {
		name   string
		extra  map[string]any
		region string
	}{
		{"whole bank", nil, ""},
		{"region scope", map[string]any{"regions": []string{"华南"}}, "华南"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("executive", tc.extra))
			r := do(t, srv, "POST", "/api/v1/explain", body, "Authorization", tok)
			if r.status != 200 {
				t.Fatalf("got %d %s", r.status, r.body)
			}
			e := r.json(t)
			cur, base := rate("2026-10-01", tc.region), rate("2026-09-01", tc.region)
			if math.Abs(e["current_value"].(float64)-cur) > 1e-12 || math.Abs(e["baseline_value"].(float64)-base) > 1e-12 {
				t.Errorf("got %v → %v, want %v → %v (hand SQL, region %q)", e["baseline_value"], e["current_value"], base, cur, tc.region)
			}
			if e["narrative"] == "" || e["drill"] == nil {
				t.Errorf("got narrative %q, drill %v", e["narrative"], e["drill"])
			}
		})
	}
}

func TestExplainRefusesBadInputOverHTTP(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	for _, tc := range []struct {
		body, field string
	}{
		{`{"metric":"churn_rate","dimensions":["segment"],"current":{"range":"last_month"},"colour":1}`, "colour"},
		{`{"metric":"churn_rate","dimensions":"segment","current":{"range":"last_month"}}`, "dimensions"},
		{`{"metric":"churn_rate","dimensions":["segment"],"current":{"range":"someday"}}`, "current.range"},
		{`{"metric":"churn_rate","dimensions":["segment"],"current":{"range":"last_month"},"top":-1}`, "top"},
		{`{"metric":"churn_rate","dimensions":["segment"],"current":{"range":"last_month"},"filters":[{"dimension":"segment","op":"eq","value":3}]}`, "filters[0].value"},
	} {
		r := do(t, srv, "POST", "/api/v1/explain", []byte(tc.body))
		if r.status != 400 || r.json(t)["error"].(map[string]any)["field"] != tc.field {
			t.Errorf("%s: got %d %s, want 400 on %s", tc.body, r.status, r.body, tc.field)
		}
	}
}
