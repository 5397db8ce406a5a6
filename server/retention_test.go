package server_test

import (
	"fmt"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestRecordRetentionAction(t *testing.T) {
	db, err := warehousetest.OpenDemo(300, 6)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := newServer(t, db, server.AuthConfig{Secret: secret})
	analyst := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("analyst", nil))
	cust := warehousetest.Rows(t, db, `SELECT c.customer_id, b.region FROM customers c JOIN branches b USING (branch_id)
		WHERE c.close_date IS NULL AND c.onboard_date <= DATE '2026-10-01' ORDER BY c.customer_id LIMIT 1`)[0]
	id, region := int64(cust[0].(float64)), cust[1].(string)

	body := fmt.Sprintf(`{"customer_id":%d,"action_type":"客户经理回访","channel":"phone","cost":180.5,"date":"2026-11-02","owner":"王经理"}`, id)
	r := do(t, srv, "POST", "/api/v1/retention/actions", []byte(body), "Authorization", analyst)
	if r.status != 201 {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	got := r.json(t)
	stored := warehousetest.Rows(t, db, `SELECT customer_id, action_type, channel, cost, action_date, owner, recorded_by FROM beacon_retention_actions WHERE action_id = $1`, got["action_id"])
	want := []any{float64(id), "客户经理回访", "phone", 180.5, "2026-11-02", "王经理", "tester"}
	if len(stored) != 1 || fmt.Sprint(stored[0]) != fmt.Sprint(want) {
		t.Fatalf("stored %v, want %v", stored, want)
	}
	// A second action gets the next id.
	r2 := do(t, srv, "POST", "/api/v1/retention/actions", []byte(body), "Authorization", analyst)
	if r2.status != 201 || r2.json(t)["action_id"].(float64) != got["action_id"].(float64)+1 {
		t.Fatalf("second action: %d %s", r2.status, r2.body)
	}

	other := "华北"
	if region == other {
		other = "华南"
	}
	for _, tc := range []struct {
		name, body, auth string
		status           int
		field            string
	}{
		{"missing cost", fmt.Sprintf(`{"customer_id":%d,"action_type":"利率优惠","channel":"phone","date":"2026-11-02","owner":"a"}`, id), analyst, 400, "cost"},
		{"negative cost", fmt.Sprintf(`{"customer_id":%d,"action_type":"利率优惠","channel":"phone","cost":-1,"date":"2026-11-02","owner":"a"}`, id), analyst, 400, "cost"},
		{"unknown type", fmt.Sprintf(`{"customer_id":%d,"action_type":"抽奖","channel":"phone","cost":1,"date":"2026-11-02","owner":"a"}`, id), analyst, 400, "action_type"},
		{"unknown channel", fmt.Sprintf(`{"customer_id":%d,"action_type":"利率优惠","channel":"pigeon","cost":1,"date":"2026-11-02","owner":"a"}`, id), analyst, 400, "channel"},
		{"future date", fmt.Sprintf(`{"customer_id":%d,"action_type":"利率优惠","channel":"phone","cost":1,"date":"2026-12-30","owner":"a"}`, id), analyst, 400, "date"},
		{"impossible date", fmt.Sprintf(`{"customer_id":%d,"action_type":"利率优惠","channel":"phone","cost":1,"date":"2026-02-30","owner":"a"}`, id), analyst, 400, "date"},
		{"no owner", fmt.Sprintf(`{"customer_id":%d,"action_type":"利率优惠","channel":"phone","cost":1,"date":"2026-11-02","owner":" "}`, id), analyst, 400, "owner"},
		{"no such customer", `{"customer_id":99999999,"action_type":"利率优惠","channel":"phone","cost":1,"date":"2026-11-02","owner":"a"}`, analyst, 404, "customer_id"},
		{"customer id as text", `{"customer_id":"7","action_type":"利率优惠","channel":"phone","cost":1,"date":"2026-11-02","owner":"a"}`, analyst, 400, "customer_id"},
		{"out of the caller's scope", body, "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("analyst", map[string]any{"regions": []string{other}})), 404, "customer_id"},
		{"viewer may not record", body, "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", nil)), 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, "POST", "/api/v1/retention/actions", []byte(tc.body), "Authorization", tc.auth)
			e, _ := r.json(t)["error"].(map[string]any)
			if r.status != tc.status || (tc.field != "" && e["field"] != tc.field) {
				t.Fatalf("got %d %s, want %d on %q", r.status, r.body, tc.status, tc.field)
			}
		})
	}
}

func TestUpliftOverHTTPUsesTheCallersRows(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{Secret: secret})
	get := func(extra map[string]any) map[string]any {
		tok := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", extra))
		r := do(t, srv, "GET", "/api/v1/retention/uplift?by=segment,action_type&lang=en", nil, "Authorization", tok)
		if r.status != 200 {
			t.Fatalf("got %d %s", r.status, r.body)
		}
		return r.json(t)
	}
	// Customers belong to one region each, so the regions' treated
	// customers add up to the bank's, and each region sees only its own.
	all := get(nil)
	treated := func(v map[string]any) float64 {
		tot := v["total"].(map[string]any)
		u, _ := tot["unmatched"].(float64)
		return tot["treated"].(float64) + u
	}
	sum := 0.0
	for _, row := range warehousetest.Rows(t, bank, `SELECT DISTINCT region FROM branches`) {
		region := row[0].(string)
		v := get(map[string]any{"regions": []string{region}})
		if n := treated(v); n == 0 || n >= treated(all) {
			t.Errorf("%s saw %v treated of the bank's %v", region, n, treated(all))
		}
		sum += treated(v)
	}
	if sum != treated(all) || sum == 0 {
		t.Errorf("the regions' treated add up to %v, the bank's are %v", sum, treated(all))
	}
	if all["stand_in"] != true || all["comparison"] == "" {
		t.Errorf("got stand_in %v, comparison %q", all["stand_in"], all["comparison"])
	}
	for _, q := range []string{"by=colour", "by=segment,segment", "from=2026-13-01", "from=2026-06-01&to=2026-01-01", "lang=fr"} {
		r := do(t, srv, "GET", "/api/v1/retention/uplift?"+q, nil, "Authorization", "Bearer "+token(t, jwt.SigningMethodHS256, secret, claims("viewer", nil)))
		if r.status != 400 {
			t.Errorf("%s: got %d %s, want 400", q, r.status, r.body)
		}
	}
}

func TestWhatIfOverHTTP(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	r := do(t, srv, "POST", "/api/v1/retention/whatif", []byte(`{"segment":"普通","top_n":50,"language":"en"}`))
	if r.status != 200 {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	w := r.json(t)
	if w["stand_in"] != true || w["candidates"].(float64) == 0 || w["candidates"].(float64) > 50 || w["cost"].(float64) <= 0 {
		t.Errorf("got %s", r.body)
	}
	for _, body := range []string{`{"segment":"普通","top_n":-1}`, `{"segment":"普通"}`, `{"segment":"nobody","top_n":5}`, `{"segment":"普通","top_n":5,"cost_per_action":"free"}`} {
		if r := do(t, srv, "POST", "/api/v1/retention/whatif", []byte(body)); r.status != 400 {
			t.Errorf("%s: got %d %s, want 400", body, r.status, r.body)
		}
	}
}

func TestSummaryOverHTTP(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	r := do(t, srv, "GET", "/api/v1/retention/summary?lang=en", nil)
	if r.status != 200 {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	if s := r.json(t); s["source"] != "offline" || s["text"] != s["offline"] || s["text"] == "" {
		t.Errorf("got source %v text %q", s["source"], s["text"])
	}
	if r := do(t, srv, "GET", "/api/v1/retention/summary?lang=fr", nil); r.status != 400 {
		t.Errorf("lang=fr: got %d %s", r.status, r.body)
	}
}
