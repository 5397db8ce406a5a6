package notify_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/notifytest"
)

func TestPostClassifiesAnswers(t *testing.T) {
	for _, tc := range []struct {
		status    int
		header    string
		wantErr   bool
		wantRetry bool
		wantAfter time.Duration
	}{
		{200, "", false, false, 0},
		{204, "", false, false, 0},
		{400, "", true, false, 0},
		{403, "", true, false, 0},
		{404, "", true, false, 0},
		{408, "", true, true, 0},
		{429, "120", true, true, 2 * time.Minute},
		{429, "Mon, 30 Nov 2026 01:00:30 GMT", true, true, 30 * time.Second}, // an HTTP date, 30 s after the fake now
		{500, "", true, true, 0},
		{503, "5", true, true, 5 * time.Second},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.header != "" {
				w.Header().Set("Retry-After", tc.header)
			}
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte("answer"))
		}))
		p := notify.Poster{Client: notify.NewHTTPClient(), Clock: notifytest.NewClock(time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)), Channel: "test"}
		resp, err := p.Post(context.Background(), srv.URL, "text/plain", []byte("x"), nil)
		srv.Close()
		var se *notify.SendError
		if tc.wantErr != (err != nil) || (err != nil && (!errors.As(err, &se) || se.Retry != tc.wantRetry || se.RetryAfter != tc.wantAfter || se.Status != tc.status || se.Answer != "answer")) {
			t.Errorf("status %d: %+v, %v", tc.status, resp, err)
		}
	}
}

func TestPostReadsBoundedAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		chunk := []byte(strings.Repeat("x", 1<<16))
		for i := 0; i < 64; i++ { // 4 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	p := notify.Poster{Client: notify.NewHTTPClient(), Clock: notify.SystemClock{}, Channel: "test"}
	resp, err := p.Post(context.Background(), srv.URL, "text/plain", nil, nil)
	var se *notify.SendError
	if !errors.As(err, &se) || len(resp.Body) != notify.MaxAnswerRead || len(se.Answer) > notify.MaxAnswerKept {
		t.Errorf("read %d bytes, kept %d; want %d and at most %d", len(resp.Body), len(se.Answer), notify.MaxAnswerRead, notify.MaxAnswerKept)
	}
}

func TestNetworkErrorsHideTheURLAndAreRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	p := notify.Poster{Client: notify.NewHTTPClient(), Clock: notify.SystemClock{}, Channel: "test"}
	_, err = p.Post(context.Background(), "http://"+addr+"/robot/send?access_token=tok-0123456789", "text/plain", nil, nil)
	var se *notify.SendError
	if !errors.As(err, &se) || !se.Retry || se.Status != 0 {
		t.Fatalf("err %v, want a retryable network error", err)
	}
	if strings.Contains(err.Error(), "tok-0123456789") || !strings.Contains(err.Error(), "access_token=***") {
		t.Errorf("error shows the token: %v", err)
	}
}

func TestSilentProviderTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	client := notify.NewHTTPClient()
	client.Timeout = 200 * time.Millisecond
	p := notify.Poster{Client: client, Clock: notify.SystemClock{}, Channel: "test"}
	_, err := p.Post(context.Background(), srv.URL, "text/plain", nil, nil)
	var se *notify.SendError
	if !errors.As(err, &se) || !se.Retry {
		t.Errorf("err %v, want a retryable timeout", err)
	}
}
