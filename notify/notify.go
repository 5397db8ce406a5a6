// Package notify defines the message that Beacon pushes and the interface
// every channel implements. Each channel (DingTalk, WeCom, Feishu, Slack, a
// generic webhook, e-mail) lives in its own sub-package and imports nothing
// of Beacon's but this one.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Kind says why a message is sent.
type Kind string

// The kinds of message.
const (
	KindFiring   Kind = "firing"   // an alert rule broke its condition
	KindResolved Kind = "resolved" // a firing alert cleared
	KindReport   Kind = "report"   // a subscribed report was due
	KindTest     Kind = "test"     // a test send asked for by a user
)

// Message is one push, already worded: channels lay it out in their own
// format but never compute or reword its figures.
type Message struct {
	// Key is the idempotency key of the delivery (rule, group, event and
	// channel); channels that accept one pass it on.
	Key  string
	Kind Kind
	// KindText, when set, is the kind's word in the heading in place of
	// KindLabel's, for a sender that words it more finely (a repeat of a
	// firing alert: 告警·仍未恢复). Title never repeats it: Subject adds it.
	KindText string `json:",omitempty"`
	// Lang is "zh" or "en".
	Lang  string
	Title string
	// Lines are the body's paragraphs in plain text, most important first.
	Lines []string
	// Figures are the headline numbers, already formatted.
	Figures []Figure
	// Link points at the full report; empty when no public URL is set.
	Link string
	// Image is the chart as a PNG; nil when none could be drawn.
	Image *Image
	// At is when the event happened.
	At time.Time
	// TimeZone is the IANA zone At is told in (the rule's schedule zone,
	// where its readers are); empty tells At in its own zone.
	TimeZone string `json:",omitempty"`
}

// Figure is one headline number with its change.
type Figure struct {
	Label  string // 流失率 / churn rate
	Value  string // 0.82%
	Change string // 环比 +0.12 个百分点; empty when none
	// Trend is -1, 0 or 1 for an arrow; 0 when there is no change.
	Trend int
}

// Image is a PNG and, when Beacon serves it, an unguessable expiring URL
// for channels that can only show images by link.
type Image struct {
	PNG []byte
	URL string
}

// Notifier sends messages to one configured destination.
type Notifier interface {
	// Channel names the channel, e.g. "dingtalk".
	Channel() string
	// Send delivers msg once. It returns a *SendError for a failed attempt,
	// saying whether a retry may succeed.
	Send(ctx context.Context, msg Message) (Receipt, error)
}

// Receipt is what the provider answered to a delivered message.
type Receipt struct {
	Status int    // HTTP status, or 250 for SMTP
	Answer string // the provider's answer body, clipped
}

// SendError is a failed attempt.
type SendError struct {
	Channel string
	Status  int    // HTTP status, or 0 for a network error
	Answer  string // the provider's answer, clipped
	// Retry says whether a later attempt may succeed (5xx, 429, network
	// errors and throttling) as against a message the provider refuses.
	Retry bool
	// RetryAfter is the provider's requested wait, when it gave one.
	RetryAfter time.Duration
	Err        error
}

func (e *SendError) Error() string {
	msg := e.Channel + ": send failed"
	if e.Status != 0 {
		msg += ": status " + strconv.Itoa(e.Status)
	}
	if e.Answer != "" {
		msg += ": " + e.Answer
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *SendError) Unwrap() error { return e.Err }

// Keyless is implemented by the notifiers of providers that take no
// idempotency key: the chat robots (DingTalk, WeCom, Feishu, Slack). A
// message sent again after an outcome that was never read (the sender
// died while the provider answered) shows twice in the group, so a
// sender keeps at most one message per destination in flight, and a
// crash leaves at most one in doubt per robot.
type Keyless interface {
	Notifier
	// Destination names the robot: the same for every notifier that
	// posts to it, whatever the channel is called or whom it @s. It is a
	// digest, never the address, which holds the robot's token.
	Destination() string
}

// DestinationOf digests a channel type and the parts of a robot's address
// that identify it into a Keyless destination.
func DestinationOf(channel string, address ...string) string {
	h := sha256.New()
	h.Write([]byte(channel))
	for _, a := range address {
		h.Write([]byte{0})
		h.Write([]byte(a))
	}
	return channel + ":" + hex.EncodeToString(h.Sum(nil)[:12])
}
