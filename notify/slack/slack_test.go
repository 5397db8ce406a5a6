package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/notifytest"
	"github.com/beaconbi/beacon/notify/slack"
)

const hookPath = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"

// block is a Block Kit block as Slack documents it.
type block struct {
	Type string `json:"type"`
	Text *struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"text"`
	Fields []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"fields"`
	ImageURL string `json:"image_url"`
	AltText  string `json:"alt_text"`
	Elements []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"elements"`
}

// hook is a fake incoming webhook: it checks the blocks against Block
// Kit's rules and answers "ok", or the scripted replies first.
type hook struct {
	t       *testing.T
	mu      sync.Mutex
	replies []func(http.ResponseWriter)
	got     [][]block
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != hookPath {
		w.WriteHeader(404)
		fmt.Fprint(w, "no_service")
		return
	}
	body, _ := io.ReadAll(r.Body)
	var p struct {
		Text   string  `json:"text"`
		Blocks []block `json:"blocks"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Text == "" || len(p.Blocks) == 0 {
		w.WriteHeader(400)
		fmt.Fprint(w, "invalid_payload")
		return
	}
	for _, b := range p.Blocks {
		switch {
		case b.Type == "header" && (b.Text == nil || b.Text.Type != "plain_text" || len([]rune(b.Text.Text)) > 150),
			b.Type == "section" && b.Text == nil && len(b.Fields) == 0,
			b.Type == "section" && len(b.Fields) > 10,
			b.Type == "image" && (b.ImageURL == "" || b.AltText == ""):
			h.t.Errorf("invalid %s block: %+v", b.Type, b)
			w.WriteHeader(400)
			fmt.Fprint(w, "invalid_blocks")
			return
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.replies) > 0 {
		reply := h.replies[0]
		h.replies = h.replies[1:]
		reply(w)
		return
	}
	h.got = append(h.got, p.Blocks)
	fmt.Fprint(w, "ok")
}

func reply(code int, body string, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func setup(t *testing.T, replies ...func(http.ResponseWriter)) (*slack.Webhook, *hook, *notifytest.Clock) {
	t.Helper()
	h := &hook{t: t, replies: replies}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	clock := notifytest.NewClock(notifytest.Start)
	n, err := slack.New(slack.Config{URL: srv.URL + hookPath}, notify.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return n, h, clock
}

func TestSendBlocks(t *testing.T) {
	n, h, _ := setup(t)
	msg := notifytest.Message()
	msg.Lang = "en"
	msg.Title = "Shanghai churn above 0.70%"
	msg.Lines = []string{"Churn & outflow <up> in November."}
	if _, err := n.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if len(h.got) != 1 {
		t.Fatalf("%d posts", len(h.got))
	}
	var types []string
	for _, b := range h.got[0] {
		types = append(types, b.Type)
	}
	if got := strings.Join(types, ","); got != "header,section,section,image,context" {
		t.Fatalf("blocks %s", got)
	}
	b := h.got[0]
	if b[0].Text.Text != "[Firing] Shanghai churn above 0.70%" {
		t.Errorf("header %q", b[0].Text.Text)
	}
	if s := b[1].Text; s.Type != "mrkdwn" || !strings.Contains(s.Text, "Churn &amp; outflow &lt;up&gt; in November.") ||
		!strings.Contains(s.Text, "<https://beacon.example.com/reports/churn?branch=0101|Open the full report>") {
		t.Errorf("section %+v", s)
	}
	if f := b[2].Fields; len(f) != 2 || f[0].Text != "*流失率*\n0.82% ↑  环比 +0.12 个百分点" {
		t.Errorf("fields %+v", f)
	}
	if b[3].ImageURL != "https://beacon.example.com/img/4f3a9c.png" {
		t.Errorf("image %+v", b[3])
	}
	if len(b[4].Elements) != 1 || !strings.Contains(b[4].Elements[0].Text, "2026-11-30 09:00 CST") {
		t.Errorf("context %+v", b[4])
	}
}

func TestNoImageBlockWithoutURL(t *testing.T) {
	n, h, _ := setup(t)
	msg := notifytest.Message()
	msg.Image.URL = ""
	if _, err := n.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	for _, b := range h.got[0] {
		if b.Type == "image" {
			t.Errorf("image block without a URL")
		}
	}
}

func TestRetries(t *testing.T) {
	n, h, clock := setup(t, reply(500, "internal_error"), reply(429, "rate_limited", "Retry-After", "30"))
	var attempts []notify.Attempt
	policy := notify.Policy{Clock: clock, Jitter: func() float64 { return 0 }}
	if _, err := notify.Deliver(context.Background(), n, notifytest.Message(), policy, func(a notify.Attempt) { attempts = append(attempts, a) }); err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 3 || attempts[0].Status != 500 || attempts[1].Status != 429 || attempts[1].Wait != 30*time.Second || len(h.got) != 1 {
		t.Errorf("attempts %+v, %d delivered", attempts, len(h.got))
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		status       int
	}{
		{"refused token", "invalid_token", 403},
		{"archived channel", "channel_is_archived", 410},
		{"not ok in a 200", "no_text", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, _, clock := setup(t, reply(tc.status, tc.answer))
			var calls int
			_, err := notify.Deliver(context.Background(), n, notifytest.Message(), notify.Policy{Clock: clock}, func(notify.Attempt) { calls++ })
			var se *notify.SendError
			if !errors.As(err, &se) || se.Retry || calls != 1 || se.Answer != tc.answer || se.Status != tc.status {
				t.Errorf("err %v after %d attempts; want one refusal", err, calls)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	if _, err := slack.New(slack.Config{URL: "hooks.slack.com"}, notify.Options{}); err == nil || !strings.Contains(err.Error(), "url") {
		t.Errorf("err %v", err)
	}
	cfg := slack.Config{URL: "https://hooks.slack.com" + hookPath}
	if s := fmt.Sprint(cfg, cfg.Redacted()); strings.Contains(s, "XXXXXXXXXXXXXXXXXXXXXXXX") {
		t.Errorf("webhook secret shown: %s", s)
	}
}
