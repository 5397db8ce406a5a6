package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/notifytest"
	"github.com/beaconbi/beacon/notify/webhook"
)

const secret = "whsec-3f9a1c0b7d2e4f6a"

// delivery is what the receiver accepted.
type delivery struct {
	key  string
	ts   int64
	body webhook.Body
	raw  []byte
}

// receiver checks each request the way docs/notify.md tells receivers to:
// recompute the HMAC over timestamp + "." + body, refuse a timestamp more
// than five minutes off, and drop a repeated idempotency key.
type receiver struct {
	t       *testing.T
	clock   *notifytest.Clock
	mu      sync.Mutex
	replies []int
	seen    map[string]bool
	got     []delivery
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("X-Beacon-Timestamp")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(raw)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(r.Header.Get("X-Beacon-Signature")), []byte(want)) {
		rc.t.Errorf("signature %q, want %q", r.Header.Get("X-Beacon-Signature"), want)
		w.WriteHeader(401)
		return
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if d := rc.clock.Now().Sub(time.Unix(sec, 0)); err != nil || d > 5*time.Minute || d < -5*time.Minute {
		rc.t.Errorf("timestamp %q off by %v", ts, d)
		w.WriteHeader(401)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.replies) > 0 {
		code := rc.replies[0]
		rc.replies = rc.replies[1:]
		w.WriteHeader(code)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if rc.seen[key] {
		w.WriteHeader(200) // already have it: accept, do not count
		return
	}
	rc.seen[key] = true
	var b webhook.Body
	if err := json.Unmarshal(raw, &b); err != nil {
		rc.t.Errorf("body: %v", err)
	}
	rc.got = append(rc.got, delivery{key: key, ts: sec, body: b, raw: raw})
	w.WriteHeader(204)
}

func setup(t *testing.T, replies ...int) (*webhook.Hook, *receiver, *notifytest.Clock) {
	t.Helper()
	clock := notifytest.NewClock(notifytest.Start)
	rc := &receiver{t: t, clock: clock, replies: replies, seen: map[string]bool{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	n, err := webhook.New(webhook.Config{URL: srv.URL + "/beacon", Secret: secret}, notify.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return n, rc, clock
}

func TestSendSignedJSON(t *testing.T) {
	n, rc, _ := setup(t)
	msg := notifytest.Message()
	rec, err := n.Send(context.Background(), msg)
	if err != nil || rec.Status != 204 {
		t.Fatalf("%+v %v", rec, err)
	}
	d := rc.got[0]
	if d.key != msg.Key || d.ts != notifytest.Start.Unix() {
		t.Errorf("key %q ts %d", d.key, d.ts)
	}
	b := d.body
	png, _ := base64.StdEncoding.DecodeString(b.Image.PNG)
	if b.Key != msg.Key || b.Kind != "firing" || b.Title != msg.Title || len(b.Lines) != 2 || len(b.Figures) != 2 ||
		b.Figures[0] != (webhook.Figure{Label: "流失率", Value: "0.82%", Change: "环比 +0.12 个百分点", Trend: 1}) ||
		b.Link != msg.Link || b.At != "2026-11-30T09:00:00+08:00" || b.Image.URL != msg.Image.URL || !bytes.Equal(png, msg.Image.PNG) {
		t.Errorf("body %+v", b)
	}
}

func TestRetriesDeliverOnce(t *testing.T) {
	n, rc, clock := setup(t, 503, 429, 502)
	var attempts []notify.Attempt
	_, err := notify.Deliver(context.Background(), n, notifytest.Message(), notify.Policy{Clock: clock}, func(a notify.Attempt) { attempts = append(attempts, a) })
	if err != nil {
		t.Fatal(err)
	}
	if len(attempts) != 4 || len(rc.got) != 1 {
		t.Errorf("%d attempts, %d deliveries", len(attempts), len(rc.got))
	}
	// A second send of the same message is signed afresh and deduplicated
	// by the receiver through its key.
	if _, err := n.Send(context.Background(), notifytest.Message()); err != nil || len(rc.got) != 1 {
		t.Errorf("resend: %v, %d deliveries", err, len(rc.got))
	}
}

func TestRefusalNotRetried(t *testing.T) {
	n, _, clock := setup(t, 410)
	var calls int
	_, err := notify.Deliver(context.Background(), n, notifytest.Message(), notify.Policy{Clock: clock}, func(notify.Attempt) { calls++ })
	var se *notify.SendError
	if !errors.As(err, &se) || se.Retry || se.Status != 410 || calls != 1 {
		t.Errorf("err %v, %d calls", err, calls)
	}
}

func TestVerify(t *testing.T) {
	n, rc, clock := setup(t)
	if _, err := n.Send(context.Background(), notifytest.Message()); err != nil {
		t.Fatal(err)
	}
	d := rc.got[0]
	ts := strconv.FormatInt(d.ts, 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(d.raw)))
	h := http.Header{}
	h.Set(webhook.HeaderTimestamp, ts)
	h.Set(webhook.HeaderSignature, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	now := clock.Now()
	tampered := bytes.Replace(d.raw, []byte("0.82%"), []byte("0.12%"), 1)
	for _, tc := range []struct {
		name   string
		secret string
		body   []byte
		now    time.Time
		want   error
	}{
		{"good", secret, d.raw, now, nil},
		{"four minutes late", secret, d.raw, now.Add(4 * time.Minute), nil},
		{"replayed six minutes later", secret, d.raw, now.Add(6 * time.Minute), webhook.ErrStale},
		{"tampered", secret, tampered, now, webhook.ErrBadSignature},
		{"wrong secret", "another-secret-0123", d.raw, now, webhook.ErrBadSignature},
	} {
		if err := webhook.Verify(tc.secret, h, tc.body, tc.now, webhook.MaxAge); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	h.Set(webhook.HeaderSignature, "md5=00")
	if err := webhook.Verify(secret, h, d.raw, now, webhook.MaxAge); !errors.Is(err, webhook.ErrNoSignature) {
		t.Errorf("malformed: %v", err)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  webhook.Config
		want string
	}{
		{webhook.Config{URL: "https://example.com/hook", Secret: secret}, ""},
		{webhook.Config{URL: "https://example.com/hook", Secret: "short"}, "secret"},
		{webhook.Config{URL: "ftp://example.com", Secret: secret}, "url"},
	} {
		_, err := webhook.New(tc.cfg, notify.Options{})
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%v: err %v, want %q", tc.cfg, err, tc.want)
		}
	}
	cfg := webhook.Config{URL: "https://example.com/hook?token=tok-123", Secret: secret}
	if s := fmt.Sprint(cfg, cfg.Redacted()); strings.Contains(s, secret) || strings.Contains(s, "tok-123") {
		t.Errorf("secret shown: %s", s)
	}
}

// TestIdempotencyKeyIsASCII: a key naming a group in Chinese (and a %)
// travels in the header as ASCII, and percent-decoding it gives the
// body's key, so that a receiver deduplicating on either agrees.
func TestIdempotencyKeyIsASCII(t *testing.T) {
	n, rc, _ := setup(t)
	msg := notifytest.Message()
	msg.Key = "rule:complaints:region=华南 50%:2026-11-29T15:17:00Z:firing"
	if _, err := n.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	d := rc.got[0]
	for i := 0; i < len(d.key); i++ {
		if d.key[i] < 0x20 || d.key[i] > 0x7e {
			t.Fatalf("header %q holds byte %#x at %d: not printable ASCII", d.key, d.key[i], i)
		}
	}
	back, err := url.PathUnescape(d.key)
	if err != nil || back != d.body.Key || back != msg.Key {
		t.Errorf("header %q decodes to %q (%v); body key %q, sent %q", d.key, back, err, d.body.Key, msg.Key)
	}
}
