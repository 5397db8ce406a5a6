package email_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/email"
	"github.com/beaconbi/beacon/notify/notifytest"
)

const (
	user = notifytest.SMTPUser
	pass = notifytest.SMTPPassword
)

func setup(t *testing.T, change func(*notifytest.SMTPServer, *email.Config)) (*email.Mailer, *notifytest.SMTPServer, *notifytest.Clock) {
	t.Helper()
	s := notifytest.NewSMTPServer(t)
	cfg := email.Config{Host: "127.0.0.1", Port: s.Port, Username: user, Password: pass, CAFile: s.CAFile,
		From: "Beacon <beacon@bank.example>", To: []string{"retention@bank.example", "branch-0101@bank.example"}}
	if change != nil {
		change(s, &cfg)
	}
	clock := notifytest.NewClock(notifytest.Start)
	m, err := email.New(cfg, notify.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return m, s, clock
}

// part is one leaf of a MIME tree, decoded.
type part struct {
	contentType string
	header      textproto.MIMEHeader
	body        []byte
}

// leaves walks a MIME entity and returns its leaf parts, bodies decoded
// from base64 or quoted-printable as their headers say.
func leaves(t *testing.T, h textproto.MIMEHeader, body io.Reader) []part {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		var out []part
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, leaves(t, p.Header, p)...)
		}
	}
	if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return []part{{contentType: mt, header: h, body: data}}
}

func TestSendHTMLWithInlineChart(t *testing.T) {
	m, s, _ := setup(t, nil)
	msg := notifytest.Message()
	rec, err := m.Send(context.Background(), msg)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != 250 {
		t.Errorf("receipt %+v", rec)
	}
	got := s.Received()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	r := got[0]
	if !r.TLS || !r.Authed || !strings.HasPrefix(r.From, "FROM:<beacon@bank.example>") || len(r.Rcpts) != 2 {
		t.Errorf("session: tls %v auth %v from %q rcpts %v", r.TLS, r.Authed, r.From, r.Rcpts)
	}
	em, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(em.Header.Get("Subject"))
	if subject != "【告警】上海分行 流失率 超过阈值" {
		t.Errorf("subject %q", subject)
	}
	sum := sha256.Sum256([]byte(msg.Key))
	if id := em.Header.Get("Message-ID"); id != "<"+hex.EncodeToString(sum[:16])+"@bank.example>" {
		t.Errorf("Message-ID %q, want one derived from the key", id)
	}
	if to := em.Header.Get("To"); !strings.Contains(to, "retention@bank.example") || !strings.Contains(to, "branch-0101@bank.example") {
		t.Errorf("To %q", to)
	}
	parts := leaves(t, textproto.MIMEHeader(em.Header), em.Body)
	byType := map[string]part{}
	for _, p := range parts {
		byType[p.contentType] = p
	}
	text, html, img := byType["text/plain"], byType["text/html"], byType["image/png"]
	if len(parts) != 3 || text.body == nil || html.body == nil || img.body == nil {
		t.Fatalf("parts %v, want text, html and png", len(parts))
	}
	for _, want := range []string{"【告警】上海分行 流失率 超过阈值", "贵宾客户贡献了其中六成。", "- 流失率 0.82% ↑ 环比 +0.12 个百分点",
		"查看完整报告: https://beacon.example.com/reports/churn?branch=0101", "2026-11-30 09:00 CST"} {
		if !strings.Contains(string(text.body), want) {
			t.Errorf("text lacks %q:\n%s", want, text.body)
		}
	}
	cid := strings.Trim(img.header.Get("Content-Id"), "<>")
	if cid == "" || !strings.Contains(string(html.body), `src="cid:`+cid+`"`) {
		t.Errorf("html does not show the inline chart %q:\n%s", cid, html.body)
	}
	if !bytes.Equal(img.body, msg.Image.PNG) {
		t.Errorf("inline PNG differs from the chart (%d bytes, want %d)", len(img.body), len(msg.Image.PNG))
	}
	if !strings.Contains(string(html.body), `<a href="https://beacon.example.com/reports/churn?branch=0101">查看完整报告</a>`) {
		t.Errorf("html lacks the link:\n%s", html.body)
	}
}

func TestHTMLIsEscaped(t *testing.T) {
	m, s, _ := setup(t, nil)
	msg := notifytest.Message()
	msg.Lines = []string{`<script>alert("x")</script>`}
	if _, err := m.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	em, _ := mail.ReadMessage(bytes.NewReader(s.Received()[0].Data))
	for _, p := range leaves(t, textproto.MIMEHeader(em.Header), em.Body) {
		if p.contentType == "text/html" && strings.Contains(string(p.body), "<script>") {
			t.Errorf("script tag passed into the html")
		}
	}
}

func TestRetries(t *testing.T) {
	m, s, clock := setup(t, func(s *notifytest.SMTPServer, _ *email.Config) { s.FailData("451 4.3.0 Temporary local problem") })
	var attempts []notify.Attempt
	if _, err := notify.Deliver(context.Background(), m, notifytest.Message(), notify.Policy{Clock: clock}, func(a notify.Attempt) { attempts = append(attempts, a) }); err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 2 || attempts[0].Status != 451 || !attempts[0].Retry || attempts[1].Status != 250 || len(s.Received()) != 1 {
		t.Errorf("attempts %+v, %d received", attempts, len(s.Received()))
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*notifytest.SMTPServer, *email.Config)
		status int
	}{
		{"unknown recipient", func(s *notifytest.SMTPServer, _ *email.Config) { s.FailRcpt("550 5.1.1 User unknown") }, 550},
		{"wrong password", func(_ *notifytest.SMTPServer, c *email.Config) { c.Password = "wrong" }, 535},
		{"no STARTTLS offered", func(s *notifytest.SMTPServer, _ *email.Config) { s.NoTLS() }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s, clock := setup(t, tc.change)
			var calls int
			_, err := notify.Deliver(context.Background(), m, notifytest.Message(), notify.Policy{Clock: clock}, func(notify.Attempt) { calls++ })
			var se *notify.SendError
			if !errors.As(err, &se) || se.Retry || se.Status != tc.status || calls != 1 || len(s.Received()) != 0 {
				t.Errorf("err %v (status %v), %d calls, %d received", err, se, calls, len(s.Received()))
			}
		})
	}
}

func TestConfig(t *testing.T) {
	ok := email.Config{Host: "smtp.bank.example", Username: user, Password: pass, From: "beacon@bank.example", To: []string{"a@bank.example"}}
	for _, tc := range []struct {
		name   string
		change func(*email.Config)
		want   string
	}{
		{"valid", func(*email.Config) {}, ""},
		{"host with port", func(c *email.Config) { c.Host = "smtp.bank.example:587" }, "host"},
		{"bad tls", func(c *email.Config) { c.TLS = "ssl" }, "tls"},
		{"bad auth", func(c *email.Config) { c.Auth = "xoauth" }, "auth"},
		{"auth without user", func(c *email.Config) { c.Username = ""; c.Auth = "login" }, "username"},
		{"bad from", func(c *email.Config) { c.From = "beacon" }, "from"},
		{"no recipient", func(c *email.Config) { c.To = nil }, "to"},
		{"bad recipient", func(c *email.Config) { c.To = []string{"x"} }, "to"},
		{"missing CA file", func(c *email.Config) { c.CAFile = "/nonexistent/ca.pem" }, "ca_file"},
	} {
		c := ok
		tc.change(&c)
		_, err := email.New(c, notify.Options{})
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	if s := fmt.Sprint(ok, ok.Redacted()); strings.Contains(s, pass) {
		t.Errorf("password shown: %s", s)
	}
}
