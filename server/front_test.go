package server_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/valyala/fasthttp"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
	"github.com/beaconbi/beacon/web"
)

func frontServer(tb testing.TB, auth server.AuthConfig, ds []models.Dashboard) (*server.Server, error) {
	tb.Helper()
	eng := metricstest.DemoEngine(tb, bank, metrics.EngineConfig{})
	return server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Auth: auth, Logger: quietLogger(),
		Chat: queries.NewChat(eng, queries.ChatConfig{}), Dashboards: ds})
}

// The page paths answer the front's index.html with a strict CSP; every
// other path keeps its own answer and never falls back to the page.
func TestFrontPagesAndNoFallback(t *testing.T) {
	if _, err := os.Stat("../web/static/index.html"); err != nil {
		t.Fatal("web/static/index.html is missing")
	}
	ds, err := models.DemoDashboards()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := frontServer(t, server.AuthConfig{}, ds)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		status int
		page   bool
	}{
		{"/", 200, true},
		{"/ask", 200, true},
		{"/metrics", 200, true},
		{"/metrics/churn_rate", 200, true},
		{"/explore?m=aum&by=segment", 200, true},
		{"/dashboards", 200, true},
		{"/dashboards/executive_retention", 200, true},
		{"/api/v1/nope", 404, false},
		{"/api/v1", 404, false},
		{"/assets/nope.js", 404, false},
		{"/reports/weekly", 404, false},
		{"/images/chart.png", 404, false},
		{"/healthz", 200, false},
		{"/readyz", 200, false},
		{"/ask/deeper/still", 404, false},
		{"/nope", 404, false},
	} {
		r := do(t, srv, "GET", c.path, nil)
		isPage := strings.Contains(string(r.body), `<div id="app">`)
		if r.status != c.status || isPage != c.page {
			t.Errorf("GET %s: %d, page %v; want %d, page %v", c.path, r.status, isPage, c.status, c.page)
		}
		if c.page {
			csp := r.header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe") {
				t.Errorf("GET %s: CSP %q is not strict", c.path, csp)
			}
		}
	}
	// Every script and style the page names is served by Beacon itself.
	for _, asset := range []string{"/assets/app/main.js", "/assets/app/app.css", "/assets/app/icon.svg"} {
		if r := do(t, srv, "GET", asset, nil); r.status != 200 {
			t.Errorf("GET %s: %d", asset, r.status)
		}
	}
}

func TestDashboardsAPI(t *testing.T) {
	ds, err := models.DemoDashboards()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := frontServer(t, server.AuthConfig{}, ds)
	if err != nil {
		t.Fatal(err)
	}
	list := do(t, srv, "GET", "/api/v1/dashboards", nil).json(t)["dashboards"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["name"] != "executive_retention" {
		t.Fatalf("dashboards: %v", list)
	}
	one := do(t, srv, "GET", "/api/v1/dashboards/executive_retention", nil)
	panels, _ := one.json(t)["panels"].([]any)
	if one.status != 200 || len(panels) != len(ds[0].Panels) {
		t.Fatalf("dashboard: %d, %d panels", one.status, len(panels))
	}
	// Every panel's query, as the browser sends it (the shared period
	// added), answers through the query API.
	for i, p := range ds[0].Panels {
		q := p.Query
		if _, ok := q["time"]; !ok {
			q = map[string]any{}
			for k, v := range p.Query {
				q[k] = v
			}
			q["time"] = map[string]any{"range": ds[0].Range}
		}
		if r := do(t, srv, "POST", "/api/v1/query", mustJSON(t, q)); r.status != 200 {
			t.Errorf("panel %d (%s): %d %s", i, p.Title.En, r.status, r.body)
		}
	}
	r := do(t, srv, "GET", "/api/v1/dashboards/nope", nil)
	if e := r.json(t)["error"].(map[string]any); r.status != 404 || e["field"] != "name" || len(e["valid"].([]any)) != 1 {
		t.Errorf("unknown dashboard: %d %s", r.status, r.body)
	}
}

func TestDashboardNamingAnUnknownMetricStopsTheServer(t *testing.T) {
	d := models.Dashboard{Name: "bad", Title: models.Text{Zh: "坏", En: "Bad"},
		Panels: []models.Panel{{Kind: "kpi", Title: models.Text{Zh: "x", En: "x"}, Query: map[string]any{"metrics": []any{"churn_rat"}}}}}
	if _, err := frontServer(t, server.AuthConfig{}, []models.Dashboard{d}); err == nil || !strings.Contains(err.Error(), "churn_rat") {
		t.Fatalf("got %v, want an error naming churn_rat", err)
	}
	d.Panels[0].Query = map[string]any{"metrics": []any{"churn_rate"}}
	d.Filters = []models.DashboardFilter{{Dimension: "desk"}}
	if _, err := frontServer(t, server.AuthConfig{}, []models.Dashboard{d}); err == nil || !strings.Contains(err.Error(), "desk") {
		t.Fatalf("got %v, want an error naming desk", err)
	}
}

func TestSessionSaysWhoAndWhether(t *testing.T) {
	off, err := frontServer(t, server.AuthConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := do(t, off, "GET", "/api/v1/session", nil).json(t)
	if s["auth"] != false || s["role"] != "admin" || s["model"].(map[string]any)["time_zone"] != "Asia/Shanghai" {
		t.Errorf("session with auth off: %v", s)
	}
	if to := s["data"].(map[string]any)["to"]; to != "2026-11-01" {
		t.Errorf("data to %v, want 2026-11-01 (the last month of the test bank)", to)
	}
	// Today is the engine's date in the model's zone (the test clock's).
	today := warehousetest.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	if got := s["data"].(map[string]any)["today"]; got != today {
		t.Errorf("data today %v, want %s", got, today)
	}
	if f := s["features"].(map[string]any); f["pins"] != true || f["alerts"] != false || f["risk"] != true {
		t.Errorf("features %v, want pins and risk, no alerts (no scheduler)", f)
	}
	if r, ok := s["reports"].([]any); !ok || len(r) != 0 {
		t.Errorf("reports %v, want an empty list (no report declared)", s["reports"])
	}
	on, err := frontServer(t, server.AuthConfig{Secret: secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := do(t, on, "GET", "/api/v1/session", nil); r.status != 401 {
		t.Errorf("session without a token: %d, want 401", r.status)
	}
	tok := token(t, jwt.SigningMethodHS256, secret, claims("executive", map[string]any{"branches": []string{"上海浦东支行"}}))
	s = do(t, on, "GET", "/api/v1/session", nil, "Authorization", "Bearer "+tok).json(t)
	scope, _ := s["scope"].(map[string]any)
	if s["auth"] != true || s["role"] != "executive" || len(scope) != 1 || scope["branch"].([]any)[0] != "上海浦东支行" {
		t.Errorf("session with a scoped token: %v", s)
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Assets go out compressed to a browser that accepts it (brotli first,
// else gzip) and inflate to the embedded bytes; uncompressed otherwise.
func TestAssetsCompressed(t *testing.T) {
	want, err := web.ECharts()
	if err != nil {
		if os.Getenv("BEACON_REQUIRE_ASSETS") != "" {
			t.Fatal(err)
		}
		t.Skip("assets not built: run `make assets` (make test does)")
	}
	srv := newServer(t, bank, server.AuthConfig{})
	for _, c := range []struct {
		accept, encoding string
		inflate          func([]byte) ([]byte, error)
	}{
		{"gzip, deflate, br, zstd", "br", func(b []byte) ([]byte, error) { return fasthttp.AppendUnbrotliBytes(nil, b) }},
		{"gzip", "gzip", func(b []byte) ([]byte, error) { return fasthttp.AppendGunzipBytes(nil, b) }},
		{"", "", func(b []byte) ([]byte, error) { return b, nil }},
	} {
		r := do(t, srv, "GET", "/assets/vendor/echarts.min.js", nil, "Accept-Encoding", c.accept)
		if got := r.header.Get("Content-Encoding"); r.status != 200 || got != c.encoding {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, want %q", c.accept, r.status, got, c.encoding)
			continue
		}
		body, err := c.inflate(r.body)
		if err != nil || !bytes.Equal(body, want) {
			t.Errorf("Accept-Encoding %q: %d bytes sent do not inflate to the embedded %d (%v)", c.accept, len(r.body), len(want), err)
		}
		if c.encoding != "" && len(r.body) > len(want)/2 {
			t.Errorf("%s sends %d of %d bytes", c.encoding, len(r.body), len(want))
		}
	}
}
