package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/server"
)

// chart= on a report of any query must be a chart kind that fits the
// query; an unknown kind answered 200 with a chart of Beacon's choice.
func TestReportQueryChartIsChecked(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	for _, tc := range []struct {
		name, chart string
		status      int
		says        string
	}{
		{"unknown kind", "nope", 400, `unknown chart "nope"`},
		{"markup", `pie"><img src=x>`, 400, "unknown chart"},
		{"a kind in capitals", "PIE", 400, "unknown chart"},
		{"a kind that does not fit", "line", 400, "a line needs a time grain"},
		{"a kind that fits", "pie", 200, ""},
		{"no chart", "", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := url.Values{"metric": {"aum"}, "by": {"segment"}, "range": {"last_month"}}
			if tc.chart != "" {
				q.Set("chart", tc.chart)
			}
			r := do(t, srv, "GET", "/reports/query?"+q.Encode(), nil)
			if tc.status == 200 {
				if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
					t.Fatalf("%d %.300s, want the report page", r.status, r.body)
				}
				return
			}
			checkError(t, r, tc.status, "chart")
			if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, tc.says) {
				t.Fatalf("message %q, want it to say %q", msg, tc.says)
			}
		})
	}
}
