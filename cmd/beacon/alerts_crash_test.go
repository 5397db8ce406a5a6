package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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

// crashReceiver is a webhook endpoint, a mail server's judge and a
// DingTalk robot. The webhook and the mail fail a third of the time, the
// robot a quarter; now and then a request kills the sending server while
// it waits for the answer.
type crashReceiver struct {
	mu       sync.Mutex
	rng      *rand.Rand
	requests int
	failed   int
	badSig   int
	accepted map[string]int // idempotency key → 2xx answers given
	mails    map[string]int // Message-ID → mails accepted
	mailFail int
	// The robot's side: it takes no key, so it counts messages by their
	// title, one per event, and how many of them say they are resent.
	robotRequests, robotFailed, robotBadSig int
	robotGot                                map[string]int // title → messages shown in the group
	robotMarked                             map[string]int // title → of which marked as sent again
	robotUnknown                            []string       // titles of no event of the robot's rule
	// kill, when set, SIGKILLs the current server; it is called from
	// within a request, so the server dies mid-delivery.
	kill func()
	// Kills: in the webhook's requests (the first before the receiver
	// took the message, the second after) and in the robot's (after the
	// robot showed it: the case a robot's resend can duplicate).
	hookKills, robotKills   int
	hookKillAt, robotKillAt []int // request numbers from which to kill
}

func (rc *crashReceiver) kills() int { return rc.hookKills + rc.robotKills }

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
	if rc.kill != nil && rc.hookKills < len(rc.hookKillAt) && rc.requests >= rc.hookKillAt[rc.hookKills] {
		rc.hookKills++
		// The first kill lands before the receiver took the message, the
		// second after (the sender cannot know it arrived).
		if rc.hookKills%2 == 0 {
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

// robot answers as a DingTalk custom robot: it checks the access token
// and the signature as DingTalk does (HmacSHA256 keyed by the secret over
// the millisecond timestamp, "\n" and the secret; base64; a timestamp
// within an hour), reads the markdown message, and answers 200 with an
// errcode; a quarter of the time it fails (HTTP 500 or errcode -1, busy).
func (rc *crashReceiver) robot(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	q := r.URL.Query()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.robotRequests++
	mac := hmac.New(sha256.New, []byte(crashRobotSecret))
	mac.Write([]byte(q.Get("timestamp") + "\n" + crashRobotSecret))
	ms, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if r.URL.Path != "/robot/send" || q.Get("access_token") != crashRobotToken || err != nil ||
		q.Get("sign") != base64.StdEncoding.EncodeToString(mac.Sum(nil)) || time.Since(time.UnixMilli(ms)).Abs() > time.Hour {
		rc.robotBadSig++
		fmt.Fprint(w, `{"errcode":310000,"errmsg":"sign not match"}`)
		return
	}
	var p struct {
		MsgType  string `json:"msgtype"`
		Markdown struct{ Title, Text string }
	}
	if err := json.Unmarshal(body, &p); err != nil || p.MsgType != "markdown" || p.Markdown.Title == "" {
		rc.robotBadSig++
		fmt.Fprint(w, `{"errcode":40035,"errmsg":"invalid message"}`)
		return
	}
	show := func() {
		rc.robotGot[p.Markdown.Title]++
		if strings.Contains(p.Markdown.Text, "（补发：") {
			rc.robotMarked[p.Markdown.Title]++
		}
		if !strings.HasPrefix(p.Markdown.Title, "【告警】robot rule：") {
			rc.robotUnknown = append(rc.robotUnknown, p.Markdown.Title)
		}
	}
	if rc.kill != nil && rc.robotKills < len(rc.robotKillAt) && rc.robotRequests >= rc.robotKillAt[rc.robotKills] {
		rc.robotKills++
		show() // the group shows it; the sender dies before reading the answer
		rc.kill()
		rc.kill = nil
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
		return
	}
	switch rc.rng.IntN(8) {
	case 0:
		rc.robotFailed++
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	case 1:
		rc.robotFailed++
		fmt.Fprint(w, `{"errcode":-1,"errmsg":"系统繁忙"}`)
		return
	}
	show()
	fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
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
	return rc.kills()
}

const (
	crashSecret      = "crash-test-secret-0123456789"
	crashRobotToken  = "crashrobot0123456789abcdef"
	crashRobotSecret = "SECcrash0123456789abcdef0123456789abcdef0123456789abcdef01234567"
)

// TestAlertDeliveryAcrossCrashes: a real beacon serve, with its default
// number of senders, delivers one event per breaching branch of four rules
// to a webhook receiver and to a mail server, each failing a third of the
// time, and of a fifth rule (a branch head's, twelve branches) to a
// DingTalk robot that fails a quarter of the time; it is killed with
// SIGKILL mid-delivery and restarted four times, twice inside a webhook
// request and twice inside a robot request just after the robot showed
// the message. Every event arrives on every channel. The webhook and the
// mail server count each exactly once (by Idempotency-Key and
// Message-ID); the robot, which takes no key, shows at most one message
// twice per kill (only one message per robot is ever in flight), and each
// second copy says it is one.
func TestAlertDeliveryAcrossCrashes(t *testing.T) {
	db := copyBank(t)
	names := branchNames(t, db)
	branches := len(names)
	rc := &crashReceiver{rng: rand.New(rand.NewPCG(1, 2)), accepted: map[string]int{}, mails: map[string]int{},
		robotGot: map[string]int{}, robotMarked: map[string]int{}, hookKillAt: []int{17, 34}, robotKillAt: []int{3, 8}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	robot := httptest.NewServer(http.HandlerFunc(rc.robot))
	defer robot.Close()
	smtp := notifytest.NewSMTPServer(t)
	smtp.OnData(rc.judgeMail)
	t.Setenv("BEACON_SMTP_PASSWORD", notifytest.SMTPPassword)

	// Two of the rules also send by e-mail (fewer mails keep the test short).
	const rules, mailRules, robotBranches, senders = 4, 2, 12, 8 // senders: serve's default
	var b strings.Builder
	fmt.Fprintf(&b, "channels:\n  - {name: receiver, type: webhook, url: %q, secret: \"${BEACON_TEST_HOOK_SECRET}\"}\n"+
		"  - {name: mail, type: email, host: 127.0.0.1, port: %d, username: %s, ca_file: %q, from: beacon@bank.example, to: [ops@bank.example]}\n"+
		"  - {name: robot, type: dingtalk, url: %q, secret: %q}\nrules:\n",
		hook.URL, smtp.Port, notifytest.SMTPUser, smtp.CAFile, robot.URL+"/robot/send?access_token="+crashRobotToken, crashRobotSecret)
	for i := 0; i < rules; i++ {
		// Every branch breaches: one event per branch and rule.
		fmt.Fprintf(&b, "  - id: r%d\n    name: rule %d\n    query: {metrics: [churn_rate], dimensions: [branch], time: {range: last_month}}\n"+
			"    condition: {kind: threshold, above: -%d}\n    schedule: {cron: \"0 9 1 1 *\", time_zone: Asia/Shanghai}\n"+
			"    channels: [{name: receiver}%s]\n    owner: {subject: ops}\n", i, i, i+1, map[bool]string{true: ", {name: mail}"}[i < mailRules])
	}
	// The robot's rule belongs to a head of twelve branches: twelve events,
	// within the robot's 20 messages a minute.
	scope, _ := json.Marshal(names[:robotBranches])
	fmt.Fprintf(&b, "  - id: robot-rule\n    name: robot rule\n    query: {metrics: [churn_rate], dimensions: [branch], time: {range: last_month}}\n"+
		"    condition: {kind: threshold, above: -1}\n    schedule: {cron: \"0 9 1 1 *\", time_zone: Asia/Shanghai}\n"+
		"    channels: [{name: robot}]\n    owner: {subject: branch-head, scope: {branch: %s}}\n", scope)
	file := filepath.Join(t.TempDir(), "alerts.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BEACON_TEST_HOOK_SECRET", crashSecret)
	want, wantMail := rules*branches, mailRules*branches
	maxKills := len(rc.hookKillAt) + len(rc.robotKillAt)

	restarts := 0
	deadline := time.Now().Add(5 * time.Minute) // a hang guard, not a measure
	var p *proc
	killsAtStart := 0
	for time.Now().Before(deadline) {
		if p != nil && !p.alive() && killsAtStart == rc.killCount() {
			t.Fatalf("beacon serve exited on its own: %v\n%s", p.err, p.logs.String())
		}
		if p == nil || !p.alive() {
			// One owner sends every event here: the pacing per owner
			// (--alerts-owner-rate) is not what this test is about.
			p = start(t, db, 0, "--alerts", file, "--alerts-interval", "100ms", "--alerts-backoff", "100ms", "--alerts-owner-rate", "0")
			cur := p
			rc.mu.Lock()
			killsAtStart = rc.kills()
			rc.kill = func() { _ = cur.cmd.Process.Kill() }
			rc.mu.Unlock()
			restarts++
		}
		rc.mu.Lock()
		done := len(rc.accepted) == want && len(rc.mails) == wantMail && len(rc.robotGot) == robotBranches && rc.kills() == maxKills
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
	robotTwice, robotMarked := 0, 0
	for title, n := range rc.robotGot {
		robotTwice += n - 1
		robotMarked += rc.robotMarked[title]
		// A second copy is only ever a resend, which says so.
		if n > 1 && rc.robotMarked[title] < n-1 {
			t.Errorf("the robot showed %q %d times, %d of them marked as sent again; want every repeat marked", title, n, rc.robotMarked[title])
		}
	}
	t.Logf("senders %d; events %d by webhook, %d by e-mail, %d by robot; kills %d (webhook %d, robot %d), starts %d; "+
		"webhook: requests %d (failed on purpose %d), distinct events %d (each counted once by Idempotency-Key), lost %d, resent after a kill %d; "+
		"e-mail: refused on purpose %d, distinct mails %d (by Message-ID), resent %d; "+
		"robot: requests %d (failed on purpose %d), distinct events shown %d, shown twice %d, messages marked as resent %d",
		senders, want, wantMail, robotBranches, rc.kills(), rc.hookKills, rc.robotKills, restarts,
		rc.requests, rc.failed, len(rc.accepted), lost, redelivered,
		rc.mailFail, len(rc.mails), mailAgain,
		rc.robotRequests, rc.robotFailed, len(rc.robotGot), robotTwice, robotMarked)
	if len(rc.mails) != wantMail {
		t.Errorf("the mail server received %d distinct mails, want %d", len(rc.mails), wantMail)
	}
	if rc.badSig > 0 || rc.robotBadSig > 0 {
		t.Errorf("%d webhook and %d robot requests were not signed or shaped as the provider requires", rc.badSig, rc.robotBadSig)
	}
	if len(rc.robotUnknown) > 0 {
		t.Errorf("the robot showed messages of no event of its rule: %q", rc.robotUnknown)
	}
	if len(rc.robotGot) != robotBranches {
		t.Errorf("the robot showed %d distinct events, want %d (one per branch of its owner)", len(rc.robotGot), robotBranches)
	}
	if lost != 0 || len(rc.accepted) != want {
		t.Fatalf("received %d distinct events, want %d", len(rc.accepted), want)
	}
	if rc.kills() < maxKills {
		t.Fatalf("only %d kills happened (webhook %d, robot %d), want %d", rc.kills(), rc.hookKills, rc.robotKills, maxKills)
	}
	// One robot: at most one of its messages is in flight or unrecorded
	// when a kill lands, so at most one shows twice per kill.
	if robotTwice > rc.kills() {
		t.Errorf("the robot showed %d messages twice after %d kills; at most one per kill may be in doubt", robotTwice, rc.kills())
	}
	// Everything resent came from what was in doubt at a kill: at most
	// the senders' slots each time.
	if most := rc.kills() * senders; redelivered+mailAgain+robotTwice > most {
		t.Errorf("%d messages were accepted more than once; at most %d could be in doubt", redelivered+mailAgain+robotTwice, most)
	}
}

// branchNames lists the bank's branches by hand SQL: every rule of the
// crash test sends one event per branch (of its owner's scope).
func branchNames(t *testing.T, path string) []string {
	t.Helper()
	db, err := warehouse.Open(context.Background(), path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Rows(context.Background(), `SELECT DISTINCT branch_name FROM branches ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprint(r[0]))
	}
	if len(out) < 12 {
		t.Fatalf("the bank has %d branches, want at least 12", len(out))
	}
	return out
}
