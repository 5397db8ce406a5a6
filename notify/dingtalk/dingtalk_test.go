package dingtalk_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/dingtalk"
	"github.com/beaconbi/beacon/notify/notifytest"
)

const (
	token  = "b1f0c7e2a9d34e6f8a7b"
	secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
)

// received is one request as DingTalk documents it.
type received struct {
	at      time.Time
	msgType string
	title   string
	text    string
	atAll   bool
	mobiles []string
}

// robot is a fake DingTalk endpoint: it checks the token and the signature
// as DingTalk does, decodes the markdown message, and answers with the
// scripted replies in turn (then errcode 0).
type robot struct {
	t       *testing.T
	clock   *notifytest.Clock
	mu      sync.Mutex
	replies []func(w http.ResponseWriter)
	got     []received
}

func (rb *robot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method != http.MethodPost || r.URL.Path != "/robot/send" || q.Get("access_token") != token {
		http.Error(w, `{"errcode":300001,"errmsg":"token is not exist"}`, http.StatusOK)
		return
	}
	ts, sign := q.Get("timestamp"), q.Get("sign")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sign != want || !strings.Contains(r.URL.RawQuery, "sign="+url.QueryEscape(want)) {
		rb.t.Errorf("signature: got timestamp %q sign %q (raw %q), want sign %q", ts, sign, r.URL.RawQuery, want)
		fmt.Fprint(w, `{"errcode":310000,"errmsg":"sign not match"}`)
		return
	}
	// DingTalk refuses a timestamp more than an hour from its own time.
	if d := rb.clock.Now().Sub(time.UnixMilli(ms)); d < -time.Hour || d > time.Hour {
		rb.t.Errorf("timestamp %d is %v away from now", ms, d)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		rb.t.Errorf("Content-Type %q, want application/json", ct)
	}
	var p struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Title string `json:"title"`
			Text  string `json:"text"`
		} `json:"markdown"`
		At struct {
			AtMobiles []string `json:"atMobiles"`
			IsAtAll   bool     `json:"isAtAll"`
		} `json:"at"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &p); err != nil {
		rb.t.Errorf("payload is not JSON: %v: %s", err, body)
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	rb.got = append(rb.got, received{at: rb.clock.Now(), msgType: p.MsgType, title: p.Markdown.Title, text: p.Markdown.Text, atAll: p.At.IsAtAll, mobiles: p.At.AtMobiles})
	if len(rb.replies) > 0 {
		reply := rb.replies[0]
		rb.replies = rb.replies[1:]
		reply(w)
		return
	}
	fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
}

func (rb *robot) received() []received {
	rb.mu.Lock()
	defer rb.mu.Unlock()
	return append([]received(nil), rb.got...)
}

func status(code int, body string, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func setup(t *testing.T, replies ...func(http.ResponseWriter)) (*dingtalk.Robot, *robot, *notifytest.Clock) {
	t.Helper()
	clock := notifytest.NewClock(notifytest.Start)
	rb := &robot{t: t, clock: clock, replies: replies}
	srv := httptest.NewServer(rb)
	t.Cleanup(srv.Close)
	cfg := dingtalk.Config{URL: srv.URL + "/robot/send?access_token=" + token, Secret: secret, AtMobiles: []string{"13800000000"}}
	n, err := dingtalk.New(cfg, notify.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return n, rb, clock
}

func TestSendSignedMarkdown(t *testing.T) {
	n, rb, _ := setup(t)
	msg := notifytest.Message()
	rec, err := n.Send(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != 200 || !strings.Contains(rec.Answer, `"errcode":0`) {
		t.Errorf("receipt %+v", rec)
	}
	got := rb.received()
	if len(got) != 1 {
		t.Fatalf("got %d requests, want 1", len(got))
	}
	p := got[0]
	if p.msgType != "markdown" || p.title != "【告警】上海分行 流失率 超过阈值" {
		t.Errorf("msgtype %q title %q", p.msgType, p.title)
	}
	for _, want := range []string{
		"### 【告警】上海分行 流失率 超过阈值",
		"上海分行 11 月流失率 0.82%，高于阈值 0.70%。",
		"- **流失率** 0.82% ↑（环比 +0.12 个百分点）",
		"- **净流入** -1.3 亿 ↓（环比 -0.4 亿）",
		"![chart](https://beacon.example.com/img/4f3a9c.png)",
		"[查看完整报告](https://beacon.example.com/reports/churn?branch=0101)",
		"2026-11-30 09:00 CST",
		"@13800000000",
	} {
		if !strings.Contains(p.text, want) {
			t.Errorf("markdown lacks %q:\n%s", want, p.text)
		}
	}
	if len(p.mobiles) != 1 || p.mobiles[0] != "13800000000" {
		t.Errorf("atMobiles %v", p.mobiles)
	}
}

func TestNoImageWithoutURL(t *testing.T) {
	n, rb, _ := setup(t)
	msg := notifytest.Message()
	msg.Image.URL = "" // bytes alone cannot be shown by a DingTalk robot
	if _, err := n.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if text := rb.received()[0].text; strings.Contains(text, "![") {
		t.Errorf("image shown without a URL:\n%s", text)
	}
}

func TestDeliverRetriesUntilAccepted(t *testing.T) {
	n, rb, clock := setup(t,
		status(500, "upstream error"),
		status(429, "slow down", "Retry-After", "7"),
		status(200, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`),
	)
	var attempts []notify.Attempt
	policy := notify.Policy{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: time.Minute, MaxElapsed: time.Hour, Clock: clock, Jitter: func() float64 { return 0.5 }}
	rec, err := notify.Deliver(context.Background(), n, notifytest.Message(), policy, func(a notify.Attempt) { attempts = append(attempts, a) })
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != 200 {
		t.Errorf("receipt %+v", rec)
	}
	if len(rb.received()) != 4 || len(attempts) != 4 {
		t.Fatalf("got %d requests and %d attempts, want 4", len(rb.received()), len(attempts))
	}
	wantStatus := []int{500, 429, 200, 200}
	for i, a := range attempts {
		if a.Number != i+1 || a.Status != wantStatus[i] || a.Channel != "dingtalk" {
			t.Errorf("attempt %d: %+v", i+1, a)
		}
		if last := i == 3; (a.Err == nil) != last || a.Retry == last {
			t.Errorf("attempt %d: err %v retry %v", i+1, a.Err, a.Retry)
		}
	}
	if !strings.Contains(attempts[2].Answer, "130101") {
		t.Errorf("attempt 3 answer %q", attempts[2].Answer)
	}
	// Retry-After: 7 is honoured, and errcode 130101 waits out the mute.
	if attempts[1].Wait != 7*time.Second || attempts[2].Wait != dingtalk.MuteFor {
		t.Errorf("waits %v and %v, want 7s and %v", attempts[1].Wait, attempts[2].Wait, dingtalk.MuteFor)
	}
	got := rb.received()
	if d := got[3].at.Sub(got[2].at); d < dingtalk.MuteFor {
		t.Errorf("sent again %v after being muted, want at least %v", d, dingtalk.MuteFor)
	}
}

func TestRefusalIsNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		reply func(http.ResponseWriter)
	}{
		{"errcode in a 200", status(200, `{"errcode":310000,"errmsg":"keywords not in content"}`)},
		{"400", status(400, "bad request")},
		{"not json", status(200, "<html>proxy</html>")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, rb, clock := setup(t, tc.reply)
			var attempts []notify.Attempt
			_, err := notify.Deliver(context.Background(), n, notifytest.Message(), notify.Policy{Clock: clock}, func(a notify.Attempt) { attempts = append(attempts, a) })
			var se *notify.SendError
			if !errors.As(err, &se) || se.Retry {
				t.Fatalf("err %v, want a SendError not to retry", err)
			}
			if len(rb.received()) != 1 || len(attempts) != 1 || attempts[0].Retry {
				t.Errorf("%d requests, attempts %+v; want one", len(rb.received()), attempts)
			}
		})
	}
}

func TestRateLimitQueuesInsteadOfDropping(t *testing.T) {
	n, rb, _ := setup(t)
	const sends = 45
	for i := 0; i < sends; i++ {
		if _, err := n.Send(context.Background(), notifytest.Message()); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	got := rb.received()
	if len(got) != sends {
		t.Fatalf("robot got %d messages, want %d", len(got), sends)
	}
	// No 60-second span may hold more than 20 messages.
	for i := range got {
		in := 0
		for j := i; j < len(got) && got[j].at.Sub(got[i].at) < time.Minute; j++ {
			in++
		}
		if in > dingtalk.PerMinute {
			t.Fatalf("%d messages within a minute from message %d", in, i)
		}
	}
	if span := got[sends-1].at.Sub(got[0].at); span < 2*time.Minute {
		t.Errorf("45 messages went out within %v; 20 a minute needs at least 2m", span)
	}
}

func TestSharedLimitsAcrossNotifiers(t *testing.T) {
	clock := notifytest.NewClock(notifytest.Start)
	rb := &robot{t: t, clock: clock}
	srv := httptest.NewServer(rb)
	defer srv.Close()
	limits := notify.NewLimits()
	cfg := dingtalk.Config{URL: srv.URL + "/robot/send?access_token=" + token, Secret: secret}
	a, _ := dingtalk.New(cfg, notify.Options{Clock: clock, Limits: limits})
	b, _ := dingtalk.New(cfg, notify.Options{Clock: clock, Limits: limits})
	for i := 0; i < 21; i++ {
		n := a
		if i%2 == 1 {
			n = b
		}
		if _, err := n.Send(context.Background(), notifytest.Message()); err != nil {
			t.Fatal(err)
		}
	}
	got := rb.received()
	if d := got[20].at.Sub(got[0].at); d < time.Minute {
		t.Errorf("21st message to the same robot (from two rules) went %v after the first, want a minute", d)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  dingtalk.Config
		want string // in the error; "" for valid
	}{
		{"valid", dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=" + token, Secret: secret}, ""},
		{"unsigned", dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=" + token}, ""},
		{"no token", dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send"}, "access_token"},
		{"not a url", dingtalk.Config{URL: "oapi.dingtalk.com"}, "url"},
		{"empty", dingtalk.Config{}, "url"},
		{"spaces", dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=x", Secret: " SECx"}, "secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := dingtalk.New(tc.cfg, notify.Options{})
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
	cfg := dingtalk.Config{URL: "https://oapi.dingtalk.com/robot/send?access_token=" + token, Secret: secret}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v", cfg, cfg), fmt.Sprint(cfg.Redacted())} {
		if strings.Contains(s, token) || strings.Contains(s, secret) {
			t.Errorf("secret shown: %s", s)
		}
	}
	if r := cfg.Redacted(); r.Secret != notify.Masked || !strings.Contains(r.URL, "oapi.dingtalk.com") {
		t.Errorf("redacted %+v", r)
	}
}

func TestQuotaWaitBeyondDeadlineIsRetryableAtOnce(t *testing.T) {
	n, rb, _ := setup(t)
	for i := 0; i < dingtalk.PerMinute; i++ {
		if _, err := n.Send(context.Background(), notifytest.Message()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := n.Send(ctx, notifytest.Message())
	var se *notify.SendError
	if !errors.As(err, &se) || !se.Retry || se.RetryAfter != time.Minute {
		t.Fatalf("err %v, want a retryable error asking to wait a minute", err)
	}
	if got := len(rb.received()); got != dingtalk.PerMinute {
		t.Errorf("robot got %d messages, want %d", got, dingtalk.PerMinute)
	}
}

func TestLongBodyIsCutKeepingTheLink(t *testing.T) {
	n, rb, _ := setup(t)
	msg := notifytest.Message()
	msg.Lines = []string{strings.Repeat("各分行流失率明细，", 3000)} // 81,000 bytes
	if _, err := n.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	text := rb.received()[0].text
	if len(text) > dingtalk.MaxMarkdown || !strings.Contains(text, notify.Ellipsis) {
		t.Errorf("%d bytes, ellipsis %v", len(text), strings.Contains(text, notify.Ellipsis))
	}
	for _, want := range []string{"0.82% ↑", "[查看完整报告](", "@13800000000"} {
		if !strings.Contains(text, want) {
			t.Errorf("cut text lost %q", want)
		}
	}
}

// TestQuotaErrorSaysWhoHoldsTheSend: a send held back by Beacon's own
// window after busy (-1) answers says it is Beacon's pacing, counting the
// failed requests, and that no request was made; one held after 130101
// says the provider asked to hold off. Neither reads as the provider's
// refusal.
func TestQuotaErrorSaysWhoHoldsTheSend(t *testing.T) {
	busy := status(200, `{"errcode":-1,"errmsg":"系统繁忙"}`)
	n, rb, _ := setup(t, busy, busy, busy, busy, busy)
	failed := 0
	for i := 0; i < dingtalk.PerMinute; i++ {
		if _, err := n.Send(context.Background(), notifytest.Message()); err != nil {
			failed++
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := n.Send(ctx, notifytest.Message())
	if failed != 5 || err == nil || len(rb.received()) != dingtalk.PerMinute {
		t.Fatalf("%d busy answers, %d requests, 21st send: %v", failed, len(rb.received()), err)
	}
	for _, want := range []string{"no request made", "Beacon paces this destination at 20 requests per 1m0s", "failed attempts count", "the next is allowed in 1m0s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "rate limit") {
		t.Errorf("%q reads as the provider's rate limit", err)
	}

	n, _, _ = setup(t, status(200, `{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`))
	if _, err := n.Send(context.Background(), notifytest.Message()); err == nil {
		t.Fatal("130101 was taken as delivered")
	}
	_, err = n.Send(ctx, notifytest.Message())
	if err == nil || !strings.Contains(err.Error(), "the provider asked to hold off") || !strings.Contains(err.Error(), "no request made") {
		t.Errorf("a send during the mute: %v", err)
	}
}

// TestRecipientsAreMobiles: a robot @-mentions mobiles; markup or a link
// as a recipient is refused when the channel is built, naming it.
func TestRecipientsAreMobiles(t *testing.T) {
	base := "https://oapi.dingtalk.com/robot/send?access_token=" + token
	cases := []struct {
		mobile string
		ok     bool
	}{
		{"13800138000", true},
		{"+86-13800138000", true},
		{"+8613800138000", true},
		{"<at>all</at>", false},
		{"[点此](http://evil.example)", false},
		{"138 0013 8000", false},
		{"alice@bank.example", false},
		{"", false},
	}
	for _, c := range cases {
		t.Run(c.mobile, func(t *testing.T) {
			_, err := dingtalk.New(dingtalk.Config{URL: base, AtMobiles: []string{c.mobile}}, notify.Options{})
			if (err == nil) != c.ok {
				t.Fatalf("New with %q: %v, want ok=%v", c.mobile, err, c.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "is not a mobile number") {
				t.Errorf("error %q does not say what is wrong", err)
			}
		})
	}
}
