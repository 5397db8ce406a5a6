package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxAnswerRead bounds how much of a provider's answer is read: providers
// answer a few hundred bytes, and a hostile endpoint must not fill memory.
const MaxAnswerRead = 64 << 10

// MaxAnswerKept bounds the answer kept in a Receipt or SendError (and so in
// the delivery log).
const MaxAnswerKept = 2 << 10

// NewHTTPClient returns a client with timeouts on every phase, so that a
// provider that accepts the connection and then says nothing cannot hold a
// delivery for ever.
func NewHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 15 * time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   4,
		},
		// A webhook that redirects is misconfigured; following it could
		// carry the signed body somewhere unexpected.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Response is a provider's answer to one HTTP request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte // at most MaxAnswerRead bytes
}

// Receipt turns a successful answer into a Receipt.
func (r Response) Receipt() Receipt {
	return Receipt{Status: r.Status, Answer: ClipAnswer(string(r.Body))}
}

// Poster sends one HTTP request for a channel and classifies the outcome.
type Poster struct {
	Client  *http.Client
	Clock   Clock
	Channel string
}

// PostJSON encodes v and posts it.
func (p Poster) PostJSON(ctx context.Context, rawURL string, v any, header http.Header) (Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return Response{}, &SendError{Channel: p.Channel, Err: fmt.Errorf("encode payload: %w", err)}
	}
	return p.Post(ctx, rawURL, "application/json; charset=utf-8", body, header)
}

// Post sends body and reads a bounded answer. A network error, a 408, a 429
// or a 5xx is a retryable *SendError; any other status outside 2xx is a
// refusal. A 2xx answer is returned for the channel to read the provider's
// own error fields.
func (p Poster) Post(ctx context.Context, rawURL, contentType string, body []byte, header http.Header) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return Response{}, &SendError{Channel: p.Channel, Err: fmt.Errorf("build request for %s: %w", RedactURL(rawURL), err)}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "Beacon")
	resp, err := p.Client.Do(req)
	if err != nil {
		return Response{}, &SendError{Channel: p.Channel, Retry: true, Err: scrubURLError(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerRead))
	// Drain a little more so the connection can be reused; never all of it.
	_, _ = io.CopyN(io.Discard, resp.Body, MaxAnswerRead)
	out := Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if err != nil {
		return out, &SendError{Channel: p.Channel, Status: resp.StatusCode, Retry: true, Err: fmt.Errorf("read answer: %w", scrubURLError(err))}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return out, nil
	}
	return out, StatusError(p.Channel, resp.StatusCode, resp.Header, data, p.Clock.Now())
}

// StatusError is the SendError for an HTTP status outside 2xx.
func StatusError(channel string, status int, h http.Header, body []byte, now time.Time) *SendError {
	retry := status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
	return &SendError{
		Channel:    channel,
		Status:     status,
		Answer:     ClipAnswer(string(body)),
		Retry:      retry,
		RetryAfter: ParseRetryAfter(h.Get("Retry-After"), now),
	}
}

// ParseRetryAfter reads a Retry-After header, in seconds or as an HTTP date;
// it returns 0 when there is none or it cannot be read.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// ClipAnswer shortens a provider's answer for keeping.
func ClipAnswer(s string) string {
	return Clip(strings.TrimSpace(s), MaxAnswerKept)
}

// scrubURLError drops the request URL from a transport error: webhook URLs
// carry their tokens (DingTalk's access_token, Slack's and Feishu's path),
// and errors end up in logs and the delivery log.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, RedactURL(ue.URL), ue.Err)
	}
	return err
}
