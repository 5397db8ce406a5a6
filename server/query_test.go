package server_test

import (
	"bytes"
	"encoding/csv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestCatalogListsGovernedMetrics(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	r := do(t, srv, "GET", "/api/v1/metrics", nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var names []string
	for _, m := range r.json(t)["metrics"].([]any) {
		d := m.(map[string]any)
		names = append(names, d["name"].(string))
		for _, k := range []string{"description", "owner", "format", "formula"} {
			if d[k] == "" || d[k] == nil {
				t.Errorf("metric %s has no %s", d["name"], k)
			}
		}
	}
	for _, want := range []string{"churn_rate", "retention_rate", "renewal_rate", "segment_contribution", "active_customers", "aum", "net_inflow", "complaint_rate", "win_back_rate", "products_per_customer", "cost_to_serve", "contribution_margin"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("catalog lacks %s", want)
		}
	}
}

func TestGetFormMatchesHandSQL(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	r := do(t, srv, "GET", "/api/v1/metrics/churn_rate?by=segment&grain=month&range=last_12_months", nil)
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	want := map[string]float64{}
	for _, row := range warehousetest.Rows(t, bank, `SELECT strftime(month, '%Y-%m-%d') || segment, count(*) FILTER (WHERE churned) / count(*) FILTER (WHERE active_at_start)
		FROM customer_months WHERE month >= DATE '2025-11-01' AND month < DATE '2026-11-01' GROUP BY ALL`) {
		want[row[0].(string)] = row[1].(float64)
	}
	rows := rowsOf(t, r)
	if len(rows) != len(want) || len(rows) != 72 {
		t.Fatalf("got %d rows, want %d (12 months x 6 segments)", len(rows), len(want))
	}
	for _, row := range rows {
		k := row["period"].(string) + row["segment"].(string)
		if math.Abs(row["churn_rate"].(float64)-want[k]) > 1e-12 {
			t.Errorf("%s: got %v, want %v", k, row["churn_rate"], want[k])
		}
	}
	body := r.json(t)
	tm := body["time"].(map[string]any)
	if tm["start"] != "2025-11-01" || tm["end"] != "2026-10-31" || tm["time_zone"] != "Asia/Shanghai" {
		t.Errorf("echoed time %v, want 2025-11-01..2026-10-31 Asia/Shanghai", tm)
	}
	if strings.Contains(string(r.body), `\u003c`) || !strings.Contains(string(r.body), " < ") {
		t.Errorf("the SQL in the answer is HTML-escaped; the API is JSON, not HTML")
	}
	if !strings.Contains(body["sql"].(string), "customer_months") || len(body["definitions"].([]any)) == 0 {
		t.Errorf("the result must carry its SQL and definitions")
	}
}

func TestPostQueryWithCompareAndTotalsAsCSV(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	q := []byte(`{"metrics":["churn_rate","aum"],"dimensions":["region"],"time":{"grain":"quarter","range":"this_year"},"compare":"previous_period","totals":true}`)
	j := do(t, srv, "POST", "/api/v1/query", q)
	if j.status != 200 {
		t.Fatalf("status %d: %s", j.status, j.body)
	}
	body := j.json(t)
	if body["totals"] == nil {
		t.Fatal("no totals")
	}
	// Totals recompute the ratio over the whole year: churned in 2026 over the active base of January.
	hand := warehousetest.Rows(t, bank, `SELECT count(*) FILTER (WHERE churned) / count(*) FILTER (WHERE active_at_start AND month = DATE '2026-01-01') FROM customer_months WHERE year(month) = 2026`)[0][0].(float64)
	if got := body["totals"].(map[string]any)["churn_rate"].(float64); math.Abs(got-hand) > 1e-12 {
		t.Errorf("total churn_rate %v, want %v", got, hand)
	}
	for _, accept := range []struct{ path, header string }{{"/api/v1/query", "text/csv"}, {"/api/v1/query?format=csv", ""}} {
		c := do(t, srv, "POST", accept.path, q, "Accept", accept.header)
		if c.status != 200 || !strings.HasPrefix(c.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%s: status %d, type %s", accept.path, c.status, c.header.Get("Content-Type"))
		}
		recs, err := csv.NewReader(bytes.NewReader(c.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		jrows := rowsOf(t, j)
		if len(recs) != len(jrows)+1 || recs[0][0] != "period" || recs[0][2] != "churn_rate" || recs[0][3] != "churn_rate_previous" {
			t.Fatalf("csv header %v and %d rows; want period,region,churn_rate,churn_rate_previous,... and %d rows", recs[0], len(recs)-1, len(jrows))
		}
		for i, rec := range recs[1:] {
			v, _ := strconv.ParseFloat(rec[2], 64)
			if v != jrows[i]["churn_rate"].(float64) || rec[1] != jrows[i]["region"] {
				t.Fatalf("csv row %d %v differs from JSON %v", i, rec, jrows[i])
			}
		}
	}
}

func TestSecondIdenticalQueryIsServedFromCache(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	q := []byte(`{"metrics":["renewal_rate"],"dimensions":["product_type"],"time":{"range":"last_year"}}`)
	a := do(t, srv, "POST", "/api/v1/query", q)
	b := do(t, srv, "POST", "/api/v1/query", q)
	if a.header.Get("X-Beacon-Cached") != "false" || b.header.Get("X-Beacon-Cached") != "true" {
		t.Fatalf("cached headers %q, %q; want false, true", a.header.Get("X-Beacon-Cached"), b.header.Get("X-Beacon-Cached"))
	}
}

func TestHealthAndReadiness(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	for _, p := range []string{"/healthz", "/readyz", "/api/v1/openapi.json"} {
		if r := do(t, srv, "GET", p, nil); r.status != http.StatusOK {
			t.Errorf("%s: status %d", p, r.status)
		}
	}
}

func TestQueryTimeoutIsAClearError(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{QueryTimeout: time.Nanosecond})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	r := do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["churn_rate"],"dimensions":["branch"]}`))
	checkError(t, r, 503, "")
	if code := r.json(t)["error"].(map[string]any)["code"]; code != "timeout" {
		t.Fatalf("error code %v, want timeout", code)
	}
}
