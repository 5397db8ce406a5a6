package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify/notifytest"
	"github.com/beaconbi/beacon/notify/webhook"
	"github.com/beaconbi/beacon/warehouse"
)

// crashReceiver is a webhook endpoint that fails a third of the requests
// and, now and then, kills the sending server while it waits for the answer.
type crashReceiver struct {
	mu       sync.Mutex
	rng      *rand.Rand
	requests int
	failed   int
	badSig   int
	accepted map[string]int // idempotency key → 2xx answers given
	mails    map[string]int // Message-ID → mails accepted
	mailFail int
	// kill, when set, SIGKILLs the current server; it is called from
	// within a request, so the server dies mid-delivery.
	kill      func()
	killEvery int
	kills     int
	maxKills  int
}

func (rc *crashReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if err := webhook.Verify(crashSecret, r.Header, body, time.Now(), webhook.MaxAge); err != nil {
		rc.badSig++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(webhook.HeaderIdempotency)
	if rc.kill != nil && rc.kills < rc.maxKills && rc.requests%rc.killEvery == 0 {
		rc.kills++
		// Half the kills land after the receiver took the message (the
		// sender cannot know it arrived), half before.
		if rc.kills%2 == 0 {
			rc.accepted[key]++
		}
		rc.kill()
		rc.kill = nil
		w.WriteHeader(http.StatusOK)
		return
	}
	if rc.rng.IntN(3) == 0 {
		rc.failed++
		http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
		return
	}
	rc.accepted[key]++
}

// judgeMail is the mail server's answer to a message: like the webhook,
// it refuses a third of them for now (451), and counts the others by
// their Message-ID, which Beacon derives from the delivery key.
func (rc *crashReceiver) judgeMail(data []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "554 5.6.0 unreadable message"
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.rng.IntN(3) == 0 {
		rc.mailFail++
		return "451 4.3.0 Try again later"
	}
	rc.mails[m.Header.Get("Message-ID")]++
	return ""
}

func (rc *crashReceiver) killCount() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.kills
}

const crashSecret = "crash-test-secret-0123456789"

// TestAlertDeliveryAcrossCrashes: a real beacon serve delivers one event
// per breaching branch of four rules to a webhook receiver and to a mail
// server, each failing a third of the time, and is killed with SIGKILL
// mid-delivery and restarted four times. Every event arrives on both
// channels, and each is counted exactly once: the webhook's by its
// Idempotency-Key header, the mail's by its Message-ID.
func TestAlertDeliveryAcrossCrashes(t *testing.T) {
	db := copyBank(t)
	branches := countBranches(t, db)
	rc := &crashReceiver{rng: rand.New(rand.NewPCG(1, 2)), accepted: map[string]int{}, mails: map[string]int{}, killEvery: 17, maxKills: 4}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	smtp := notifytest.NewSMTPServer(t)
	smtp.OnData(rc.judgeMail)
	t.Setenv("BEACON_SMTP_PASSWORD", notifytest.SMTPPassword)

	// Two of the rules also send by e-mail (fewer mails keep the test short).
	const rules, mailRules, senders = 4, 2, 2
	var b strings.Builder
	fmt.Fprintf(&b, "channels:\n  - {name: receiver, type: webhook, url: %q, secret: \"${BEACON_TEST_HOOK_SECRET}\"}\n"+
		"  - {name: mail, type: email, host: 127.0.0.1, port: %d, username: %s, ca_file: %q, from: beacon@bank.example, to: [ops@bank.example]}\nrules:\n",
		hook.URL, smtp.Port, notifytest.SMTPUser, smtp.CAFile)
	for i := 0; i < rules; i++ {
		// Every branch breaches: one event per branch and rule.
		fmt.Fprintf(&b, "  - id: r%d\n    name: rule %d\n    query: {metrics: [churn_rate], dimensions: [branch], time: {range: last_month}}\n"+
			"    condition: {kind: threshold, above: -%d}\n    schedule: {cron: \"0 9 1 1 *\", time_zone: Asia/Shanghai}\n"+
			"    channels: [{name: receiver}%s]\n    owner: {subject: ops}\n", i, i, i+1, map[bool]string{true: ", {name: mail}"}[i < mailRules])
	}
	file := filepath.Join(t.TempDir(), "alerts.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BEACON_TEST_HOOK_SECRET", crashSecret)
	want, wantMail := rules*branches, mailRules*branches

	restarts := 0
	deadline := time.Now().Add(8 * time.Minute) // a hang guard, not a measure
	var p *proc
	killsAtStart := 0
	for time.Now().Before(deadline) {
		if p != nil && !p.alive() && killsAtStart == rc.killCount() {
			t.Fatalf("beacon serve exited on its own: %v\n%s", p.err, p.logs.String())
		}
		if p == nil || !p.alive() {
			p = start(t, db, 0, "--alerts", file, "--alerts-interval", "100ms", "--alerts-backoff", "100ms", "--alerts-senders", strconv.Itoa(senders))
			cur := p
			rc.mu.Lock()
			killsAtStart = rc.kills
			rc.kill = func() { _ = cur.cmd.Process.Kill() }
			rc.mu.Unlock()
			restarts++
		}
		rc.mu.Lock()
		done := len(rc.accepted) == want && len(rc.mails) == wantMail && rc.kills == rc.maxKills
		rc.mu.Unlock()
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the last server settle: nothing more may arrive.
	time.Sleep(time.Second)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	redelivered, lost := 0, want
	for key, n := range rc.accepted {
		if n > 1 {
			redelivered += n - 1
		}
		if !strings.Contains(key, "|firing|receiver") {
			t.Errorf("unexpected notice %q", key)
		}
		lost--
	}
	mailAgain := 0
	for _, n := range rc.mails {
		mailAgain += n - 1
	}
	t.Logf("events %d (and %d by e-mail), kills %d, starts %d; webhook: requests %d (failed on purpose %d), distinct events received %d (counted once each by Idempotency-Key), lost %d, resends after a kill left the answer unread %d; e-mail: refused on purpose %d, distinct mails %d (by Message-ID), resent %d",
		want, wantMail, rc.kills, restarts, rc.requests, rc.failed, len(rc.accepted), lost, redelivered, rc.mailFail, len(rc.mails), mailAgain)
	if len(rc.mails) != wantMail {
		t.Errorf("the mail server received %d distinct mails, want %d", len(rc.mails), wantMail)
	}
	redelivered += mailAgain
	if rc.badSig > 0 {
		t.Errorf("%d requests were not signed correctly", rc.badSig)
	}
	if lost != 0 || len(rc.accepted) != want {
		t.Fatalf("received %d distinct events, want %d", len(rc.accepted), want)
	}
	if rc.kills < 3 {
		t.Fatalf("only %d kills happened", rc.kills)
	}
	// A resend happens only for a message whose answer the killed server
	// never read or never recorded: the one the kill landed in, when after
	// acceptance (every other kill), and at most the other senders' slots
	// (webhook or mail).
	if most := rc.kills/2 + rc.kills*(senders-1); redelivered > most {
		t.Errorf("%d messages were accepted more than once; at most %d could be in doubt", redelivered, most)
	}
}

// countBranches counts the branches of the bank by hand SQL: every rule
// of the crash test sends one event per branch.
func countBranches(t *testing.T, path string) int {
	t.Helper()
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Rows(context.Background(), `SELECT count(*) FROM branches`)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	_ = json.Unmarshal([]byte(fmt.Sprint(rows[0][0])), &n)
	return n
}
