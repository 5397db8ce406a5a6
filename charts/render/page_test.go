package render

import (
	"context"
	"errors"
	"fmt"
	"image"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/beaconbi/beacon/web"
)

// site serves test pages on 127.0.0.1, with a second origin whose hits are
// counted: no page may reach it.
type site struct {
	*httptest.Server
	other     *httptest.Server
	otherHits atomic.Int64

	// slow pages wait for release; inSlow and maxSlow count them.
	release         chan struct{}
	mu              sync.Mutex
	inSlow, maxSlow int
}

const chartPageHTML = `<!doctype html><html><head><meta charset="utf-8">
<script src="/echarts.min.js"></script></head>
<body style="margin:0;background:#fff">
<div id="a" style="width:600px;height:300px"></div>
<div id="b" style="width:600px;height:300px"></div>
<img src="%s/tracker.png">
<script>
for (const id of ['a', 'b']) {
  const c = echarts.init(document.getElementById(id));
  c.setOption({animationDuration: 400, xAxis: {type: 'category', data: ['A', 'B']}, yAxis: {},
    series: [{type: 'bar', data: [2, 4], itemStyle: {color: '#0000ff'}}]});
}
</script></body></html>`

func newSite(t *testing.T) *site {
	t.Helper()
	ec, err := web.ECharts()
	if err != nil {
		t.Skip(err)
	}
	s := &site{release: make(chan struct{})}
	s.other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.otherHits.Add(1)
	}))
	t.Cleanup(s.other.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/echarts.min.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(ec)
	})
	mux.HandleFunc("/charts", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, chartPageHTML, s.other.URL)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><p>busy</p><script>while (true) {}</script>`)
	})
	mux.HandleFunc("/never", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><script>window.beaconReady = false</script><p>never ready</p>`)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.inSlow++
		s.maxSlow = max(s.maxSlow, s.inSlow)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inSlow--
			s.mu.Unlock()
		}()
		select {
		case <-s.release:
		case <-r.Context().Done():
		}
		fmt.Fprint(w, `<!doctype html><p>done</p>`)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Server.Close)
	return s
}

func (s *site) slow() (in, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inSlow, s.maxSlow
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestCapturePageWaitsForChartsAndBlocksOtherHosts(t *testing.T) {
	r := sharedRenderer(t)
	s := newSite(t)
	shot, err := r.CapturePage(t.Context(), s.URL+"/charts", 600, 0)
	if err != nil {
		t.Fatal(err)
	}
	if shot.Charts != 2 {
		t.Fatalf("the page drew %d charts, want 2", shot.Charts)
	}
	img := decode(t, shot.PNG)
	if got := img.Bounds().Size(); got.X != 600 || got.Y < 600 {
		t.Fatalf("image is %v, want 600 wide and the page's full height (at least 600)", got)
	}
	// Both charts are drawn in full: their bars (pure blue) are there, as
	// tall in the lower chart as in the upper one, so animation had ended.
	blue := func(y0, y1 int) (n int) {
		for y := y0; y < y1; y++ {
			for x := range 600 {
				r, g, b, _ := img.At(x, y).RGBA()
				if b>>8 > 240 && r>>8 < 20 && g>>8 < 20 {
					n++
				}
			}
		}
		return n
	}
	top, bottom := blue(0, 300), blue(300, 600)
	if top < 3000 || bottom != top {
		t.Fatalf("blue bar pixels: %d in the first chart, %d in the second; want the same, and many", top, bottom)
	}
	if n := s.otherHits.Load(); n != 0 {
		t.Fatalf("the page reached another origin %d times", n)
	}
	if len(shot.Blocked) != 1 || !strings.HasPrefix(shot.Blocked[0], s.other.URL) {
		t.Fatalf("blocked %q, want the one request to %s", shot.Blocked, s.other.URL)
	}
}

func TestRenderURLRefusesOtherHosts(t *testing.T) {
	r := newTestRenderer(t, Config{}) // never starts a browser
	for _, u := range []string{"http://example.com/", "file:///etc/passwd", "http://10.0.0.1/", "javascript:alert(1)", "http://user:pw@127.0.0.1/"} {
		if _, err := r.RenderURL(t.Context(), u, 800, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: got %v, want ErrInvalid", u, err)
		}
	}
	if s := r.Stats(); s.Starts != 0 {
		t.Fatalf("a browser was started for refused URLs: %+v", s)
	}
}

// A page that never finishes ends in the render's timeout, not the
// caller's; its tab is closed (its script terminated first), and the same
// browser renders the next chart.
func TestTimeoutStopsTheRenderAndTheBrowserCarriesOn(t *testing.T) {
	r := newTestRenderer(t, Config{PageTimeout: 10 * time.Second})
	s := newSite(t)
	ctx := testContext(t, 5*time.Minute)
	// The browser is running before the pages (its start does not count
	// against a render's timeout anyway).
	if _, err := r.RenderOption(ctx, titleOption("warm"), 400, 300); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/loop", "/never"} {
		_, err := r.RenderURL(ctx, s.URL+path, 800, 600)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "render took longer than 10s") {
			t.Fatalf("%s: got %v, want the render timeout", path, err)
		}
		if ctx.Err() != nil {
			t.Fatalf("%s: the caller's deadline passed first", path)
		}
	}
	// The stuck tabs go away and their slots come back.
	b := r.b
	waitFor(t, ctx, "the stuck tabs to close", func() bool {
		targets, err := chromedp.Targets(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			if strings.Contains(tg.URL, "/loop") || strings.Contains(tg.URL, "/never") {
				return false
			}
		}
		return r.Stats().Running == 0
	})
	png, err := r.RenderOption(ctx, titleOption("still here"), 400, 300)
	if err != nil {
		t.Fatal(err)
	}
	if got := decode(t, png).Bounds().Size(); got != image.Pt(400, 300) {
		t.Fatalf("image is %v", got)
	}
	if st := r.Stats(); st.Starts != 1 || st.Rendered != 2 {
		t.Fatalf("stats %+v: want the same browser throughout, and two images", st)
	}
}

// At most Tabs renders run at once; the rest wait their turn, and every one
// finishes. The page server counts the renders it serves at once.
func TestConcurrentRendersAreBounded(t *testing.T) {
	r := newTestRenderer(t, Config{Tabs: 2, PageTimeout: 2 * time.Minute})
	s := newSite(t)
	ctx := testContext(t, 3*time.Minute)
	const n = 5
	errs := make(chan error, n)
	for i := range n {
		go func() {
			// Distinct URLs: Chromium's cache makes requests for one URL
			// wait for each other.
			_, err := r.RenderURL(ctx, fmt.Sprintf("%s/slow?render=%d", s.URL, i), 400, 300)
			errs <- err
		}()
	}
	waitFor(t, ctx, "two renders in the page and three waiting", func() bool {
		in, _ := s.slow()
		st := r.Stats()
		return in == 2 && st.Running == 2 && st.Waiting == n-2
	})
	close(s.release)
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// A slot comes back once its tab is closed, just after the render.
	waitFor(t, ctx, "every slot back", func() bool { return r.Stats().Running == 0 })
	if _, most := s.slow(); most != 2 {
		t.Fatalf("the page server saw %d renders at once, want 2", most)
	}
	if st := r.Stats(); st.Rendered != n || st.Waiting != 0 {
		t.Fatalf("stats %+v after all finished", st)
	}
}

// A render that cannot get a slot before its context ends says so.
func TestWaitingForASlotEndsWithTheContext(t *testing.T) {
	r := newTestRenderer(t, Config{Tabs: 1, PageTimeout: 2 * time.Minute})
	s := newSite(t)
	ctx := testContext(t, 3*time.Minute)
	done := make(chan error, 1)
	go func() {
		_, err := r.RenderURL(ctx, s.URL+"/slow", 400, 300)
		done <- err
	}()
	waitFor(t, ctx, "the first render to hold the slot", func() bool { return r.Stats().Running == 1 })
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err := r.RenderOption(short, titleOption("waits"), 400, 300)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "wait for a render slot") {
		t.Fatalf("got %v, want a deadline while waiting for a slot", err)
	}
	close(s.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A browser that dies is started again on the next render.
func TestBrowserIsRestartedAfterItDies(t *testing.T) {
	r := newTestRenderer(t, Config{})
	ctx := testContext(t, 3*time.Minute)
	if _, err := r.RenderOption(ctx, titleOption("before"), 400, 300); err != nil {
		t.Fatal(err)
	}
	b := r.b
	if err := b.kill(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the renderer to notice the browser died", func() bool { return !b.alive() })
	png, err := r.RenderOption(ctx, titleOption("after"), 400, 300)
	if err != nil {
		t.Fatal(err)
	}
	decode(t, png)
	if st := r.Stats(); st.Starts != 2 {
		t.Fatalf("stats %+v: want a second browser start", st)
	}
}
