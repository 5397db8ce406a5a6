package server_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/server"
)

// Rows of a period the data does not wholly cover are flagged in JSON and
// CSV: the test bank's history starts in December 2024 and "today" is
// 2026-11-24.
func TestPartialPeriodsInJSONAndCSV(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	q := []byte(`{"metrics":["churn_rate"],"time":{"grain":"quarter","start":"2024-10-01","end":"2025-06-30"}}`)
	j := do(t, srv, "POST", "/api/v1/query", q)
	if j.status != 200 {
		t.Fatalf("status %d: %s", j.status, j.body)
	}
	partial, _ := j.json(t)["partial"].([]any)
	if len(partial) != 1 {
		t.Fatalf("partial %v, want Q4 2024 alone", partial)
	}
	p := partial[0].(map[string]any)
	if p["period"] != "2024-10-01" || p["days"] != 92.0 || p["covered_days"] != 31.0 || p["covered_from"] != "2024-12-01" {
		t.Errorf("partial %v, want 2024-10-01 with 31 of 92 days from 2024-12-01", p)
	}
	c := do(t, srv, "POST", "/api/v1/query?format=csv", q)
	recs, err := csv.NewReader(bytes.NewReader(c.body)).ReadAll()
	if err != nil || c.status != 200 {
		t.Fatalf("csv: %v, status %d", err, c.status)
	}
	if strings.Join(recs[0], ",") != "period,churn_rate,partial,covered_days" || len(recs) != 4 {
		t.Fatalf("csv %v", recs)
	}
	for _, r := range recs[1:] {
		want := "false,"
		if r[0] == "2024-10-01" {
			want = "true,31/92"
		}
		if got := r[2] + "," + r[3]; got != want {
			t.Errorf("row %v: partial %s, want %s", r, got, want)
		}
	}
	// A range that lies outside the data is a 400 naming the data's range.
	out := do(t, srv, "GET", "/api/v1/metrics/churn_rate?range=2023", nil)
	if out.status != 400 || !strings.Contains(string(out.body), "2024-12-01") {
		t.Errorf("range outside the data: status %d %s", out.status, out.body)
	}
}
