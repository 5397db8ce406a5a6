package feishu_test

import (
	"bytes"
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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/feishu"
	"github.com/beaconbi/beacon/notify/notifytest"
)

const (
	hookPath  = "/open-apis/bot/v2/hook/5e3d587e-d78e-4a07-bd07-265f269f86fd"
	secret    = "nIMtb7r3N9pkXyXdtAbx6e"
	appID     = "cli_a1b2c3d4e5"
	appSecret = "appsecret-0123456789abcdef"
	imageKey  = "img_v2_041b28e3-5680-48c2-9af2-497ace79333g"
)

// card is an interactive card as Feishu documents it, elements left raw.
type card struct {
	Header struct {
		Title struct {
			Tag     string `json:"tag"`
			Content string `json:"content"`
		} `json:"title"`
		Template string `json:"template"`
	} `json:"header"`
	Elements []map[string]any `json:"elements"`
}

// open is a fake Feishu open platform: the bot's hook, which checks the
// signature as Feishu does, and the app's token and image endpoints.
type open struct {
	t       *testing.T
	clock   *notifytest.Clock
	mu      sync.Mutex
	replies []func(http.ResponseWriter) // for the hook, in turn
	tokens  int
	uploads [][]byte
	cards   []card
}

func (o *open) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch r.URL.Path {
	case "/open-apis/auth/v3/tenant_access_token/internal":
		var c struct{ AppID, AppSecret string }
		var raw map[string]string
		_ = json.NewDecoder(r.Body).Decode(&raw)
		c.AppID, c.AppSecret = raw["app_id"], raw["app_secret"]
		if c.AppID != appID || c.AppSecret != appSecret {
			fmt.Fprint(w, `{"code":10014,"msg":"app secret invalid"}`)
			return
		}
		o.tokens++
		fmt.Fprint(w, `{"code":0,"msg":"ok","tenant_access_token":"t-g1044ghJRUIJJ5ELPPQ","expire":7200}`)
	case "/open-apis/im/v1/images":
		if r.Header.Get("Authorization") != "Bearer t-g1044ghJRUIJJ5ELPPQ" {
			fmt.Fprint(w, `{"code":99991663,"msg":"Invalid access token for authorization."}`)
			return
		}
		if err := r.ParseMultipartForm(20 << 20); err != nil || r.FormValue("image_type") != "message" {
			o.t.Errorf("upload form: %v, image_type %q", err, r.FormValue("image_type"))
			fmt.Fprint(w, `{"code":234001,"msg":"Invalid request param."}`)
			return
		}
		f, _, err := r.FormFile("image")
		if err != nil {
			o.t.Errorf("upload: no image file: %v", err)
			return
		}
		data, _ := io.ReadAll(f)
		o.uploads = append(o.uploads, data)
		fmt.Fprintf(w, `{"code":0,"msg":"success","data":{"image_key":%q}}`, imageKey)
	case hookPath:
		var p struct {
			Timestamp string `json:"timestamp"`
			Sign      string `json:"sign"`
			MsgType   string `json:"msg_type"`
			Card      card   `json:"card"`
		}
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &p); err != nil || p.MsgType != "interactive" {
			fmt.Fprint(w, `{"code":9499,"msg":"Bad Request","data":{}}`)
			return
		}
		mac := hmac.New(sha256.New, []byte(p.Timestamp+"\n"+secret))
		mac.Write(nil)
		want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		sec, err := strconv.ParseInt(p.Timestamp, 10, 64)
		if p.Sign != want || err != nil {
			o.t.Errorf("sign %q at %q, want %q", p.Sign, p.Timestamp, want)
			fmt.Fprint(w, `{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`)
			return
		}
		if d := o.clock.Now().Sub(time.Unix(sec, 0)); d > time.Hour || d < -time.Hour {
			o.t.Errorf("timestamp off by %v", d)
		}
		if len(o.replies) > 0 {
			reply := o.replies[0]
			o.replies = o.replies[1:]
			reply(w)
			return
		}
		o.cards = append(o.cards, p.Card)
		fmt.Fprint(w, `{"code":0,"msg":"success","data":{}}`)
	default:
		w.WriteHeader(404)
	}
}

func reply(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func setup(t *testing.T, withApp bool, replies ...func(http.ResponseWriter)) (*feishu.Bot, *open, *notifytest.Clock) {
	t.Helper()
	clock := notifytest.NewClock(notifytest.Start)
	o := &open{t: t, clock: clock, replies: replies}
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	cfg := feishu.Config{URL: srv.URL + hookPath, Secret: secret}
	if withApp {
		cfg.AppID, cfg.AppSecret, cfg.APIBase = appID, appSecret, srv.URL
	}
	n, err := feishu.New(cfg, notify.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return n, o, clock
}

// elements lists the card's element tags.
func tags(c card) string {
	var out []string
	for _, e := range c.Elements {
		out = append(out, fmt.Sprint(e["tag"]))
	}
	return strings.Join(out, ",")
}

func TestCardWithUploadedImage(t *testing.T) {
	n, o, _ := setup(t, true)
	msg := notifytest.Message()
	for i := 0; i < 2; i++ {
		if _, err := n.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	if o.tokens != 1 || len(o.uploads) != 2 || !bytes.Equal(o.uploads[0], msg.Image.PNG) {
		t.Errorf("%d tokens fetched (want 1, reused), %d uploads", o.tokens, len(o.uploads))
	}
	c := o.cards[0]
	if c.Header.Title.Content != "【告警】上海分行 流失率 超过阈值" || c.Header.Title.Tag != "plain_text" || c.Header.Template != "red" {
		t.Errorf("header %+v", c.Header)
	}
	if got := tags(c); got != "markdown,div,img,action,note" {
		t.Fatalf("elements %s", got)
	}
	if md := c.Elements[0]["content"].(string); !strings.Contains(md, "贵宾客户贡献了其中六成。") || strings.Contains(md, "查看图表") {
		t.Errorf("markdown %q", md)
	}
	fields := c.Elements[1]["fields"].([]any)
	f0 := fields[0].(map[string]any)
	if len(fields) != 2 || f0["is_short"] != true || f0["text"].(map[string]any)["content"] != "**流失率**\n0.82% ↑ 环比 +0.12 个百分点" {
		t.Errorf("fields %v", fields)
	}
	if c.Elements[2]["img_key"] != imageKey {
		t.Errorf("img %v", c.Elements[2])
	}
	btn := c.Elements[3]["actions"].([]any)[0].(map[string]any)
	if btn["url"] != msg.Link || btn["text"].(map[string]any)["content"] != "查看完整报告" {
		t.Errorf("button %v", btn)
	}
}

func TestCardLinksImageWithoutApp(t *testing.T) {
	n, o, _ := setup(t, false)
	if _, err := n.Send(context.Background(), notifytest.Message()); err != nil {
		t.Fatal(err)
	}
	c := o.cards[0]
	if got := tags(c); got != "markdown,div,action,note" {
		t.Errorf("elements %s", got)
	}
	if md := c.Elements[0]["content"].(string); !strings.Contains(md, "[查看图表](https://beacon.example.com/img/4f3a9c.png)") {
		t.Errorf("markdown has no link to the chart: %q", md)
	}
	if o.tokens != 0 || len(o.uploads) != 0 {
		t.Errorf("app called without an app")
	}
}

func TestBadAppCredentialsFallBackToLink(t *testing.T) {
	clock := notifytest.NewClock(notifytest.Start)
	o := &open{t: t, clock: clock}
	srv := httptest.NewServer(o)
	defer srv.Close()
	n, _ := feishu.New(feishu.Config{URL: srv.URL + hookPath, Secret: secret, AppID: appID, AppSecret: "wrong", APIBase: srv.URL}, notify.Options{Clock: clock})
	if _, err := n.Send(context.Background(), notifytest.Message()); err != nil {
		t.Fatal(err)
	}
	if got := tags(o.cards[0]); got != "markdown,div,action,note" {
		t.Errorf("elements %s", got)
	}
}

func TestRetries(t *testing.T) {
	n, o, clock := setup(t, true,
		reply(500, "internal"),
		reply(429, `{"code":11232,"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}`),
		reply(200, `{"code":11232,"msg":"frequency limited"}`),
	)
	var attempts []notify.Attempt
	if _, err := notify.Deliver(context.Background(), n, notifytest.Message(), notify.Policy{Clock: clock}, func(a notify.Attempt) { attempts = append(attempts, a) }); err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 4 || len(o.cards) != 1 || attempts[2].Status != 200 || !attempts[2].Retry {
		t.Errorf("attempts %+v, %d cards", attempts, len(o.cards))
	}
}

func TestRefusalInBody(t *testing.T) {
	n, _, clock := setup(t, false, reply(200, `{"code":19024,"msg":"Key Words Not Found"}`))
	var calls int
	_, err := notify.Deliver(context.Background(), n, notifytest.Message(), notify.Policy{Clock: clock}, func(notify.Attempt) { calls++ })
	var se *notify.SendError
	if !errors.As(err, &se) || se.Retry || calls != 1 || !strings.Contains(err.Error(), "19024") {
		t.Errorf("err %v after %d calls", err, calls)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  feishu.Config
		want string
	}{
		{feishu.Config{URL: "https://open.feishu.cn" + hookPath}, ""},
		{feishu.Config{URL: "https://open.feishu.cn/open-apis/bot/v2/"}, "url"},
		{feishu.Config{URL: "https://open.feishu.cn" + hookPath, AppID: appID}, "app_secret"},
		{feishu.Config{URL: "https://open.feishu.cn" + hookPath, AppID: appID, AppSecret: appSecret, APIBase: "open.feishu.cn"}, "api_base"},
	} {
		_, err := feishu.New(tc.cfg, notify.Options{})
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%v: err %v, want %q", tc.cfg, err, tc.want)
		}
	}
	cfg := feishu.Config{URL: "https://open.feishu.cn" + hookPath, Secret: secret, AppID: appID, AppSecret: appSecret}
	s := fmt.Sprint(cfg, cfg.Redacted())
	for _, secret := range []string{secret, appSecret, "265f269f86fd"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q shown: %s", secret, s)
		}
	}
}
