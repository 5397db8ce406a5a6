// Package webhook posts Beacon's messages as JSON to any HTTPS endpoint,
// signed with HMAC-SHA256 over the timestamp and the body so that the
// receiver can check who sent it and refuse a replay.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/beaconbi/beacon/notify"
)

// Channel is this channel's name.
const Channel = "webhook"

// The headers Beacon sets.
const (
	HeaderTimestamp   = "X-Beacon-Timestamp" // Unix seconds
	HeaderSignature   = "X-Beacon-Signature" // sha256=<hex>
	HeaderEvent       = "X-Beacon-Event"     // the message's kind
	HeaderIdempotency = "Idempotency-Key"    // the message's key
)

// MinSecret is the shortest secret accepted: an HMAC key shorter than this
// can be guessed.
const MinSecret = 16

// MaxAge is how old a signed request a receiver should still accept.
const MaxAge = 5 * time.Minute

// Config is one endpoint.
type Config struct {
	URL string `json:"url" yaml:"url"`
	// Secret keys the signature; share it with the receiver.
	Secret string `json:"secret" yaml:"secret"`
}

// Validate says what is wrong with the configuration.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("webhook: url %q: want an http or https URL", notify.RedactURL(c.URL))
	}
	if len(c.Secret) < MinSecret {
		return fmt.Errorf("webhook: secret: %d bytes, want at least %d to sign with", len(c.Secret), MinSecret)
	}
	return nil
}

// Redacted returns a copy safe to log or return from the API.
func (c Config) Redacted() Config {
	c.URL = notify.RedactURL(c.URL)
	c.Secret = notify.Mask(c.Secret)
	return c
}

// String prints the redacted configuration.
func (c Config) String() string {
	return "webhook{url=" + notify.RedactURL(c.URL) + " secret=" + notify.Mask(c.Secret) + "}"
}

// Hook is a notify.Notifier for one endpoint.
type Hook struct {
	cfg   Config
	post  notify.Poster
	clock notify.Clock
}

// New checks cfg and returns its hook.
func New(cfg Config, opt notify.Options) (*Hook, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt = opt.WithDefaults()
	return &Hook{cfg: cfg, post: notify.Poster{Client: opt.HTTP, Clock: opt.Clock, Channel: Channel}, clock: opt.Clock}, nil
}

// Channel names the channel.
func (h *Hook) Channel() string { return Channel }

// String prints the redacted configuration.
func (h *Hook) String() string { return h.cfg.String() }

// Body is the JSON Beacon posts.
type Body struct {
	Key     string   `json:"key"`
	Kind    string   `json:"kind"`
	Lang    string   `json:"lang"`
	Title   string   `json:"title"`
	Subject string   `json:"subject"`
	Lines   []string `json:"lines"`
	Figures []Figure `json:"figures"`
	Link    string   `json:"link,omitempty"`
	Image   *Image   `json:"image,omitempty"`
	At      string   `json:"at"` // RFC 3339 with the zone's offset
}

// Figure is a headline number.
type Figure struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Change string `json:"change,omitempty"`
	Trend  int    `json:"trend"`
}

// Image is the chart: its PNG in base64 and, when Beacon serves it, its URL.
type Image struct {
	PNG string `json:"png,omitempty"`
	URL string `json:"url,omitempty"`
}

// NewBody turns a message into the posted JSON.
func NewBody(msg notify.Message) Body {
	b := Body{Key: msg.Key, Kind: string(msg.Kind), Lang: msg.Lang, Title: msg.Title, Subject: msg.Subject(),
		Lines: append([]string{}, msg.Lines...), Figures: []Figure{}, Link: msg.Link}
	for _, f := range msg.Figures {
		b.Figures = append(b.Figures, Figure{Label: f.Label, Value: f.Value, Change: f.Change, Trend: f.Trend})
	}
	if msg.Image != nil && (msg.HasPNG() || msg.Image.URL != "") {
		b.Image = &Image{URL: msg.Image.URL}
		if msg.HasPNG() {
			b.Image.PNG = base64.StdEncoding.EncodeToString(msg.Image.PNG)
		}
	}
	if !msg.At.IsZero() {
		b.At = msg.LocalAt().Format(time.RFC3339)
	}
	return b
}

// Send posts msg once; any 2xx is a delivery.
func (h *Hook) Send(ctx context.Context, msg notify.Message) (notify.Receipt, error) {
	body, err := json.Marshal(NewBody(msg))
	if err != nil {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Err: fmt.Errorf("encode body: %w", err)}
	}
	ts := strconv.FormatInt(h.clock.Now().Unix(), 10)
	header := http.Header{}
	header.Set(HeaderTimestamp, ts)
	header.Set(HeaderSignature, "sha256="+Sign(h.cfg.Secret, ts, body))
	header.Set(HeaderEvent, string(msg.Kind))
	if msg.Key != "" {
		header.Set(HeaderIdempotency, HeaderKey(msg.Key))
	}
	resp, err := h.post.Post(ctx, h.cfg.URL, "application/json; charset=utf-8", body, header)
	if err != nil {
		return notify.Receipt{}, err
	}
	return resp.Receipt(), nil
}

// HeaderKey is a message key as the Idempotency-Key header carries it:
// its UTF-8 bytes outside printable ASCII, the space and "%" written as
// %XX (RFC 3986 percent-encoding), since a header value is ASCII and a
// receiver would otherwise read a group such as region=华南 as Latin-1.
// Percent-decoding it (url.PathUnescape, urllib.parse.unquote) gives the
// body's key back exactly; an ASCII key without % or spaces is unchanged.
func HeaderKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c <= ' ' || c >= 0x7f || c == '%' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Sign returns the hex HMAC-SHA256, keyed by secret, of timestamp + "." +
// body. Binding the timestamp into the MAC is what lets a receiver refuse
// an old request replayed with a fresh timestamp header.
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhook: missing or malformed " + HeaderSignature + " or " + HeaderTimestamp)
	ErrBadSignature = errors.New("webhook: signature does not match")
	ErrStale        = errors.New("webhook: timestamp outside the accepted window")
)

// Verify is the receiver's check, for Go receivers: the signature must
// match the body and the timestamp must be within maxAge of now, either
// way. A receiver should also drop a repeated Idempotency-Key.
func Verify(secret string, h http.Header, body []byte, now time.Time, maxAge time.Duration) error {
	ts := h.Get(HeaderTimestamp)
	sig, ok := strings.CutPrefix(h.Get(HeaderSignature), "sha256=")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil {
		return ErrNoSignature
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return ErrNoSignature
	}
	want, _ := hex.DecodeString(Sign(secret, ts, body))
	if !hmac.Equal(got, want) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
		return ErrStale
	}
	return nil
}
