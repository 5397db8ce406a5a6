package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Figures and words the walk-through found off on the Alerts and
// Subscriptions pages: the complaint rate's states with its unit (‰) and
// one number of decimals, an English refusal beside its field in a
// reader's words rather than the API's path, and a subscription's report
// link in the page's language with the as-sent version beside it.
// evaluated steps the scheduler until the rule has states: the server's
// own scheduler may hold the lease when the test steps, and then the rule
// is evaluated by it a moment later.
func evaluated(t *testing.T, b beacon, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := b.alerts.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		st, body := b.api(t, "GET", "/alerts/"+id+"/history?limit=10", "", "")
		var h struct {
			States []json.RawMessage `json:"states"`
		}
		if st == 200 && json.Unmarshal([]byte(body), &h) == nil && len(h.States) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rule %s has no states after 60 s: %d %s", id, st, body)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func TestAlertsAndSubscriptionsReadInThePageLanguage(t *testing.T) {
	ctxB := newBrowser(t)
	b := startBeacon(t, "")
	tt := openTab(t, ctxB, "")
	rule := `{"id":"e2e-complaints","name":"投诉率偏离","query":{"metrics":["complaint_rate"],"dimensions":["region"],"time":{"range":"last_month"}},
		"condition":{"kind":"threshold","above":-1},"schedule":{"cron":"0 9 * * *","time_zone":"Asia/Shanghai"},"channels":[{"name":"ops-hook"}]}`
	if st, body := b.api(t, "POST", "/alerts", "", rule); st != 201 {
		t.Fatalf("create rule: %d %s", st, body)
	}
	t.Cleanup(func() { b.api(t, "DELETE", "/alerts/e2e-complaints", "", "") })
	evaluated(t, b, "e2e-complaints")
	// The independent figures: the query API's complaint rate by region.
	want := map[string]float64{}
	for _, r := range b.rows(t, "", map[string]any{"metrics": []string{"complaint_rate"}, "dimensions": []string{"region"}, "time": map[string]any{"range": "last_month"}}) {
		if v, ok := r["complaint_rate"].(float64); ok {
			want[r["region"].(string)] = v
		}
	}
	if len(want) < 2 {
		t.Fatalf("the bank has %d regions with a complaint rate", len(want))
	}

	t.Run("complaint rate states carry the unit", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/alerts"))
		tt.wait(t, `document.querySelectorAll('[data-rule=e2e-complaints] .states [data-value]').length > 1`)
		var states []struct {
			Text  string `json:"text"`
			Raw   string `json:"raw"`
			Group string `json:"group"`
		}
		raw := eval[string](t, tt, `JSON.stringify([...document.querySelectorAll('[data-rule=e2e-complaints] .states li')].map(li => ({
			text: li.querySelector('[data-value]').textContent, raw: li.querySelector('[data-value]').dataset.value, group: li.textContent})))`)
		if err := json.Unmarshal([]byte(raw), &states); err != nil {
			t.Fatal(err)
		}
		if len(states) != len(want) {
			t.Errorf("%d states on the page, %d regions in the query API", len(states), len(want))
		}
		for _, s := range states {
			fig, ok := strings.CutSuffix(s.Text, " ‰")
			if !ok {
				t.Errorf("state %q: the figure %q has no ‰", s.Group, s.Text)
				continue
			}
			if i := strings.IndexByte(fig, '.'); i < 0 || len(fig)-i-1 != 2 {
				t.Errorf("state %q: %q does not have two decimals like its neighbours", s.Group, fig)
			}
			v, _ := strconv.ParseFloat(fig, 64)
			r, _ := strconv.ParseFloat(s.Raw, 64)
			matched := false
			for region, w := range want {
				if strings.Contains(s.Group, region) {
					matched = math.Abs(r-w) <= 1e-9*math.Max(1, math.Abs(w)) && math.Abs(v-w) <= 0.005+1e-9
				}
			}
			if !matched {
				t.Errorf("state %q: %s (raw %s) matches no region's rate in %v", s.Group, s.Text, s.Raw, want)
			}
		}
		if c := eval[string](t, tt, `document.querySelector('[data-rule=e2e-complaints] [data-condition]').textContent`); !strings.Contains(c, "> -1 ‰") {
			t.Errorf("the condition reads %q, want the bound with its unit", c)
		}
	})

	t.Run("an English refusal beside its field", func(t *testing.T) {
		eval[bool](t, tt, `(localStorage.setItem('beacon.lang', 'en'), true)`)
		tt.do(t, chromedp.Navigate(b.url+"/alerts"))
		tt.wait(t, `document.querySelector('.alerts [data-new-rule]') !== null && document.documentElement.lang === 'en'`)
		tt.do(t, chromedp.Click(chromedp.CSS("[data-new-rule]")))
		tt.wait(t, `document.querySelector('.rule-form input[name=channel]') !== null`)
		setField(t, tt, "#rf-id", "e2e-en-refusal")
		setField(t, tt, "#rf-name", "refused")
		setField(t, tt, "#rf-above", "abc")
		tt.do(t, chromedp.Click(chromedp.CSS(".rule-form input[name=channel][value=ops-hook]")))
		tt.refused(func() {
			tt.do(t, chromedp.Click(chromedp.CSS(".rule-form button[type=submit]")))
			tt.wait(t, `document.querySelector('[data-field=above] .field-error') !== null`)
		})
		if e := fieldError(t, tt, "above"); e != "Must be a number, not text" {
			t.Errorf("beside above: %q, want %q (no API field path)", e, "Must be a number, not text")
		}
		if st, _ := b.api(t, "GET", "/alerts/e2e-en-refusal", "", ""); st != 404 {
			t.Errorf("the refused rule exists: %d", st)
		}
	})

	t.Run("a subscription's report link follows the page language", func(t *testing.T) {
		sub := `{"id":"e2e-zh-weekly","name":"周报","report":"weekly_retention","schedule":{"cron":"0 9 * * 1","time_zone":"Asia/Shanghai"},
			"channels":[{"name":"ops-hook"}],"lang":"zh"}`
		if st, body := b.api(t, "POST", "/subscriptions", "", sub); st != 201 {
			t.Fatalf("create subscription: %d %s", st, body)
		}
		t.Cleanup(func() { b.api(t, "DELETE", "/subscriptions/e2e-zh-weekly", "", "") })
		// Cleanups run last first: the page leaves the Subscriptions page
		// before the subscription is deleted, so that no refresh of it asks
		// for the history of one that is gone.
		t.Cleanup(func() { tt.do(t, chromedp.Navigate(b.url+"/")) })
		links := func() (string, string) {
			return eval[string](t, tt, `document.querySelector('[data-sub=e2e-zh-weekly] [data-report-link]').getAttribute('href')`),
				eval[string](t, tt, `(document.querySelector('[data-sub=e2e-zh-weekly] [data-report-sent-link]') || {getAttribute: () => ''}).getAttribute('href')`)
		}
		for _, tc := range []struct{ lang, link, sent string }{
			{"en", "/reports/weekly_retention?lang=en", "/reports/weekly_retention?lang=zh"},
			{"zh", "/reports/weekly_retention?lang=zh", ""},
		} {
			eval[bool](t, tt, fmt.Sprintf(`(localStorage.setItem('beacon.lang', %q), true)`, tc.lang))
			tt.do(t, chromedp.Navigate(b.url+"/subscriptions"))
			tt.wait(t, fmt.Sprintf(`document.querySelector('[data-sub=e2e-zh-weekly] [data-report-link]') !== null && document.documentElement.lang.startsWith(%q)`, tc.lang))
			if link, sent := links(); link != tc.link || sent != tc.sent {
				t.Errorf("page in %s: the report link %q and the as-sent link %q, want %q and %q", tc.lang, link, sent, tc.link, tc.sent)
			}
		}
	})
}
