// Package feishu sends Beacon's messages to a Feishu (飞书) or Lark custom
// bot as an interactive card, signed with the bot's secret. With a Feishu
// app's credentials it uploads the chart and shows it in the card;
// without, the card links to it.
package feishu

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
	"strconv"
	"strings"
	"text/template"

	"github.com/beaconbi/beacon/notify"
)

// Channel is this channel's name.
const Channel = "feishu"

// maxBody bounds the card's markdown: a bot's request may be at most 20 KB.
const maxBody = 12 << 10

// codeTooFast is Feishu's "frequency limited" (11232): a bot takes 100
// messages a minute and 5 a second.
const codeTooFast = 11232

//go:embed card.tmpl
var tmplFS embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{"esc": escape}).ParseFS(tmplFS, "card.tmpl"))

// escape keeps user text from being read as card markup: Feishu's markdown
// takes <at>, <font> and other tags.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Config is one custom bot and, optionally, the app that uploads images.
type Config struct {
	// URL is the bot's webhook, https://open.feishu.cn/open-apis/bot/v2/hook/...
	// (or open.larksuite.com for Lark).
	URL string `json:"url" yaml:"url"`
	// Secret is the bot's signing secret (签名校验); optional.
	Secret string `json:"secret,omitempty" yaml:"secret,omitempty"`
	// AppID and AppSecret are a Feishu app's credentials; with them the
	// chart is uploaded and shown in the card.
	AppID     string `json:"app_id,omitempty" yaml:"app_id,omitempty"`
	AppSecret string `json:"app_secret,omitempty" yaml:"app_secret,omitempty"`
	// APIBase is the open platform for the app's calls; empty means the
	// scheme and host of URL.
	APIBase string `json:"api_base,omitempty" yaml:"api_base,omitempty"`
}

// Validate says what is wrong with the configuration.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.Contains(u.Path, "/hook/") {
		return fmt.Errorf("feishu: url %q: want the bot's webhook, https://open.feishu.cn/open-apis/bot/v2/hook/...", notify.RedactURL(c.URL))
	}
	if (c.AppID == "") != (c.AppSecret == "") {
		return errors.New("feishu: app_id and app_secret: give both or neither")
	}
	if c.APIBase != "" {
		b, err := url.Parse(c.APIBase)
		if err != nil || (b.Scheme != "https" && b.Scheme != "http") || b.Host == "" {
			return fmt.Errorf("feishu: api_base %q: want https://open.feishu.cn or https://open.larksuite.com", c.APIBase)
		}
	}
	return nil
}

// Redacted returns a copy safe to log or return from the API.
func (c Config) Redacted() Config {
	c.URL = notify.RedactURL(c.URL)
	c.Secret = notify.Mask(c.Secret)
	c.AppSecret = notify.Mask(c.AppSecret)
	return c
}

// String prints the redacted configuration.
func (c Config) String() string {
	return fmt.Sprintf("feishu{url=%s secret=%s app_id=%s app_secret=%s}", notify.RedactURL(c.URL), notify.Mask(c.Secret), c.AppID, notify.Mask(c.AppSecret))
}

func (c Config) apiBase() string {
	if c.APIBase != "" {
		return strings.TrimRight(c.APIBase, "/")
	}
	u, _ := url.Parse(c.URL)
	return u.Scheme + "://" + u.Host
}

// Bot is a notify.Notifier for one Feishu custom bot.
type Bot struct {
	cfg    Config
	post   notify.Poster
	clock  notify.Clock
	images *uploader // nil without an app
}

// New checks cfg and returns its bot.
func New(cfg Config, opt notify.Options) (*Bot, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt = opt.WithDefaults()
	b := &Bot{cfg: cfg, post: notify.Poster{Client: opt.HTTP, Clock: opt.Clock, Channel: Channel}, clock: opt.Clock}
	if cfg.AppID != "" {
		b.images = &uploader{base: cfg.apiBase(), appID: cfg.AppID, appSecret: cfg.AppSecret, post: b.post, clock: opt.Clock}
	}
	return b, nil
}

// Channel names the channel.
func (b *Bot) Channel() string { return Channel }

// The provider takes no idempotency key.
var _ notify.Keyless = (*Bot)(nil)

// Destination names the bot (by its hook URL) for senders that keep one
// message per bot in flight: a custom bot takes no idempotency key (the
// uuid of Feishu's message API is for app bots, not custom bots).
func (b *Bot) Destination() string { return notify.DestinationOf(Channel, b.cfg.URL) }

// String prints the redacted configuration.
func (b *Bot) String() string { return b.cfg.String() }

// Send posts msg once as a card, uploading its chart first when an app is
// configured.
func (b *Bot) Send(ctx context.Context, msg notify.Message) (notify.Receipt, error) {
	imageKey := ""
	if b.images != nil && msg.HasPNG() {
		key, err := b.images.upload(ctx, msg.Image.PNG)
		var se *notify.SendError
		if err != nil && errors.As(err, &se) && se.Retry {
			return notify.Receipt{}, err
		}
		// Refused for good (bad credentials, no permission): link instead.
		imageKey = key
	}
	card, err := BuildCard(msg, imageKey)
	if err != nil {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Err: err}
	}
	body := map[string]any{"msg_type": "interactive", "card": card}
	if b.cfg.Secret != "" {
		ts := strconv.FormatInt(b.clock.Now().Unix(), 10)
		body["timestamp"], body["sign"] = ts, Sign(b.cfg.Secret, ts)
	}
	resp, err := b.post.PostJSON(ctx, b.cfg.URL, body, nil)
	if err != nil {
		return notify.Receipt{}, err
	}
	if err := answerError(resp); err != nil {
		return notify.Receipt{}, err
	}
	return resp.Receipt(), nil
}

// Sign is Feishu's bot signature: HmacSHA256 keyed by timestamp + "\n" +
// secret over an empty message, in base64. (The key is the string to sign;
// this is how Feishu documents it, unlike DingTalk.)
func Sign(secret, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// answerError reads Feishu's answer: {"code":0,...} is success; the old
// form {"StatusCode":0,...} too.
func answerError(resp notify.Response) error {
	var a struct {
		Code       *int   `json:"code"`
		Msg        string `json:"msg"`
		StatusCode *int   `json:"StatusCode"`
	}
	answer := notify.ClipAnswer(string(resp.Body))
	if err := json.Unmarshal(resp.Body, &a); err != nil || (a.Code == nil && a.StatusCode == nil) {
		return &notify.SendError{Channel: Channel, Status: resp.Status, Answer: answer, Err: errors.New("answer is not Feishu's {code, msg}")}
	}
	code := a.Code
	if code == nil {
		code = a.StatusCode
	}
	if *code == 0 {
		return nil
	}
	return &notify.SendError{Channel: Channel, Status: resp.Status, Answer: answer, Retry: *code == codeTooFast,
		Err: fmt.Errorf("code %d: %s", *code, a.Msg)}
}

// Card is Feishu's interactive card.
type Card struct {
	Config   map[string]bool `json:"config"`
	Header   Header          `json:"header"`
	Elements []any           `json:"elements"`
}

// Header is the card's coloured title bar.
type Header struct {
	Title    Text   `json:"title"`
	Template string `json:"template"` // the bar's colour
}

// Text is a card text object (plain_text or lark_md).
type Text struct {
	Tag     string `json:"tag"`
	Content string `json:"content"`
}

type markdownElem struct {
	Tag     string `json:"tag"` // markdown
	Content string `json:"content"`
}

type field struct {
	IsShort bool `json:"is_short"`
	Text    Text `json:"text"`
}

type divElem struct {
	Tag    string  `json:"tag"` // div
	Fields []field `json:"fields"`
}

type imgElem struct {
	Tag    string `json:"tag"` // img
	ImgKey string `json:"img_key"`
	Alt    Text   `json:"alt"`
}

type button struct {
	Tag  string `json:"tag"` // button
	Text Text   `json:"text"`
	Type string `json:"type"`
	URL  string `json:"url"`
}

type actionElem struct {
	Tag     string   `json:"tag"` // action
	Actions []button `json:"actions"`
}

type noteElem struct {
	Tag      string `json:"tag"` // note
	Elements []Text `json:"elements"`
}

// colours of the header by kind of message.
var colours = map[notify.Kind]string{notify.KindFiring: "red", notify.KindResolved: "green", notify.KindReport: "blue", notify.KindTest: "grey"}

// BuildCard lays msg out: the header, the body in markdown, the figures as
// short fields, the chart (by image_key, or a link in the body), a button
// to the report and the time as a note.
func BuildCard(msg notify.Message, imageKey string) (Card, error) {
	v := struct {
		notify.View
		ChartLink bool
	}{msg.View(), imageKey == "" && msg.HasImageURL()}
	c := Card{Config: map[string]bool{"wide_screen_mode": true}, Header: Header{Title: Text{"plain_text", msg.Subject()}, Template: colours[msg.Kind]}}
	if c.Header.Template == "" {
		c.Header.Template = "blue"
	}
	body, err := render("body", v)
	if err != nil {
		return Card{}, err
	}
	if body != "" {
		c.Elements = append(c.Elements, markdownElem{"markdown", notify.Clip(body, maxBody)})
	}
	if len(msg.Figures) > 0 {
		d := divElem{Tag: "div"}
		for _, f := range msg.Figures {
			s, err := render("figure", f)
			if err != nil {
				return Card{}, err
			}
			d.Fields = append(d.Fields, field{IsShort: true, Text: Text{"lark_md", s}})
		}
		c.Elements = append(c.Elements, d)
	}
	if imageKey != "" {
		c.Elements = append(c.Elements, imgElem{"img", imageKey, Text{"plain_text", msg.Title}})
	}
	if msg.Link != "" {
		c.Elements = append(c.Elements, actionElem{"action", []button{{"button", Text{"plain_text", v.LinkText}, "primary", msg.Link}}})
	}
	if t := msg.TimeText(); t != "" {
		c.Elements = append(c.Elements, noteElem{"note", []Text{{"plain_text", "Beacon · " + t}}})
	}
	return c, nil
}

func render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("feishu: render %s: %w", name, err)
	}
	return b.String(), nil
}
