package wecom_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/notifytest"
	"github.com/beaconbi/beacon/notify/wecom"
)

const key = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

// robot is a fake WeCom group robot: it decodes markdown and image messages
// as WeCom documents them, checks the image's MD5 against its bytes and the
// size limits, and answers with the scripted replies in turn.
type robot struct {
	t        *testing.T
	mu       sync.Mutex
	replies  []func(http.ResponseWriter)
	markdown []string
	images   [][]byte
}

func (rb *robot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/cgi-bin/webhook/send" || r.URL.Query().Get("key") != key {
		fmt.Fprint(w, `{"errcode":93000,"errmsg":"invalid webhook url"}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var p struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
		Image struct {
			Base64 string `json:"base64"`
			MD5    string `json:"md5"`
		} `json:"image"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		rb.t.Errorf("payload: %v", err)
	}
	rb.mu.Lock()
	defer rb.mu.Unlock()
	if len(rb.replies) > 0 {
		reply := rb.replies[0]
		rb.replies = rb.replies[1:]
		if reply != nil { // nil: handle this one as WeCom would
			reply(w)
			return
		}
	}
	switch p.MsgType {
	case "markdown":
		if n := len(p.Markdown.Content); n > wecom.MaxMarkdown || !utf8.ValidString(p.Markdown.Content) {
			fmt.Fprintf(w, `{"errcode":40058,"errmsg":"markdown.content exceed max length %d"}`, n)
			return
		}
		rb.markdown = append(rb.markdown, p.Markdown.Content)
	case "image":
		raw, err := base64.StdEncoding.DecodeString(p.Image.Base64)
		sum := md5.Sum(raw)
		if err != nil || hex.EncodeToString(sum[:]) != p.Image.MD5 {
			fmt.Fprint(w, `{"errcode":301019,"errmsg":"media md5 not match"}`)
			rb.t.Errorf("image md5 %q does not match its bytes (%v)", p.Image.MD5, err)
			return
		}
		if len(raw) > 2*1024*1024 {
			fmt.Fprint(w, `{"errcode":40009,"errmsg":"invalid image size"}`)
			rb.t.Errorf("image of %d bytes, over 2 MB", len(raw))
			return
		}
		rb.images = append(rb.images, raw)
	default:
		rb.t.Errorf("msgtype %q", p.MsgType)
	}
	fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
}

func reply(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

func setup(t *testing.T, replies ...func(http.ResponseWriter)) (*wecom.Robot, *robot, *notifytest.Clock) {
	t.Helper()
	clock := notifytest.NewClock(notifytest.Start)
	rb := &robot{t: t, replies: replies}
	srv := httptest.NewServer(rb)
	t.Cleanup(srv.Close)
	n, err := wecom.New(wecom.Config{URL: srv.URL + "/cgi-bin/webhook/send?key=" + key}, notify.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return n, rb, clock
}

func TestSendMarkdownAndImage(t *testing.T) {
	n, rb, _ := setup(t)
	msg := notifytest.Message()
	if _, err := n.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if len(rb.markdown) != 1 || len(rb.images) != 1 {
		t.Fatalf("%d markdown and %d image messages, want 1 and 1", len(rb.markdown), len(rb.images))
	}
	md := rb.markdown[0]
	for _, want := range []string{
		"### 【告警】上海分行 流失率 超过阈值",
		"贵宾客户贡献了其中六成。",
		`> **流失率** <font color="warning">0.82% ↑</font> 环比 +0.12 个百分点`,
		`> **净流入** <font color="info">-1.3 亿 ↓</font> 环比 -0.4 亿`,
		"[查看完整报告](https://beacon.example.com/reports/churn?branch=0101)",
		`<font color="comment">2026-11-30 09:00 CST (UTC+08:00)</font>`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "查看图表") {
		t.Errorf("chart linked although sent as an image:\n%s", md)
	}
	if !bytes.Equal(rb.images[0], msg.Image.PNG) {
		t.Errorf("image bytes differ from the chart")
	}
}

func TestRetriesNeverRepeatTheText(t *testing.T) {
	n, rb, clock := setup(t,
		reply(500, "bad gateway"), // markdown
		reply(200, `{"errcode":45009,"errmsg":"api freq out of limit"}`), // markdown
		nil,                    // markdown delivered
		reply(429, "too many"), // image
	)
	var attempts []notify.Attempt
	policy := notify.Policy{MaxElapsed: time.Hour, Clock: clock, Jitter: func() float64 { return 0.5 }}
	if _, err := notify.Deliver(context.Background(), n, notifytest.Message(), policy, func(a notify.Attempt) { attempts = append(attempts, a) }); err != nil {
		t.Fatal(err)
	}
	// Attempts: md 500; md 45009; md ok + image 429; image ok.
	if len(attempts) != 4 || attempts[2].Status != 429 || attempts[3].Err != nil {
		t.Fatalf("%d attempts, want 4: %+v", len(attempts), attempts)
	}
	if len(rb.markdown) != 1 || len(rb.images) != 1 {
		t.Errorf("%d markdown and %d image messages delivered, want exactly 1 each", len(rb.markdown), len(rb.images))
	}
	if attempts[1].Wait < time.Minute {
		t.Errorf("waited %v after errcode 45009, want a minute", attempts[1].Wait)
	}
}

func TestLongChineseTextIsCutCleanly(t *testing.T) {
	n, rb, _ := setup(t)
	msg := notifytest.Message()
	msg.Lines = []string{strings.Repeat("上海分行贵宾客户资产流出明显，", 300)} // 13,500 bytes, no line break
	if _, err := n.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	md := rb.markdown[0]
	if len(md) > wecom.MaxMarkdown || !utf8.ValidString(md) {
		t.Fatalf("%d bytes, valid UTF-8 %v", len(md), utf8.ValidString(md))
	}
	if len(md) < wecom.MaxMarkdown-64 {
		t.Errorf("only %d bytes used of %d", len(md), wecom.MaxMarkdown)
	}
	if !strings.Contains(md, "上海分行贵宾客户资产流出明显，上海") || !strings.Contains(md, notify.Ellipsis) {
		t.Errorf("body not cut with an ellipsis")
	}
	// What matters most stays: the title, the figures, the link, the time.
	for _, want := range []string{"### 【告警】", "0.82% ↑", "[查看完整报告](", "2026-11-30 09:00 CST"} {
		if !strings.Contains(md, want) {
			t.Errorf("cut markdown lost %q", want)
		}
	}
}

func TestLargeImageIsShrunkOrLinked(t *testing.T) {
	big := notifytest.NoisePNG(800, 800, 1) // about 2.5 MB: noise does not compress
	if len(big) <= wecom.MaxImage {
		t.Fatalf("test image is only %d bytes", len(big))
	}
	t.Run("shrunk", func(t *testing.T) {
		n, rb, _ := setup(t)
		msg := notifytest.Message()
		msg.Image.PNG = big
		if _, err := n.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		if len(rb.images) != 1 {
			t.Fatalf("%d images", len(rb.images))
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(rb.images[0]))
		if err != nil || cfg.Width != 400 || cfg.Height != 400 {
			t.Errorf("sent %v×%v (%v), want 400×400", cfg.Width, cfg.Height, err)
		}
	})
	t.Run("linked", func(t *testing.T) {
		n, rb, _ := setup(t)
		msg := notifytest.Message()
		msg.Image.PNG = append([]byte("\x89PNG not really"), make([]byte, wecom.MaxImage)...)
		if _, err := n.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		if len(rb.images) != 0 {
			t.Errorf("an unreadable %d-byte image was sent", len(msg.Image.PNG))
		}
		if md := rb.markdown[0]; !strings.Contains(md, "[查看图表](https://beacon.example.com/img/4f3a9c.png)") {
			t.Errorf("no link to the chart:\n%s", md)
		}
	})
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  string
		want string
	}{
		{"valid", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key, ""},
		{"no key", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", "key"},
		{"not a url", "qyapi", "url"},
	} {
		_, err := wecom.New(wecom.Config{URL: tc.url}, notify.Options{})
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	cfg := wecom.Config{URL: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key}
	if s := fmt.Sprintf("%v %s", cfg, cfg.Redacted().URL); strings.Contains(s, key) {
		t.Errorf("key shown: %s", s)
	}
}

func TestSameKeySentTwiceAfterSuccess(t *testing.T) {
	n, rb, _ := setup(t)
	for _, withImage := range []bool{false, false, true, true} {
		msg := notifytest.Message()
		if !withImage {
			msg.Image = nil
		}
		if _, err := n.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	// Only a retry after a half-done send skips the text, never a new send.
	if len(rb.markdown) != 4 || len(rb.images) != 2 {
		t.Errorf("%d markdown and %d images, want 4 and 2", len(rb.markdown), len(rb.images))
	}
}
