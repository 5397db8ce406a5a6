package email_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/email"
	"github.com/beaconbi/beacon/notify/notifytest"
)

const (
	user = "beacon@bank.example"
	pass = "s3cret-app-password"
)

// smtpd is a small SMTP server for the tests, written on net/textproto:
// it offers STARTTLS, then AUTH PLAIN and LOGIN only over TLS, and keeps
// every message it accepts. Scripted replies make DATA or RCPT fail.
type smtpd struct {
	t        *testing.T
	ln       net.Listener
	tls      *tls.Config
	noTLS    bool // do not offer STARTTLS
	mu       sync.Mutex
	failData []string
	failRcpt []string
	messages []received
}

type received struct {
	from   string
	rcpts  []string
	data   []byte
	tlsOn  bool
	authed bool
}

func (s *smtpd) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handle(c)
	}
}

func (s *smtpd) pop(q *[]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(*q) == 0 {
		return ""
	}
	r := (*q)[0]
	*q = (*q)[1:]
	return r
}

func (s *smtpd) handle(c net.Conn) {
	defer func() { c.Close() }()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 mx.test ESMTP")
	var cur received
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			exts := []string{"mx.test", "8BITMIME"}
			if !cur.tlsOn && !s.noTLS {
				exts = append(exts, "STARTTLS")
			}
			if cur.tlsOn {
				exts = append(exts, "AUTH PLAIN LOGIN")
			}
			for i, e := range exts {
				sep := "-"
				if i == len(exts)-1 {
					sep = " "
				}
				_ = tp.PrintfLine("250%s%s", sep, e)
			}
		case "STARTTLS":
			_ = tp.PrintfLine("220 2.0.0 Ready to start TLS")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				s.t.Logf("TLS handshake: %v", err)
				return
			}
			c, tp = tc, textproto.NewConn(tc)
			cur = received{tlsOn: true}
		case "AUTH":
			if !cur.tlsOn {
				_ = tp.PrintfLine("538 5.7.11 Encryption required")
				continue
			}
			mech, ir, _ := strings.Cut(arg, " ")
			var u, p string
			switch strings.ToUpper(mech) {
			case "PLAIN":
				if ir == "" {
					_ = tp.PrintfLine("334 ")
					ir, _ = tp.ReadLine()
				}
				raw, _ := base64.StdEncoding.DecodeString(ir)
				parts := strings.Split(string(raw), "\x00")
				if len(parts) == 3 {
					u, p = parts[1], parts[2]
				}
			case "LOGIN":
				_ = tp.PrintfLine("334 %s", base64.StdEncoding.EncodeToString([]byte("Username:")))
				l1, _ := tp.ReadLine()
				_ = tp.PrintfLine("334 %s", base64.StdEncoding.EncodeToString([]byte("Password:")))
				l2, _ := tp.ReadLine()
				bu, _ := base64.StdEncoding.DecodeString(l1)
				bp, _ := base64.StdEncoding.DecodeString(l2)
				u, p = string(bu), string(bp)
			}
			if u != user || p != pass {
				_ = tp.PrintfLine("535 5.7.8 Authentication credentials invalid")
				continue
			}
			cur.authed = true
			_ = tp.PrintfLine("235 2.7.0 Authentication successful")
		case "MAIL":
			if !cur.authed {
				_ = tp.PrintfLine("530 5.7.0 Authentication required")
				continue
			}
			cur.from, cur.rcpts = arg, nil
			_ = tp.PrintfLine("250 2.1.0 Ok")
		case "RCPT":
			if r := s.pop(&s.failRcpt); r != "" {
				_ = tp.PrintfLine("%s", r)
				continue
			}
			cur.rcpts = append(cur.rcpts, arg)
			_ = tp.PrintfLine("250 2.1.5 Ok")
		case "DATA":
			_ = tp.PrintfLine("354 End data with <CR><LF>.<CR><LF>")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			if r := s.pop(&s.failData); r != "" {
				_ = tp.PrintfLine("%s", r)
				continue
			}
			cur.data = data
			s.mu.Lock()
			s.messages = append(s.messages, cur)
			s.mu.Unlock()
			_ = tp.PrintfLine("250 2.0.0 Ok: queued")
		case "RSET", "NOOP":
			_ = tp.PrintfLine("250 2.0.0 Ok")
		case "QUIT":
			_ = tp.PrintfLine("221 2.0.0 Bye")
			return
		default:
			_ = tp.PrintfLine("502 5.5.2 Command not recognized")
		}
	}
}

func (s *smtpd) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.messages...)
}

// certificate makes a self-signed certificate for 127.0.0.1 and writes it
// as the CA file the mailer trusts.
func certificate(t *testing.T) (tls.Certificate, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.test"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

func setup(t *testing.T, change func(*smtpd, *email.Config)) (*email.Mailer, *smtpd, *notifytest.Clock) {
	t.Helper()
	cert, caFile := certificate(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpd{t: t, ln: ln, tls: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go s.serve()
	port := ln.Addr().(*net.TCPAddr).Port
	cfg := email.Config{Host: "127.0.0.1", Port: port, Username: user, Password: pass, CAFile: caFile,
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
	got := s.received()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	r := got[0]
	if !r.tlsOn || !r.authed || !strings.HasPrefix(r.from, "FROM:<beacon@bank.example>") || len(r.rcpts) != 2 {
		t.Errorf("session: tls %v auth %v from %q rcpts %v", r.tlsOn, r.authed, r.from, r.rcpts)
	}
	em, err := mail.ReadMessage(bytes.NewReader(r.data))
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
	em, _ := mail.ReadMessage(bytes.NewReader(s.received()[0].data))
	for _, p := range leaves(t, textproto.MIMEHeader(em.Header), em.Body) {
		if p.contentType == "text/html" && strings.Contains(string(p.body), "<script>") {
			t.Errorf("script tag passed into the html")
		}
	}
}

func TestRetries(t *testing.T) {
	m, s, clock := setup(t, func(s *smtpd, _ *email.Config) { s.failData = []string{"451 4.3.0 Temporary local problem"} })
	var attempts []notify.Attempt
	if _, err := notify.Deliver(context.Background(), m, notifytest.Message(), notify.Policy{Clock: clock}, func(a notify.Attempt) { attempts = append(attempts, a) }); err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 2 || attempts[0].Status != 451 || !attempts[0].Retry || attempts[1].Status != 250 || len(s.received()) != 1 {
		t.Errorf("attempts %+v, %d received", attempts, len(s.received()))
	}
}

func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*smtpd, *email.Config)
		status int
	}{
		{"unknown recipient", func(s *smtpd, _ *email.Config) { s.failRcpt = []string{"550 5.1.1 User unknown"} }, 550},
		{"wrong password", func(_ *smtpd, c *email.Config) { c.Password = "wrong" }, 535},
		{"no STARTTLS offered", func(s *smtpd, _ *email.Config) { s.noTLS = true }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s, clock := setup(t, tc.change)
			var calls int
			_, err := notify.Deliver(context.Background(), m, notifytest.Message(), notify.Policy{Clock: clock}, func(notify.Attempt) { calls++ })
			var se *notify.SendError
			if !errors.As(err, &se) || se.Retry || se.Status != tc.status || calls != 1 || len(s.received()) != 0 {
				t.Errorf("err %v (status %v), %d calls, %d received", err, se, calls, len(s.received()))
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
