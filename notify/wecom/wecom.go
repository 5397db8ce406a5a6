// Package wecom sends Beacon's messages to a WeCom (企业微信) group robot:
// the text as markdown and the chart as a separate image message.
package wecom

import (
	"bytes"
	"context"
	"crypto/md5"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"text/template"
	"time"

	"github.com/beaconbi/beacon/notify"
)

// Channel is this channel's name.
const Channel = "wecom"

// WeCom's documented limits and codes.
const (
	// MaxMarkdown is the most bytes a markdown message may hold (UTF-8).
	MaxMarkdown = 4096
	// MaxImage is the most bytes an image may have before base64.
	MaxImage = 2 << 20
	// PerMinute is how many messages a robot takes in a minute.
	PerMinute = 20
	// codeTooFast is errcode 45009, "api freq out of limit".
	codeTooFast = 45009
	// codeBusy is errcode -1, "system busy".
	codeBusy = -1
)

//go:embed markdown.tmpl
var tmplFS embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	// WeCom markdown knows three colours: info (green), comment (grey) and
	// warning (orange-red).
	"color": func(trend int) string {
		if trend > 0 {
			return "warning"
		}
		if trend < 0 {
			return "info"
		}
		return "comment"
	},
}).ParseFS(tmplFS, "markdown.tmpl"))

// Config is one group robot.
type Config struct {
	// URL is the robot's webhook with its key:
	// https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...
	URL string `json:"url" yaml:"url"`
}

// Validate says what is wrong with the configuration.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("wecom: url %q: want the robot's webhook, https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...", notify.RedactURL(c.URL))
	}
	if u.Query().Get("key") == "" {
		return fmt.Errorf("wecom: url %s: missing key query parameter", notify.RedactURL(c.URL))
	}
	return nil
}

// Redacted returns a copy safe to log or return from the API: the key in
// the URL is the robot's only secret.
func (c Config) Redacted() Config {
	c.URL = notify.RedactURL(c.URL)
	return c
}

// String prints the redacted configuration.
func (c Config) String() string { return "wecom{url=" + notify.RedactURL(c.URL) + "}" }

// Robot is a notify.Notifier for one WeCom group robot.
type Robot struct {
	cfg    Config
	post   notify.Poster
	clock  notify.Clock
	window *notify.Window
	// texts remembers, by message key, the markdown already delivered, so
	// that a retry after a failed image message does not post the text
	// twice. It lives only as long as the process.
	mu    sync.Mutex
	texts map[string]time.Time
}

// New checks cfg and returns its robot.
func New(cfg Config, opt notify.Options) (*Robot, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt = opt.WithDefaults()
	u, _ := url.Parse(cfg.URL)
	return &Robot{
		cfg:    cfg,
		post:   notify.Poster{Client: opt.HTTP, Clock: opt.Clock, Channel: Channel},
		clock:  opt.Clock,
		window: opt.Limits.Window(Channel+":"+u.Query().Get("key"), PerMinute, time.Minute),
		texts:  map[string]time.Time{},
	}, nil
}

// Channel names the channel.
func (r *Robot) Channel() string { return Channel }

// The provider takes no idempotency key.
var _ notify.Keyless = (*Robot)(nil)

// Destination names the robot (by host and key) for senders that keep one
// message per robot in flight: WeCom takes no idempotency key.
func (r *Robot) Destination() string {
	u, _ := url.Parse(r.cfg.URL)
	return notify.DestinationOf(Channel, u.Host, u.Query().Get("key"))
}

// String prints the redacted configuration.
func (r *Robot) String() string { return r.cfg.String() }

type markdownMsg struct {
	MsgType  string `json:"msgtype"`
	Markdown struct {
		Content string `json:"content"`
	} `json:"markdown"`
}

type imageMsg struct {
	MsgType string `json:"msgtype"`
	Image   struct {
		Base64 string `json:"base64"`
		MD5    string `json:"md5"`
	} `json:"image"`
}

// view adds to the message view whether the chart goes as a link.
type view struct {
	notify.View
	ChartLink bool
}

// Markdown renders the message within MaxMarkdown bytes. When it is too
// long the body lines are cut, so that the figures, the link and the time
// at the end survive.
func Markdown(msg notify.Message, chartLink bool) (string, error) {
	return notify.Fit(msg, MaxMarkdown, func(m notify.Message) (string, error) {
		var b bytes.Buffer
		err := tmpl.ExecuteTemplate(&b, "body", view{View: m.View(), ChartLink: chartLink && m.HasImageURL()})
		return b.String(), err
	})
}

// Send posts the markdown and then, when there is a chart, the image. An
// image over MaxImage is shrunk; if it still does not fit, or cannot be
// read, the markdown carries a link to it instead (when Beacon serves one).
func (r *Robot) Send(ctx context.Context, msg notify.Message) (notify.Receipt, error) {
	var img []byte
	if msg.HasPNG() {
		// A shrink failure is not a send failure: the link stands in.
		img, _ = notify.ShrinkPNG(msg.Image.PNG, MaxImage)
	}
	text, err := Markdown(msg, img == nil)
	if err != nil {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Err: fmt.Errorf("render markdown: %w", err)}
	}
	var rec notify.Receipt
	if !r.textSent(msg.Key) {
		var m markdownMsg
		m.MsgType = "markdown"
		m.Markdown.Content = text
		if rec, err = r.send(ctx, m); err != nil {
			return rec, err
		}
		r.markText(msg.Key)
	}
	if img == nil {
		r.forgetText(msg.Key)
		return rec, nil
	}
	var m imageMsg
	m.MsgType = "image"
	sum := md5.Sum(img)
	m.Image.Base64 = base64.StdEncoding.EncodeToString(img)
	m.Image.MD5 = hex.EncodeToString(sum[:])
	irec, err := r.send(ctx, m)
	if err != nil {
		return irec, err
	}
	r.forgetText(msg.Key)
	if rec.Answer != "" {
		irec.Answer = notify.ClipAnswer(rec.Answer + " " + irec.Answer)
	}
	return irec, nil
}

// send posts one message after waiting for the robot's quota.
func (r *Robot) send(ctx context.Context, payload any) (notify.Receipt, error) {
	if err := r.window.Wait(ctx, r.clock); err != nil {
		return notify.Receipt{}, notify.QuotaSendError(Channel, err)
	}
	resp, err := r.post.PostJSON(ctx, r.cfg.URL, payload, nil)
	if err != nil {
		return notify.Receipt{}, err
	}
	var a struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	answer := notify.ClipAnswer(string(resp.Body))
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.ErrCode == nil {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: answer, Err: errors.New("answer is not WeCom's {errcode, errmsg}")}
	}
	switch *a.ErrCode {
	case 0:
		return resp.Receipt(), nil
	case codeTooFast:
		r.window.Hold(r.clock.Now().Add(time.Minute))
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: answer, Retry: true, RetryAfter: time.Minute,
			Err: fmt.Errorf("errcode %d: over %d messages a minute", *a.ErrCode, PerMinute)}
	case codeBusy:
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: answer, Retry: true, Err: fmt.Errorf("errcode %d: %s", *a.ErrCode, a.ErrMsg)}
	}
	return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: answer, Err: fmt.Errorf("errcode %d: %s", *a.ErrCode, a.ErrMsg)}
}

func (r *Robot) textSent(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.texts[key]
	return ok && key != ""
}

func (r *Robot) markText(key string) {
	if key == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clock.Now()
	for k, t := range r.texts {
		if now.Sub(t) > time.Hour {
			delete(r.texts, k)
		}
	}
	r.texts[key] = now
}

func (r *Robot) forgetText(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.texts, key)
}
