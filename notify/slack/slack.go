// Package slack sends Beacon's messages to a Slack incoming webhook as
// Block Kit blocks.
package slack

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"text/template"

	"github.com/beaconbi/beacon/notify"
)

// Channel is this channel's name.
const Channel = "slack"

// Block Kit's documented limits.
const (
	maxHeader  = 150  // plain_text in a header block
	maxSection = 3000 // text of a section
	maxField   = 2000 // one field of a section
	maxFields  = 10   // fields in a section
)

//go:embed section.tmpl
var tmplFS embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{"esc": escape}).ParseFS(tmplFS, "section.tmpl"))

// escape makes text safe in mrkdwn: Slack reads &, < and > as markup.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Config is one incoming webhook.
type Config struct {
	// URL is the webhook, https://hooks.slack.com/services/T…/B…/…; the
	// URL is the secret.
	URL string `json:"url" yaml:"url"`
}

// Validate says what is wrong with the configuration.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(u.Path) < 2 {
		return fmt.Errorf("slack: url %q: want the incoming webhook, https://hooks.slack.com/services/...", notify.RedactURL(c.URL))
	}
	return nil
}

// Redacted returns a copy safe to log or return from the API.
func (c Config) Redacted() Config {
	c.URL = notify.RedactURL(c.URL)
	return c
}

// String prints the redacted configuration.
func (c Config) String() string { return "slack{url=" + notify.RedactURL(c.URL) + "}" }

// Webhook is a notify.Notifier for one Slack incoming webhook.
type Webhook struct {
	cfg  Config
	post notify.Poster
}

// New checks cfg and returns its webhook.
func New(cfg Config, opt notify.Options) (*Webhook, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt = opt.WithDefaults()
	return &Webhook{cfg: cfg, post: notify.Poster{Client: opt.HTTP, Clock: opt.Clock, Channel: Channel}}, nil
}

// Channel names the channel.
func (w *Webhook) Channel() string { return Channel }

// The provider takes no idempotency key.
var _ notify.Keyless = (*Webhook)(nil)

// Destination names the incoming webhook (by its URL) for senders that
// keep one message per webhook in flight: Slack takes no idempotency key.
func (w *Webhook) Destination() string { return notify.DestinationOf(Channel, w.cfg.URL) }

// String prints the redacted configuration.
func (w *Webhook) String() string { return w.cfg.String() }

// Payload is the message body: a text fallback for notifications and the
// blocks that Slack shows.
type Payload struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is one Block Kit block; only the fields of its type are set.
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Fields   []Text `json:"fields,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
	AltText  string `json:"alt_text,omitempty"`
	Elements []Text `json:"elements,omitempty"`
}

// Text is a text object: plain_text or mrkdwn.
type Text struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// Build lays msg out as blocks: a header, the body section with the link,
// the figures as fields, the chart when Beacon serves it by URL, and the
// time as context.
func Build(msg notify.Message) (Payload, error) {
	v := msg.View()
	subject := notify.Clip(msg.Subject(), maxHeader)
	p := Payload{Text: subject, Blocks: []Block{{Type: "header", Text: &Text{Type: "plain_text", Text: subject, Emoji: true}}}}
	body, err := render("body", v)
	if err != nil {
		return Payload{}, err
	}
	if body != "" {
		p.Blocks = append(p.Blocks, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: notify.Clip(body, maxSection)}})
	}
	var fields []Text
	for _, f := range msg.Figures {
		s, err := render("figure", f)
		if err != nil {
			return Payload{}, err
		}
		fields = append(fields, Text{Type: "mrkdwn", Text: notify.Clip(s, maxField)})
	}
	for len(fields) > 0 {
		n := min(len(fields), maxFields)
		p.Blocks = append(p.Blocks, Block{Type: "section", Fields: fields[:n]})
		fields = fields[n:]
	}
	if msg.HasImageURL() {
		p.Blocks = append(p.Blocks, Block{Type: "image", ImageURL: msg.Image.URL, AltText: msg.Title})
	}
	if t := msg.TimeText(); t != "" {
		p.Blocks = append(p.Blocks, Block{Type: "context", Elements: []Text{{Type: "mrkdwn", Text: "Beacon · " + t}}})
	}
	return p, nil
}

func render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("slack: render %s: %w", name, err)
	}
	return b.String(), nil
}

// Send posts msg once. Slack answers a plain "ok"; anything else in a 200
// is a refusal.
func (w *Webhook) Send(ctx context.Context, msg notify.Message) (notify.Receipt, error) {
	p, err := Build(msg)
	if err != nil {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Err: err}
	}
	resp, err := w.post.PostJSON(ctx, w.cfg.URL, p, nil)
	if err != nil {
		return notify.Receipt{}, err
	}
	if strings.TrimSpace(string(resp.Body)) != "ok" {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Status: resp.Status, Answer: notify.ClipAnswer(string(resp.Body)), Err: errors.New(`answer is not "ok"`)}
	}
	return resp.Receipt(), nil
}
