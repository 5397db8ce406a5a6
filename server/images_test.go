package server_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/charts/render"
	"github.com/beaconbi/beacon/imagestore"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/web"
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
		Auth: server.AuthConfig{Secret: secret}, Images: &server.Images{Store: store}})
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

// chartServer serves the demo bank with a renderer; it skips where
// Chromium is missing unless BEACON_REQUIRE_CHROMIUM is set.
func chartServer(t *testing.T, execPath string) *server.Server {
	t.Helper()
	ec, err := web.ECharts()
	if err != nil && execPath == "" {
		if os.Getenv("BEACON_REQUIRE_CHROMIUM") == "" && os.Getenv("BEACON_REQUIRE_ASSETS") == "" {
			t.Skip("assets not built: run `make assets`")
		}
		t.Fatal(err)
	}
	// Generous limits: the machine is shared with every other package's tests.
	r := render.New(render.Config{ECharts: ec, ExecPath: execPath, Logger: quietLogger(), Timeout: 2 * time.Minute})
	if !r.Available() && execPath == "" {
		if os.Getenv("BEACON_REQUIRE_CHROMIUM") == "" {
			t.Skip("no headless Chromium installed (make test installs it as root)")
		}
		t.Fatal("BEACON_REQUIRE_CHROMIUM is set but no Chromium was found")
	}
	t.Cleanup(func() { r.Close() })
	if r.Available() {
		// Start the browser before the requests, which have a deadline.
		if _, err := r.RenderOption(t.Context(), []byte(`{}`), 64, 64); err != nil {
			t.Fatal(err)
		}
	}
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Logger: quietLogger(),
		Images: &server.Images{Renderer: r}})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func TestChartPNGOfAMetricQuery(t *testing.T) {
	srv := chartServer(t, "")
	q := []byte(`{"metrics":["churn_rate"],"dimensions":["segment"]}`)
	r := do(t, srv, "POST", "/api/v1/charts/png?lang=zh&width=640&height=360", q)
	if r.status != 200 || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("got %d %q: %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	img, err := png.Decode(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != image.Pt(640, 360) {
		t.Fatalf("image is %v, want 640x360", got)
	}
	// Not a blank page: the chart has ink (dark pixels) and colour.
	ink, colour := 0, 0
	for y := range 360 {
		for x := range 640 {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			if r+g+b < 300 {
				ink++
			}
			if max(r, g, b)-min(r, g, b) > 80 {
				colour++
			}
		}
	}
	if ink < 500 || colour < 2000 {
		t.Fatalf("the chart looks empty: %d dark and %d coloured pixels", ink, colour)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
}

func TestChartPNGRefusesBadRequests(t *testing.T) {
	srv := chartServer(t, "")
	good := []byte(`{"metrics":["churn_rate"],"dimensions":["segment"]}`)
	for _, tc := range []struct {
		name, query string
		body        []byte
		field       string
	}{
		{"unknown language", "?lang=fr", good, "lang"},
		{"width too small", "?width=10", good, "width"},
		{"height not a number", "?height=tall", good, "height"},
		{"unknown metric", "", []byte(`{"metrics":["nope"]}`), "metrics[0]"},
		{"not JSON", "", []byte(`{"metrics":`), ""},
		{"nothing to draw", "", []byte(`{"metrics":["churn_rate"],"dimensions":["segment"],"filters":[{"dimension":"segment","op":"in","values":["none such"]}]}`), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, "POST", "/api/v1/charts/png"+tc.query, tc.body)
			checkError(t, r, 400, tc.field)
		})
	}
}

func TestChartPNGWithoutBrowserIs501(t *testing.T) {
	srv := chartServer(t, "/nonexistent/chromium")
	r := do(t, srv, "POST", "/api/v1/charts/png", []byte(`{"metrics":["churn_rate"],"dimensions":["segment"]}`))
	if r.status != 501 || !bytes.Contains(r.body, []byte("Chromium")) {
		t.Fatalf("got %d %s, want 501 saying Chromium is missing", r.status, r.body)
	}
}
