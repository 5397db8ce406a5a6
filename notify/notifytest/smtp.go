package notifytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// SMTP credentials the test server accepts.
const (
	SMTPUser     = "beacon@bank.example"
	SMTPPassword = "s3cret-app-password"
)

// SMTPServer is a small SMTP server for tests, written on net/textproto:
// it offers STARTTLS (with a self-signed certificate for 127.0.0.1 whose
// PEM is CAFile), then AUTH PLAIN and LOGIN only over TLS with SMTPUser
// and SMTPPassword, and keeps every message it accepts. Scripted replies
// make DATA or RCPT fail.
type SMTPServer struct {
	// Port is where it listens on 127.0.0.1.
	Port int
	// CAFile is the PEM of its certificate, for the client to trust.
	CAFile string

	t        testing.TB
	ln       net.Listener
	tls      *tls.Config
	mu       sync.Mutex
	noTLS    bool
	failData []string
	failRcpt []string
	messages []Mail
	onData   func(data []byte) string
}

// Mail is one message the server accepted, with its session.
type Mail struct {
	From   string // the MAIL argument, e.g. FROM:<a@b>
	Rcpts  []string
	Data   []byte
	TLS    bool
	Authed bool
}

// NewSMTPServer starts a server that stops with the test.
func NewSMTPServer(t testing.TB) *SMTPServer {
	t.Helper()
	cert, caFile := certificate(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &SMTPServer{t: t, ln: ln, CAFile: caFile, Port: ln.Addr().(*net.TCPAddr).Port,
		tls: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go s.serve()
	return s
}

// NoTLS stops the server offering STARTTLS.
func (s *SMTPServer) NoTLS() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noTLS = true
}

// FailData makes the next DATA commands answer these replies, one each.
func (s *SMTPServer) FailData(replies ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failData = append(s.failData, replies...)
}

// FailRcpt makes the next RCPT commands answer these replies, one each.
func (s *SMTPServer) FailRcpt(replies ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt = append(s.failRcpt, replies...)
}

// OnData has f judge each message before it is accepted: a reply such as
// "451 4.3.0 Try again later" refuses it, "" accepts it.
func (s *SMTPServer) OnData(f func(data []byte) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onData = f
}

// Received returns the messages accepted so far.
func (s *SMTPServer) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.messages...)
}

func (s *SMTPServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.handle(c)
	}
}

func (s *SMTPServer) pop(q *[]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(*q) == 0 {
		return ""
	}
	r := (*q)[0]
	*q = (*q)[1:]
	return r
}

func (s *SMTPServer) offersTLS() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.noTLS
}

func (s *SMTPServer) handle(c net.Conn) {
	defer func() { c.Close() }()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	_ = tp.PrintfLine("220 mx.test ESMTP")
	var cur Mail
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			exts := []string{"mx.test", "8BITMIME"}
			if !cur.TLS && s.offersTLS() {
				exts = append(exts, "STARTTLS")
			}
			if cur.TLS {
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
			cur = Mail{TLS: true}
		case "AUTH":
			if !cur.TLS {
				_ = tp.PrintfLine("538 5.7.11 Encryption required")
				continue
			}
			u, p := readAuth(tp, arg)
			if u != SMTPUser || p != SMTPPassword {
				_ = tp.PrintfLine("535 5.7.8 Authentication credentials invalid")
				continue
			}
			cur.Authed = true
			_ = tp.PrintfLine("235 2.7.0 Authentication successful")
		case "MAIL":
			if !cur.Authed {
				_ = tp.PrintfLine("530 5.7.0 Authentication required")
				continue
			}
			cur.From, cur.Rcpts = arg, nil
			_ = tp.PrintfLine("250 2.1.0 Ok")
		case "RCPT":
			if r := s.pop(&s.failRcpt); r != "" {
				_ = tp.PrintfLine("%s", r)
				continue
			}
			cur.Rcpts = append(cur.Rcpts, arg)
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
			s.mu.Lock()
			judge := s.onData
			s.mu.Unlock()
			if judge != nil {
				if r := judge(data); r != "" {
					_ = tp.PrintfLine("%s", r)
					continue
				}
			}
			cur.Data = data
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

// readAuth reads the user and password of an AUTH PLAIN or LOGIN exchange.
func readAuth(tp *textproto.Conn, arg string) (user, pass string) {
	mech, ir, _ := strings.Cut(arg, " ")
	switch strings.ToUpper(mech) {
	case "PLAIN":
		if ir == "" {
			_ = tp.PrintfLine("334 ")
			ir, _ = tp.ReadLine()
		}
		raw, _ := base64.StdEncoding.DecodeString(ir)
		parts := strings.Split(string(raw), "\x00")
		if len(parts) == 3 {
			return parts[1], parts[2]
		}
	case "LOGIN":
		_ = tp.PrintfLine("334 %s", base64.StdEncoding.EncodeToString([]byte("Username:")))
		l1, _ := tp.ReadLine()
		_ = tp.PrintfLine("334 %s", base64.StdEncoding.EncodeToString([]byte("Password:")))
		l2, _ := tp.ReadLine()
		bu, _ := base64.StdEncoding.DecodeString(l1)
		bp, _ := base64.StdEncoding.DecodeString(l2)
		return string(bu), string(bp)
	}
	return "", ""
}

// certificate makes a self-signed certificate for 127.0.0.1 and writes it
// as the CA file the mailer trusts.
func certificate(t testing.TB) (tls.Certificate, string) {
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
