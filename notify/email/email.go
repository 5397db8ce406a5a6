// Package email sends Beacon's messages over SMTP: an HTML body with the
// chart inline (by Content-ID) and a plain-text alternative, through
// github.com/wneessen/go-mail with STARTTLS and authentication as
// configured.
package email

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strings"
	"text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/beaconbi/beacon/notify"
)

// Channel is this channel's name.
const Channel = "email"

//go:embed body.html.tmpl body.txt.tmpl
var tmplFS embed.FS

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.ParseFS(tmplFS, "body.html.tmpl"))
	textTmpl = template.Must(template.ParseFS(tmplFS, "body.txt.tmpl"))
)

// The TLS modes.
const (
	TLSStartTLS      = "starttls"      // STARTTLS required (the default)
	TLSOpportunistic = "opportunistic" // STARTTLS when offered
	TLSImplicit      = "implicit"      // TLS from the first byte (SMTPS, port 465)
	TLSNone          = "none"          // plain text; only for a relay on the same host
)

// The authentication mechanisms.
const (
	AuthPlain   = "plain"
	AuthLogin   = "login"
	AuthCRAMMD5 = "cram-md5"
	AuthNone    = "none"
)

// Config is one mail server and its recipients.
type Config struct {
	Host string `json:"host" yaml:"host"`
	// Port defaults to 587, or 465 with implicit TLS.
	Port     int    `json:"port,omitempty" yaml:"port,omitempty"`
	Username string `json:"username,omitempty" yaml:"username,omitempty"`
	Password string `json:"password,omitempty" yaml:"password,omitempty"`
	// Auth is plain, login, cram-md5 or none; empty means plain when a
	// username is set and none otherwise.
	Auth string `json:"auth,omitempty" yaml:"auth,omitempty"`
	// TLS is starttls (default), opportunistic, implicit or none.
	TLS string `json:"tls,omitempty" yaml:"tls,omitempty"`
	// CAFile is a PEM bundle to trust instead of the system's, for a relay
	// with a private certificate authority.
	CAFile string   `json:"ca_file,omitempty" yaml:"ca_file,omitempty"`
	From   string   `json:"from" yaml:"from"`
	To     []string `json:"to" yaml:"to"`
}

// Validate says what is wrong with the configuration, field by field.
func (c Config) Validate() error {
	if c.Host == "" || strings.ContainsAny(c.Host, " /:") {
		return fmt.Errorf("email: host %q: want a host name or address, without port", c.Host)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("email: port %d: want 1-65535", c.Port)
	}
	switch c.TLS {
	case "", TLSStartTLS, TLSOpportunistic, TLSImplicit, TLSNone:
	default:
		return fmt.Errorf("email: tls %q: want starttls, opportunistic, implicit or none", c.TLS)
	}
	switch c.auth() {
	case AuthPlain, AuthLogin, AuthCRAMMD5:
		if c.Username == "" {
			return fmt.Errorf("email: username: required with auth %s", c.auth())
		}
	case AuthNone:
	default:
		return fmt.Errorf("email: auth %q: want plain, login, cram-md5 or none", c.Auth)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("email: from %q: %v", c.From, err)
	}
	if len(c.To) == 0 {
		return errors.New("email: to: at least one recipient")
	}
	for _, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("email: to %q: %v", to, err)
		}
	}
	if c.CAFile != "" {
		if _, err := c.rootCAs(); err != nil {
			return err
		}
	}
	return nil
}

func (c Config) auth() string {
	if c.Auth != "" {
		return strings.ToLower(c.Auth)
	}
	if c.Username != "" {
		return AuthPlain
	}
	return AuthNone
}

func (c Config) rootCAs() (*x509.CertPool, error) {
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("email: ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("email: ca_file %s: no PEM certificate in it", c.CAFile)
	}
	return pool, nil
}

// Redacted returns a copy safe to log or return from the API.
func (c Config) Redacted() Config {
	c.Password = notify.Mask(c.Password)
	return c
}

// String prints the redacted configuration.
func (c Config) String() string {
	return fmt.Sprintf("email{host=%s port=%d tls=%s auth=%s username=%s password=%s from=%s to=%v}",
		c.Host, c.Port, c.TLS, c.auth(), c.Username, notify.Mask(c.Password), c.From, c.To)
}

// Mailer is a notify.Notifier for one SMTP server and its recipients.
type Mailer struct {
	cfg    Config
	clock  notify.Clock
	client *gomail.Client
}

// New checks cfg and prepares its client; it does not connect.
func New(cfg Config, opt notify.Options) (*Mailer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	opt = opt.WithDefaults()
	tlsCfg := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		tlsCfg.RootCAs, _ = cfg.rootCAs()
	}
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second), gomail.WithTLSConfig(tlsCfg)}
	port := cfg.Port
	switch cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
		if port == 0 {
			port = 465
		}
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if port == 0 {
		port = 587
	}
	opts = append(opts, gomail.WithPort(port))
	switch cfg.auth() {
	case AuthPlain:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain))
	case AuthLogin:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthLogin))
	case AuthCRAMMD5:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthCramMD5))
	}
	if cfg.auth() != AuthNone {
		opts = append(opts, gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	return &Mailer{cfg: cfg, clock: opt.Clock, client: client}, nil
}

// Channel names the channel.
func (m *Mailer) Channel() string { return Channel }

// String prints the redacted configuration.
func (m *Mailer) String() string { return m.cfg.String() }

// view is what the body templates see.
type view struct {
	notify.View
	CID    string // Content-ID of the inline chart, without brackets
	Colour string // of the heading
}

// Bodies renders the HTML and plain-text bodies; cid is the inline chart's
// Content-ID, empty when none is attached.
func Bodies(msg notify.Message, cid string) (html, text string, err error) {
	v := view{View: msg.View(), CID: cid, Colour: "#1f2329"}
	switch msg.Kind {
	case notify.KindFiring:
		v.Colour = "#d83931"
	case notify.KindResolved:
		v.Colour = "#2ea121"
	}
	var h, t bytes.Buffer
	if err := htmlTmpl.Execute(&h, v); err != nil {
		return "", "", fmt.Errorf("email: render html: %w", err)
	}
	if err := textTmpl.Execute(&t, v); err != nil {
		return "", "", fmt.Errorf("email: render text: %w", err)
	}
	return h.String(), t.String(), nil
}

// Compose builds the e-mail. Its Message-ID is derived from the message's
// key, so that a mail system can recognise a resend.
func (m *Mailer) Compose(msg notify.Message) (*gomail.Msg, error) {
	out := gomail.NewMsg()
	if err := out.From(m.cfg.From); err != nil {
		return nil, fmt.Errorf("email: from: %w", err)
	}
	if err := out.To(m.cfg.To...); err != nil {
		return nil, fmt.Errorf("email: to: %w", err)
	}
	out.Subject(msg.Subject())
	out.SetDateWithValue(m.clock.Now())
	host := "beacon.local"
	if at := strings.LastIndexByte(m.cfg.From, '@'); at >= 0 {
		host = strings.Trim(m.cfg.From[at+1:], "> ")
	}
	if msg.Key != "" {
		sum := sha256.Sum256([]byte(msg.Key))
		out.SetMessageIDWithValue(hex.EncodeToString(sum[:16]) + "@" + host)
	} else {
		out.SetMessageID()
	}
	cid := ""
	if msg.HasPNG() {
		sum := sha256.Sum256(msg.Image.PNG)
		cid = "chart-" + hex.EncodeToString(sum[:8]) + "@" + host
	}
	html, text, err := Bodies(msg, cid)
	if err != nil {
		return nil, err
	}
	out.SetBodyString(gomail.TypeTextPlain, text)
	out.AddAlternativeString(gomail.TypeTextHTML, html)
	if cid != "" {
		if err := out.EmbedReader("chart.png", bytes.NewReader(msg.Image.PNG),
			gomail.WithFileContentID("<"+cid+">"), gomail.WithFileContentType("image/png")); err != nil {
			return nil, fmt.Errorf("email: embed chart: %w", err)
		}
	}
	return out, nil
}

// Send delivers msg once to every recipient. A 4xx SMTP answer or a
// network error may pass; a 5xx answer is a refusal.
func (m *Mailer) Send(ctx context.Context, msg notify.Message) (notify.Receipt, error) {
	out, err := m.Compose(msg)
	if err != nil {
		return notify.Receipt{}, &notify.SendError{Channel: Channel, Err: err}
	}
	if err := m.client.DialAndSendWithContext(ctx, out); err != nil {
		return notify.Receipt{}, classify(err)
	}
	return notify.Receipt{Status: 250, Answer: "accepted for " + strings.Join(m.cfg.To, ", ")}, nil
}

// classify turns go-mail's error into a SendError.
func classify(err error) *notify.SendError {
	se := &notify.SendError{Channel: Channel, Err: err, Answer: notify.ClipAnswer(err.Error())}
	var tp *textproto.Error
	var ge *gomail.SendError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &tp):
		se.Status, se.Retry = tp.Code, tp.Code >= 400 && tp.Code < 500
	case errors.As(err, &ge):
		se.Status, se.Retry = ge.ErrorCode(), ge.IsTemp()
	case errors.As(err, &oe), errors.As(err, &ne):
		se.Retry = true
	}
	return se
}
