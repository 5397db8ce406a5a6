package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// TestSharedReportLink: the link a message carries opens its report
// without signing in, under the owner's scope (a branch head's page
// shows its branch and not another's), for a declared report and for a
// page of queries; an altered, expired or unknown token is 404, and the
// report pages themselves still ask for a token.
func TestSharedReportLink(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	set, err := reports.Demo(eng)
	if err != nil {
		t.Fatal(err)
	}
	sharer, err := reports.NewSharer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Auth: server.AuthConfig{Secret: secret},
		Logger: quietLogger(), Reports: set, ReportLinks: sharer})
	if err != nil {
		t.Fatal(err)
	}
	branches := warehousetest.Rows(t, bank, `SELECT branch_name FROM branches ORDER BY branch_id LIMIT 2`)
	mine, other := branches[0][0].(string), branches[1][0].(string)
	future := time.Now().Add(time.Hour).Unix()
	seal := func(sh reports.Share) string {
		tok, err := sharer.Seal(sh)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	byBranch := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Range: "last_month"}}
	report := seal(reports.Share{Report: "weekly_retention", Scope: metrics.Scope{"branch": {mine}}, Lang: "zh", Expires: future})
	figures := seal(reports.Share{Title: "本行流失率", Queries: []metrics.Query{byBranch}, Scope: metrics.Scope{"branch": {mine}}, Lang: "zh", Expires: future})
	unscoped := seal(reports.Share{Title: "全行流失率", Queries: []metrics.Query{byBranch}, Lang: "zh", Expires: future})
	expired := seal(reports.Share{Report: "weekly_retention", Lang: "zh", Expires: time.Now().Add(-time.Second).Unix()})
	altered := []byte(figures)
	altered[len(altered)/2] ^= 1
	if altered[len(altered)/2] == '-'^1 || altered[len(altered)/2] == '_'^1 {
		altered[len(altered)/2] = 'A'
	}
	cases := []struct {
		name, path string
		status     int
		has, lacks string
	}{
		{"declared report, owner's scope", "/shared/" + report, 200, mine, ""},
		{"figures page, owner's scope", "/shared/" + figures, 200, mine, other},
		{"figures page, unscoped owner", "/shared/" + unscoped, 200, other, ""},
		{"the scope is said to be the owner's, not the reader's", "/shared/" + figures, 200, "仅含此规则或订阅所有者的数据范围（并非打开链接者的权限）：" + mine, "您有权查看"},
		{"and in English", "/shared/" + figures + "?lang=en", 200, "owner only (not the access of whoever opens the link): " + mine, "Within your access"},
		{"expired", "/shared/" + expired, 404, "", ""},
		{"altered", "/shared/" + string(altered), 404, "", ""},
		{"unknown", "/shared/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 404, "", ""},
		{"report page still needs a token", "/reports/weekly_retention", 401, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, srv, "GET", c.path, nil)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, c.status, r.body)
			}
			if c.has != "" && !strings.Contains(string(r.body), c.has) {
				t.Errorf("page lacks %q", c.has)
			}
			if c.lacks != "" && strings.Contains(string(r.body), c.lacks) {
				t.Errorf("page shows %q, outside the owner's scope", c.lacks)
			}
		})
	}
}
