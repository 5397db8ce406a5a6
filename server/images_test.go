package server_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/imagestore"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/server"
)

// imageServer serves the demo bank with authentication on and an image
// store whose clock the test moves.
func imageServer(t *testing.T) (base string, links *imagestore.Links, advance func(time.Duration)) {
	t.Helper()
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	store, err := imagestore.Open(imagestore.Config{Dir: t.TempDir(), TTL: 24 * time.Hour,
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Logger: quietLogger(),
		Auth: server.AuthConfig{Secret: secret}, Images: store})
	if err != nil {
		t.Fatal(err)
	}
	base = serveHTTP(t, srv)
	links, err = imagestore.NewLinks(store, base)
	if err != nil {
		t.Fatal(err)
	}
	return base, links, func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
}

func fetch(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// An image link works without credentials while it lives, on a server
// whose API requires them; then it is a 404 like any wrong link.
func TestImageLinksServeWithoutAuthUntilTheyExpire(t *testing.T) {
	base, links, advance := imageServer(t)
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)))
	url, err := links.Put(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, base+"/images/") || !strings.HasSuffix(url, ".png") {
		t.Fatalf("link %q", url)
	}
	if status, _, _ := fetch(t, base+"/api/v1/metrics"); status != http.StatusUnauthorized {
		t.Fatalf("the API answered %d without a token: auth is not on", status)
	}
	status, h, body := fetch(t, url)
	if status != 200 || !bytes.Equal(body, buf.Bytes()) {
		t.Fatalf("GET %s: %d, %d bytes; want 200 and the image", url, status, len(body))
	}
	if ct := h.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cc := h.Get("Cache-Control"); cc != "private, max-age=86400" {
		t.Fatalf("Cache-Control %q: want private, for the link's remaining day", cc)
	}
	if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("headers %v", h)
	}

	tok := strings.TrimSuffix(strings.TrimPrefix(url, base+"/images/"), ".png")
	wrong := []string{
		"/images/" + strings.Repeat("A", 22) + ".png", // well formed, unknown
		"/images/" + tok, // no .png
		"/images/" + tok + ".gif",
		"/images/" + tok[:21] + ".png",
		"/images/..%2f..%2fetc%2fpasswd.png",
		"/images/",
	}
	for _, p := range wrong {
		status, h, body := fetch(t, base+p)
		if status != 404 || !strings.Contains(h.Get("Content-Type"), "json") || !bytes.Contains(body, []byte(`"not_found"`)) {
			t.Errorf("GET %s: %d %q %s; want a 404 JSON error", p, status, h.Get("Content-Type"), body)
		}
	}

	advance(24 * time.Hour)
	if status, _, _ := fetch(t, url); status != 404 {
		t.Fatalf("expired link: %d, want 404", status)
	}
}

// Without a store configured, there is no image route.
func TestNoImageRouteWithoutAStore(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	if r := do(t, srv, "GET", "/images/"+strings.Repeat("A", 22)+".png", nil); r.status != 404 {
		t.Fatalf("got %d", r.status)
	}
}
