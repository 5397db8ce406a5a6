package server_test

import (
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/alerts"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/dingtalk"
)

// TestAlertFieldsNamedOnce: over HTTP, a DingTalk recipient that is not a
// mobile is 400 at its own field (it went into the group's text), and a
// bad condition.compare is 400 at condition.compare, not at query.compare.
func TestAlertFieldsNamedOnce(t *testing.T) {
	srv, _, _ := alertServerCfg(t, func(c *alerts.Config) {
		reg := alerts.NewRegistry(map[string]alerts.Factory{dingtalk.Channel: func(s map[string]any, recipients []string) (notify.Notifier, error) {
			return dingtalk.New(dingtalk.Config{URL: s["url"].(string), AtMobiles: recipients}, notify.Options{})
		}})
		if err := reg.Add(alerts.ChannelConfig{Name: "ops-dingtalk", Type: dingtalk.Channel,
			Settings: map[string]any{"url": "http://127.0.0.1:1/robot/send?access_token=t"}}); err != nil {
			t.Fatal(err)
		}
		c.Channels = reg
	})
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	rule := func(channels, condition string) string {
		r := strings.Replace(ruleJSON, `[{"name":"ops-hook"}]`, channels, 1)
		return strings.Replace(r, `{"kind":"threshold","above":-1}`, condition, 1)
	}
	threshold := `{"kind":"threshold","above":-1}`
	cases := []struct {
		name, body string
		status     int
		field      string
		says       string
	}{
		{"at all markup", rule(`[{"name":"ops-dingtalk","recipients":["<at>all</at>"]}]`, threshold), 400, "channels[0].recipients[0]", "is not a mobile number"},
		{"a link", rule(`[{"name":"ops-dingtalk","recipients":["13800138000","[点此](http://x.example)"]}]`, threshold), 400, "channels[0].recipients[1]", "is not a mobile number"},
		{"bad compare", rule(`[{"name":"ops-dingtalk"}]`, `{"kind":"change","compare":"last_week","change":"percent","above":0.1}`), 400, "condition.compare", "previous_period or same_period_last_year"},
		{"mobiles", rule(`[{"name":"ops-dingtalk","recipients":["13800138000","+86-13900139000"]}]`, threshold), 201, "", `"recipients":["13800138000","+86-13900139000"]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, srv, "POST", "/api/v1/alerts", []byte(c.body), "Authorization", admin)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if c.field != "" {
				if f, _ := r.json(t)["error"].(map[string]any)["field"].(string); f != c.field {
					t.Errorf("error field %q, want %q: %s", f, c.field, r.body)
				}
			}
			if !strings.Contains(string(r.body), c.says) {
				t.Errorf("body lacks %q: %s", c.says, r.body)
			}
		})
	}
}
