package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/alerts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/webhook"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

const hookSecret = "receiver-secret-0123456789"

// receiver is a webhook endpoint that verifies each request's signature.
type receiver struct {
	mu   sync.Mutex
	got  []webhook.Body
	keys []string
	bad  int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := webhook.Verify(hookSecret, r.Header, body, time.Now(), webhook.MaxAge); err != nil {
		rc.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var b webhook.Body
	_ = json.Unmarshal(body, &b)
	rc.got = append(rc.got, b)
	rc.keys = append(rc.keys, r.Header.Get(webhook.HeaderIdempotency))
}

// alertServer is a server with a scheduler delivering to a real webhook receiver.
func alertServer(t *testing.T) (*server.Server, *receiver) {
	t.Helper()
	srv, rc, _ := alertServerWith(t, alerts.Limits{})
	return srv, rc
}

// alertServerWith is alertServer with limits, also giving its scheduler.
func alertServerWith(t *testing.T, lim alerts.Limits) (*server.Server, *receiver, *alerts.Scheduler) {
	t.Helper()
	return alertServerCfg(t, func(c *alerts.Config) { c.Limits = lim })
}

// alertServerCfg is alertServer with the scheduler's configuration
// adjusted by edit (limits, a test clock).
func alertServerCfg(t *testing.T, edit func(*alerts.Config)) (*server.Server, *receiver, *alerts.Scheduler) {
	t.Helper()
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)
	reg := alerts.NewRegistry(map[string]alerts.Factory{webhook.Channel: func(s map[string]any, _ []string) (notify.Notifier, error) {
		return webhook.New(webhook.Config{URL: s["url"].(string), Secret: s["secret"].(string)}, notify.Options{})
	}})
	if err := reg.Add(alerts.ChannelConfig{Name: "ops-hook", Type: webhook.Channel, Settings: map[string]any{"url": hook.URL, "secret": hookSecret}}); err != nil {
		t.Fatal(err)
	}
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	store, err := alerts.OpenStore(context.Background(), warehousetest.MustOpen(t))
	if err != nil {
		t.Fatal(err)
	}
	set, err := reports.Demo(eng)
	if err != nil {
		t.Fatal(err)
	}
	cfg := alerts.Config{Store: store, Querier: eng, Channels: reg, Logger: quietLogger(), Reports: set}
	edit(&cfg)
	sc, err := alerts.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Auth: server.AuthConfig{Secret: secret}, Logger: quietLogger(), Alerts: sc})
	if err != nil {
		t.Fatal(err)
	}
	return srv, rc, sc
}

const ruleJSON = `{"id":"churn-high","name":"流失率过高","query":{"metrics":["churn_rate"],"dimensions":["branch"],"time":{"range":"last_month"}},
	"condition":{"kind":"threshold","above":-1},"schedule":{"cron":"0 9 * * *","time_zone":"Asia/Shanghai"},
	"channels":[{"name":"ops-hook"}]}`

func TestAlertsAPI(t *testing.T) {
	srv, rc := alertServer(t)
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	analyst := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("analyst", nil))
	branchHead := "Bearer " + token(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "head-1", "role": "analyst",
		"branches": []string{"上海浦东支行"}, "exp": time.Now().Add(time.Hour).Unix()})
	other := "Bearer " + token(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "head-2", "role": "analyst",
		"branches": []string{"北京朝阳支行"}, "exp": time.Now().Add(time.Hour).Unix()})
	viewer := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", nil))
	edit := func(old, repl string) string { return strings.Replace(ruleJSON, old, repl, 1) }
	cases := []struct {
		name, method, path, body, auth string
		status                         int
		field                          string // error field, when status is 4xx
		contains                       string
	}{
		{"create", "POST", "/api/v1/alerts", ruleJSON, admin, 201, "", `"owner":{"subject":"tester"}`},
		{"duplicate id", "POST", "/api/v1/alerts", ruleJSON, admin, 409, "", ""},
		{"viewer may not create", "POST", "/api/v1/alerts", edit(`"churn-high"`, `"v"`), viewer, 403, "", ""},
		{"unknown condition kind", "POST", "/api/v1/alerts", edit(`"threshold"`, `"over"`), admin, 400, "condition.kind", ""},
		{"unknown metric", "POST", "/api/v1/alerts", edit(`["churn_rate"]`, `["churn_rat"]`), admin, 400, "query.metrics[0]", ""},
		{"bad cron", "POST", "/api/v1/alerts", edit(`0 9 * * *`, `0 25 * * *`), admin, 400, "schedule.cron", ""},
		{"cron that never fires", "POST", "/api/v1/alerts", edit(`0 9 * * *`, `0 9 31 2 *`), admin, 400, "schedule.cron", "never fires"},
		{"cron too long", "POST", "/api/v1/alerts", edit(`0 9 * * *`, strings.Repeat("0,", 150)+`1 9 * * *`), admin, 400, "schedule.cron", "at most 200 characters"},
		{"subscription cron that never fires", "POST", "/api/v1/subscriptions", `{"id":"s","name":"周报","report":"weekly_retention","schedule":{"cron":"0 9 30 2 *","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`, admin, 400, "schedule.cron", "never fires"},
		{"bad zone", "POST", "/api/v1/alerts", edit(`Asia/Shanghai`, `Asia/Beijing`), admin, 400, "schedule.time_zone", ""},
		{"unknown channel", "POST", "/api/v1/alerts", edit(`ops-hook`, `ops`), admin, 400, "channels[0].name", ""},
		{"unknown field", "POST", "/api/v1/alerts", edit(`"name"`, `"nmae"`), admin, 400, "nmae", ""},
		{"bad repeat", "POST", "/api/v1/alerts", edit(`"for"`, `"x"`)[:0] + strings.Replace(ruleJSON, `"channels"`, `"repeat":"soon","channels"`, 1), admin, 400, "repeat", ""},
		{"band without a time range", "POST", "/api/v1/alerts", strings.Replace(edit(`,"time":{"range":"last_month"}`, ``), `"kind":"threshold","above":-1`, `"kind":"band","periods":6,"k":1,"grain":"month"`, 1), admin, 400, "query.time", ""},
		{"band finer than the metric's data", "POST", "/api/v1/alerts", strings.Replace(edit(`"churn-high"`, `"band-day"`), `"kind":"threshold","above":-1`, `"kind":"band","periods":12,"k":2,"grain":"day"`, 1), admin, 400, "condition.grain", `"valid":["month","quarter","year"]`},
		{"band at the metric's grain", "POST", "/api/v1/alerts", strings.Replace(edit(`"churn-high"`, `"band-month"`), `"kind":"threshold","above":-1`, `"kind":"band","periods":12,"k":2,"grain":"month"`, 1), admin, 201, "", `"grain":"month"`},
		{"bad id", "POST", "/api/v1/alerts", edit(`"churn-high"`, `"Churn High!"`), admin, 400, "id", ""},
		{"list", "GET", "/api/v1/alerts", "", analyst, 200, "", `"churn-high"`},
		{"get", "GET", "/api/v1/alerts/churn-high", "", analyst, 200, "", `"above":-1`},
		{"get missing", "GET", "/api/v1/alerts/nope", "", analyst, 404, "", ""},
		{"update id mismatch", "PUT", "/api/v1/alerts/churn-high", edit(`"churn-high"`, `"other"`), admin, 400, "id", ""},
		{"update", "PUT", "/api/v1/alerts/churn-high", edit(`"流失率过高"`, `"流失率偏高"`), admin, 200, "", "流失率偏高"},
		{"history limit", "GET", "/api/v1/alerts/churn-high/history?limit=0", "", analyst, 400, "limit", ""},
		{"scoped create", "POST", "/api/v1/alerts", edit(`"churn-high"`, `"mine"`), branchHead, 201, "", `"scope":{"branch":["上海浦东支行"]}`},
		{"scoped may not set owner", "POST", "/api/v1/alerts", strings.Replace(edit(`"churn-high"`, `"mine2"`), `"channels"`, `"owner":{"subject":"x"},"channels"`, 1), branchHead, 403, "owner", ""},
		{"others' rule is hidden", "GET", "/api/v1/alerts/mine", "", other, 404, "", ""},
		{"scoped list shows own only", "GET", "/api/v1/alerts", "", branchHead, 200, "", `"id":"mine"`},
		{"channels hide settings", "GET", "/api/v1/channels", "", viewer, 200, "", `{"channels":[{"name":"ops-hook","type":"webhook"}]}`},
		{"silence bad until", "POST", "/api/v1/silences", `{"rule":"churn-high","until":"tomorrow"}`, admin, 400, "until", ""},
		{"silence past", "POST", "/api/v1/silences", `{"rule":"churn-high","until":"2020-01-01T00:00:00Z"}`, admin, 400, "until", ""},
		{"silence nothing", "POST", "/api/v1/silences", `{"until":"2099-01-01T00:00:00Z"}`, admin, 400, "rule", ""},
		{"silence unknown rule", "POST", "/api/v1/silences", `{"rule":"nope","until":"` + time.Now().Add(time.Hour).Format(time.RFC3339) + `"}`, admin, 404, "rule", ""},
		{"subscription to an undeclared report without figures", "POST", "/api/v1/subscriptions", `{"id":"s","name":"周报","report":"weekly","figures":[],"schedule":{"cron":"0 9 * * 1","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`, admin, 400, "report", ""},
		{"subscription bad figure", "POST", "/api/v1/subscriptions", `{"id":"s","name":"周报","report":"weekly","figures":[{"metrics":["churn_rate","aum"]}],"schedule":{"cron":"0 9 * * 1","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`, admin, 400, "figures[0].metrics", ""},
		{"subscription to the declared report", "POST", "/api/v1/subscriptions", `{"id":"weekly-digest","name":"每周留存周报","report":"weekly_retention","schedule":{"cron":"0 9 * * 1","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`, admin, 201, "", `"report":"weekly_retention"`},
		{"subscription", "POST", "/api/v1/subscriptions", `{"id":"weekly","name":"每周留存周报","report":"weekly_retention","figures":[{"metrics":["churn_rate"],"time":{"range":"last_month"}}],"schedule":{"cron":"0 9 * * 1","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`, admin, 201, "", `"report":"weekly_retention"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			if c.body != "" {
				body = []byte(c.body)
			}
			r := do(t, srv, c.method, c.path, body, "Authorization", c.auth)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.field != "" {
				if f, _ := r.json(t)["error"].(map[string]any)["field"].(string); f != c.field {
					t.Errorf("error field %q, want %q: %s", f, c.field, r.body)
				}
			}
			if c.contains != "" && !strings.Contains(string(r.body), c.contains) {
				t.Errorf("body lacks %s: %.600s", c.contains, r.body)
			}
			if strings.Contains(string(r.body), hookSecret) || strings.Contains(string(r.body), "127.0.0.1") {
				t.Errorf("the response shows a channel's settings: %.300s", r.body)
			}
		})
	}

	// A test send reaches the receiver once, signed, marked as a test, with
	// the branch-scoped owner's branch only.
	r := do(t, srv, "POST", "/api/v1/alerts/mine/test", nil, "Authorization", branchHead)
	if r.status != 200 {
		t.Fatalf("test send: %d %s", r.status, r.body)
	}
	if len(rc.got) != 1 || rc.bad != 0 {
		t.Fatalf("receiver got %d messages (%d badly signed), want 1", len(rc.got), rc.bad)
	}
	msg := rc.got[0]
	if msg.Kind != "test" || !strings.HasPrefix(msg.Subject, "【测试】") || strings.Contains(msg.Title, "【") || rc.keys[0] == "" {
		t.Errorf("test message kind %q subject %q title %q key %q", msg.Kind, msg.Subject, msg.Title, rc.keys[0])
	}
	text, _ := json.Marshal(msg)
	if !strings.Contains(string(text), "上海浦东支行") || strings.Contains(string(text), "北京朝阳支行") {
		t.Errorf("the scoped owner's test message is not limited to its branch: %s", text)
	}
	h := do(t, srv, "GET", "/api/v1/alerts/mine/history", nil, "Authorization", branchHead)
	if h.status != 200 || !strings.Contains(string(h.body), `"status":"sent"`) {
		t.Errorf("history lacks the delivered test: %d %.500s", h.status, h.body)
	}
	if d := do(t, srv, "DELETE", "/api/v1/alerts/churn-high", nil, "Authorization", admin); d.status != 204 {
		t.Errorf("delete: %d %s", d.status, d.body)
	}
	if g := do(t, srv, "GET", "/api/v1/alerts/churn-high", nil, "Authorization", admin); g.status != 404 {
		t.Errorf("deleted rule answers %d", g.status)
	}
}

// TestBreakdownTestSendTitle: a test send of a rule broken down by branch
// lists every branch's figure under a title naming the rule alone, not
// one of the branches.
func TestBreakdownTestSendTitle(t *testing.T) {
	srv, rc := alertServer(t)
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	if r := do(t, srv, "POST", "/api/v1/alerts", []byte(ruleJSON), "Authorization", admin); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	if r := do(t, srv, "POST", "/api/v1/alerts/churn-high/test", nil, "Authorization", admin); r.status != 200 {
		t.Fatalf("test send: %d %s", r.status, r.body)
	}
	branches := warehousetest.Rows(t, bank, `SELECT branch_name FROM branches ORDER BY branch_name`)
	if len(rc.got) != 1 {
		t.Fatalf("receiver got %d messages, want 1", len(rc.got))
	}
	msg := rc.got[0]
	if msg.Title != "流失率过高" {
		t.Errorf("title %q, want the rule's name alone", msg.Title)
	}
	want := min(len(branches), 20)
	if len(msg.Figures) != want {
		t.Errorf("%d figures, want one per branch (%d)", len(msg.Figures), want)
	}
	for _, f := range msg.Figures {
		if !strings.Contains(f.Label, " · ") {
			t.Errorf("figure %q does not name its branch", f.Label)
		}
	}
}
