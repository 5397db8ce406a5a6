package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/alerts"
	"github.com/beaconbi/beacon/notify/notifytest"
)

// TestEmailChannelEndToEnd: a real beacon serve, its mail server given by
// the --smtp-* flags and the password by BEACON_SMTP_PASSWORD, sends a
// firing alert over STARTTLS with authentication to a real SMTP server:
// to the channel's addressee and the rule's recipient, once.
func TestEmailChannelEndToEnd(t *testing.T) {
	db := copyBank(t)
	smtp := notifytest.NewSMTPServer(t)
	smtp.FailData("451 4.3.0 Try again later") // the first attempt is retried
	t.Setenv("BEACON_SMTP_PASSWORD", notifytest.SMTPPassword)
	yaml := `channels:
  - {name: mail, type: email, to: [retention@bank.example]}
rules:
  - id: churn-mail
    name: 流失率邮件
    query: {metrics: [churn_rate], time: {range: last_month}}
    condition: {kind: threshold, above: -1}
    schedule: {cron: "0 9 1 1 *", time_zone: Asia/Shanghai}
    channels: [{name: mail, recipients: [head-0101@bank.example]}]
    owner: {subject: ops}
`
	file := filepath.Join(t.TempDir(), "alerts.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, db, 0, "--alerts", file, "--alerts-interval", "100ms", "--alerts-backoff", "100ms",
		"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(smtp.Port), "--smtp-username", notifytest.SMTPUser,
		"--smtp-ca-file", smtp.CAFile, "--smtp-from", "Beacon <beacon@bank.example>")
	deadline := time.Now().Add(2 * time.Minute) // a hang guard, not a measure
	for len(smtp.Received()) == 0 {
		if time.Now().After(deadline) || !p.alive() {
			t.Fatalf("no mail arrived\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // a second mail, if any, would arrive now
	got := smtp.Received()
	if len(got) != 1 {
		t.Fatalf("%d mails arrived, want 1", len(got))
	}
	m := got[0]
	if !m.TLS || !m.Authed || len(m.Rcpts) != 2 || !strings.Contains(strings.Join(m.Rcpts, " "), "head-0101@bank.example") {
		t.Errorf("session: tls %v auth %v rcpts %v", m.TLS, m.Authed, m.Rcpts)
	}
	em, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(em.Header.Get("Subject"))
	if !strings.Contains(subject, "【告警】") || !strings.Contains(subject, "流失率") {
		t.Errorf("subject %q", subject)
	}
	// Both attempts are in the delivery log, read through the history API,
	// and still there after a SIGKILL and a restart, which sends nothing more.
	p.waitReady(t)
	log := deliveryLog(t, p, "churn-mail")
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	p = start(t, db, 0, "--alerts", file, "--alerts-interval", "100ms",
		"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(smtp.Port), "--smtp-username", notifytest.SMTPUser,
		"--smtp-ca-file", smtp.CAFile, "--smtp-from", "Beacon <beacon@bank.example>")
	p.waitReady(t)
	time.Sleep(time.Second)
	if after := deliveryLog(t, p, "churn-mail"); fmt.Sprint(after) != fmt.Sprint(log) {
		t.Errorf("delivery log after the restart:\n%v\nbefore:\n%v", after, log)
	}
	if n := len(smtp.Received()); n != 1 {
		t.Errorf("after the restart %d mails, want still 1", n)
	}
	if len(log) != 2 || log[0].Attempt != 2 || log[0].Status != "sent" || log[0].HTTPStatus != 250 ||
		log[1].Attempt != 1 || log[1].Status != "retry" || log[1].HTTPStatus != 451 || log[0].Key != log[1].Key {
		t.Fatalf("delivery log %+v, want attempt 1 retried on 451, attempt 2 sent", log)
	}
	// The Message-ID comes from the delivery key.
	sum := sha256.Sum256([]byte(log[0].Key))
	if id := em.Header.Get("Message-ID"); id != "<"+hex.EncodeToString(sum[:16])+"@bank.example>" {
		t.Errorf("Message-ID %q, want one from the key %q", id, log[0].Key)
	}
}

// deliveryLog reads a rule's delivery log through the history API.
func deliveryLog(t *testing.T, p *proc, id string) []alerts.Delivery {
	t.Helper()
	resp, err := client.Get(p.base + "/api/v1/alerts/" + id + "/history")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h alerts.History
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil || resp.StatusCode != 200 {
		t.Fatalf("history: %d %v", resp.StatusCode, err)
	}
	return h.Deliveries
}
