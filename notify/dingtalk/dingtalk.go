// Package dingtalk sends Beacon's messages to a DingTalk custom robot
// (自定义机器人) as markdown, signed with the robot's secret and held to
// DingTalk's limit of 20 messages a minute per robot.
package dingtalk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/beaconbi/beacon/notify"
)

// Channel is this channel's name.
const Channel = "dingtalk"

// DingTalk's documented limits and codes.
const (
	// MaxMarkdown bounds the text: DingTalk documents 20,000 bytes for a
	// text message and no figure for markdown, so the same is assumed.
	MaxMarkdown = 20000
	// PerMinute is how many messages a robot takes in a minute; one more
	// mutes it for ten minutes.
	PerMinute = 20
	// MuteFor is how long DingTalk mutes a robot that went over.
	MuteFor = 10 * time.Minute
	// codeTooFast is errcode 130101, "send too fast, exceed 20 times per minute".
	codeTooFast = 130101
	// codeBusy is errcode -1, "系统繁忙".
	codeBusy = -1
)

//go:embed markdown.tmpl
var tmplFS embed.FS

var tmpl = template.Must(template.ParseFS(tmplFS, "markdown.tmpl"))

// Config is one robot.
type Config struct {
	// URL is the robot's webhook, with its access_token:
	// https://oapi.dingtalk.com/robot/send?access_token=...
	URL string `json:"url" yaml:"url"`
	// Secret is the robot's signing secret (加签, "SEC..."). Without it the
	// robot must be protected by keywords or an IP list instead.
	Secret string `json:"secret,omitempty" yaml:"secret,omitempty"`
	// AtMobiles are the phone numbers to @ in the group.
	AtMobiles []string `json:"at_mobiles,omitempty" yaml:"at_mobiles,omitempty"`
	// AtAll @s everyone in the group.
	AtAll bool `json:"at_all,omitempty" yaml:"at_all,omitempty"`
}

// Validate says what is wrong with the configuration, field by field.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("dingtalk: url %q: want the robot's webhook, https://oapi.dingtalk.com/robot/send?access_token=...", notify.RedactURL(c.URL))
	}
	if u.Query().Get("access_token") == "" {
		return fmt.Errorf("dingtalk: url %s: missing access_token query parameter", notify.RedactURL(c.URL))
	}
	if strings.TrimSpace(c.Secret) != c.Secret {
		return errors.New("dingtalk: secret: has leading or trailing spaces")
	}
	for _, m := range c.AtMobiles {
		if !mobileRE.MatchString(m) {
			return fmt.Errorf("dingtalk: %q is not a mobile number (digits, e.g. 13800138000 or +86-13800138000): a robot @-mentions people by mobile, and the number is written into the message", clipText(m))
		}
	}
	return nil
}

// mobileRE is a mobile number as DingTalk's atMobiles takes it: digits,
// optionally after a +country code and a hyphen. Anything else (markup
// such as <at>all</at>, a link) would only go into the group's text.
var mobileRE = regexp.MustCompile(`^(\+[0-9]{1,4}-?)?[0-9]{5,15}$`)

// clipText shortens a configured value before it is echoed in an error.
func clipText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// Redacted returns a copy safe to log or return from the API.
func (c Config) Redacted() Config {
	c.URL = notify.RedactURL(c.URL)
	c.Secret = notify.Mask(c.Secret)
	return c
}

// String prints the redacted configuration.
func (c Config) String() string {
	return fmt.Sprintf("dingtalk{url=%s secret=%s}", notify.RedactURL(c.URL), notify.Mask(c.Secret))
}

// Robot is a notify.Notifier for one DingTalk robot.
type Robot struct {
	cfg    Config
	token  string
	post   notify.Poster
	clock  notify.Clock
	window *notify.Window
}

// New checks cfg and returns its robot.
func New(cfg Config, opt notify.Options) (*Robot, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt = opt.WithDefaults()
	u, _ := url.Parse(cfg.URL)
	token := u.Query().Get("access_token")
	return &Robot{
		cfg:    cfg,
		token:  token,
		post:   notify.Poster{Client: opt.HTTP, Clock: opt.Clock, Channel: Channel},
		clock:  opt.Clock,
		window: opt.Limits.Window(Channel+":"+token, PerMinute, time.Minute),
	}, nil
}

// Channel names the channel.
func (r *Robot) Channel() string { return Channel }

// The provider takes no idempotency key.
var _ notify.Keyless = (*Robot)(nil)

// Destination names the robot (by host and access token) for senders that
// keep one message per robot in flight: DingTalk takes no idempotency key.
func (r *Robot) Destination() string {
	u, _ := url.Parse(r.cfg.URL)
	return notify.DestinationOf(Channel, u.Host, r.token)
}

// String prints the redacted configuration.
func (r *Robot) String() string { return r.cfg.String() }

// payload is DingTalk's markdown message.
type payload struct {
	MsgType  string   `json:"msgtype"`
	Markdown markdown `json:"markdown"`
	At       at       `json:"at"`
}

type markdown struct {
	Title string `json:"title"` // shown in the chat list and notifications
	Text  string `json:"text"`
}

type at struct {
	AtMobiles []string `json:"atMobiles,omitempty"`
	IsAtAll   bool     `json:"isAtAll"`
}

// answer is DingTalk's reply; errcode 0 is the only success, whatever the
// HTTP status.
type answer struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Markdown renders the message's markdown text within MaxMarkdown bytes,
// ending with the mobiles to @: DingTalk only notifies the people @-ed if
// their numbers are in the text.
func Markdown(msg notify.Message, atMobiles []string) (string, error) {
	var at strings.Builder
	for _, m := range atMobiles {
		at.WriteString(" @" + m)
	}
	text, err := notify.Fit(msg, MaxMarkdown-at.Len(), func(m notify.Message) (string, error) {
		var b bytes.Buffer
		err := tmpl.ExecuteTemplate(&b, "body", m.View())
		return b.String(), err
	})
	if err != nil {
		return "", fmt.Errorf("dingtalk: render markdown: %w", err)
	}
	return text + at.String(), nil
}

// Send posts msg once, after waiting for the robot's quota.
func (r *Robot) Send(ctx context.Context, msg notify.Message) (notify.Receipt, error) {
	text, err := Markdown(msg, r.cfg.AtMobiles)
	if err != nil {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Err: err}
	}
	body := payload{
		MsgType:  "markdown",
		Markdown: markdown{Title: msg.Subject(), Text: text},
		At:       at{AtMobiles: r.cfg.AtMobiles, IsAtAll: r.cfg.AtAll},
	}
	if err := r.window.Wait(ctx, r.clock); err != nil {
		return notify.Receipt{}, notify.QuotaSendError(Channel, err)
	}
	resp, err := r.post.PostJSON(ctx, r.signedURL(), body, nil)
	if err != nil {
		return notify.Receipt{}, err
	}
	return r.read(resp)
}

// signedURL adds DingTalk's signature: the millisecond timestamp and
// base64(HmacSHA256(key=secret, timestamp+"\n"+secret)), URL-encoded.
func (r *Robot) signedURL() string {
	if r.cfg.Secret == "" {
		return r.cfg.URL
	}
	ts := strconv.FormatInt(r.clock.Now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(r.cfg.Secret))
	mac.Write([]byte(ts + "\n" + r.cfg.Secret))
	u, _ := url.Parse(r.cfg.URL)
	q := u.Query()
	q.Set("timestamp", ts)
	q.Set("sign", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	u.RawQuery = q.Encode()
	return u.String()
}

// read turns DingTalk's 200 answer into a receipt or an error.
func (r *Robot) read(resp notify.Response) (notify.Receipt, error) {
	var a answer
	if err := json.Unmarshal(resp.Body, &a); err != nil || a.ErrCode == nil {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: notify.ClipAnswer(string(resp.Body)),
			Err: errors.New("answer is not DingTalk's {errcode, errmsg}")}
	}
	switch *a.ErrCode {
	case 0:
		return resp.Receipt(), nil
	case codeTooFast:
		// Another process may share the robot: hold every sender to it.
		r.window.Hold(r.clock.Now().Add(MuteFor))
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: notify.ClipAnswer(string(resp.Body)),
			Retry: true, RetryAfter: MuteFor, Err: fmt.Errorf("errcode %d: robot muted for going over %d messages a minute", *a.ErrCode, PerMinute)}
	case codeBusy:
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: notify.ClipAnswer(string(resp.Body)),
			Retry: true, Err: fmt.Errorf("errcode %d: %s", *a.ErrCode, a.ErrMsg)}
	}
	return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: notify.ClipAnswer(string(resp.Body)),
		Err: fmt.Errorf("errcode %d: %s", *a.ErrCode, a.ErrMsg)}
}
