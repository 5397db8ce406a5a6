package server_test

import (
	"testing"

	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The catalog says which dates each metric's data spans.
func TestCatalogGivesEachMetricsDataRange(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	r := do(t, srv, "GET", "/api/v1/metrics", nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	want := map[string][]any{
		"churn_rate":   warehousetest.Rows(t, bank, "SELECT min(month), max(month) FROM customer_months")[0],
		"renewal_rate": warehousetest.Rows(t, bank, "SELECT min(maturity_date), max(maturity_date) FROM contracts")[0],
	}
	seen := 0
	for _, m := range r.json(t)["metrics"].([]any) {
		d := m.(map[string]any)
		w, ok := want[d["name"].(string)]
		if !ok {
			continue
		}
		seen++
		if d["data_from"] != w[0] || d["data_to"] != w[1] {
			t.Errorf("%s: data %v..%v, hand SQL %v..%v", d["name"], d["data_from"], d["data_to"], w[0], w[1])
		}
	}
	if seen != len(want) {
		t.Fatalf("found %d of %d metrics", seen, len(want))
	}
}
