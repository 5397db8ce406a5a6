package render

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Shot is a page captured as an image, with what the page did that a
// report page must not.
type Shot struct {
	PNG []byte
	// Charts is how many ECharts charts the page drew.
	Charts int
	// Blocked lists the requests refused: anything not to the page's own
	// origin (first 20).
	Blocked []string
	// Errors lists the page's console errors and uncaught exceptions.
	Errors []string
}

// pageState is what the page hook reports.
type pageState struct {
	Ready  bool `json:"ready"`
	Charts int  `json:"charts"`
	Height int  `json:"height"`
}

// RenderURL captures a page Beacon serves on the loopback interface (a
// report) as a PNG width pixels wide and height high; height 0 takes the
// page's whole height (at most MaxPageHeight). See CapturePage.
func (r *Renderer) RenderURL(ctx context.Context, pageURL string, width, height int) ([]byte, error) {
	s, err := r.CapturePage(ctx, pageURL, width, height)
	if err != nil {
		return nil, err
	}
	return s.PNG, nil
}

// CapturePage opens pageURL in a fresh tab that may request nothing but the
// page's own origin, waits until the page has loaded and every ECharts
// chart on it has finished drawing (and window.beaconReady, if the page
// sets it, is no longer false), and takes the screenshot. The tab is closed
// afterwards.
func (r *Renderer) CapturePage(ctx context.Context, pageURL string, width, height int) (*Shot, error) {
	u, err := checkPageURL(pageURL)
	if err != nil {
		return nil, err
	}
	if err := checkSize(width, max(height, MinSide)); err != nil {
		return nil, err
	}
	if r.missing {
		return nil, ErrNoBrowser
	}
	release, err := r.acquire(ctx)
	if err != nil {
		return nil, err
	}
	b, err := r.current(ctx)
	if err != nil {
		release()
		r.finish(err)
		return nil, fmt.Errorf("capture %s: %w", u.Redacted(), err)
	}
	ctx, cancel := renderContext(ctx, r.cfg.PageTimeout)
	defer cancel()
	shot, err := r.capture(ctx, release, b, u, width, height)
	r.finish(err)
	return shot, err
}

func (r *Renderer) capture(ctx context.Context, release func(), b *browser, u *url.URL, width, height int) (*Shot, error) {
	t, err := openTab(ctx, b, sameOrigin(u))
	if err != nil {
		release()
		return nil, fmt.Errorf("capture %s: %w", u.Redacted(), err)
	}
	// The tab is closed in the background, its script stopped first; the
	// slot is held until then.
	defer func() {
		go func() {
			t.abandon()
			release()
		}()
	}()
	errs := collectErrors(t)
	shot, err := r.shoot(ctx, t, u, width, height)
	if err != nil {
		return nil, fmt.Errorf("capture %s: %w", u.Redacted(), err)
	}
	shot.Blocked = t.takeBlocked()
	shot.Errors = errs()
	return shot, nil
}

// shoot loads the page, waits until it is drawn and takes the picture.
func (r *Renderer) shoot(ctx context.Context, t *tab, u *url.URL, width, height int) (*Shot, error) {
	rctx, done := t.bind(ctx)
	defer done()
	_, err := chromedp.Call(rctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: pageHook})
	if err != nil {
		return nil, fmt.Errorf("install the page hook: %w", err)
	}
	h := height
	if h == 0 {
		h = 1000 // laid out at a usual height first, then grown to the page's
	}
	if err := t.viewport(rctx, width, h); err != nil {
		return nil, err
	}
	resp, err := chromedp.Run(rctx, chromedp.NavigateResponse(u.String()))
	if err != nil {
		return nil, fmt.Errorf("load: %w", withCause(rctx, err))
	}
	if resp != nil && resp.Status >= 400 {
		return nil, fmt.Errorf("load: the page answered HTTP %d", resp.Status)
	}
	st, err := r.waitDrawn(rctx)
	if err != nil {
		return nil, err
	}
	if height == 0 {
		h = min(max(st.Height, MinSide), MaxPageHeight)
		if h != t.h {
			if err := t.viewport(rctx, width, h); err != nil {
				return nil, err
			}
			// Charts that follow the window's size redraw now.
			if st, err = r.waitDrawn(rctx); err != nil {
				return nil, err
			}
		}
	}
	png, err := t.screenshot(rctx, width, h)
	if err != nil {
		return nil, withCause(rctx, err)
	}
	return &Shot{PNG: png, Charts: st.Charts}, nil
}

// waitDrawn waits two animation frames (a resize is handled on the next
// one), then until the page reports itself drawn.
func (r *Renderer) waitDrawn(ctx context.Context) (pageState, error) {
	const frames = `new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => ok(true))))`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](frames, chromedp.EvalAwaitPromise)); err != nil {
		return pageState{}, fmt.Errorf("wait for the page to draw: %w", withCause(ctx, err))
	}
	st, err := chromedp.Run(ctx, chromedp.Poll[pageState](
		`window.__beaconPageState && window.__beaconPageState().ready && window.__beaconPageState()`,
		chromedp.WithPollingTimeout(r.cfg.PageTimeout)))
	if err != nil {
		return pageState{}, fmt.Errorf("wait for the charts to finish: %w", withCause(ctx, err))
	}
	return st, nil
}

// collectErrors gathers the tab's console errors and exceptions until the
// tab closes; the returned func reads them so far.
func collectErrors(t *tab) func() []string {
	var mu sync.Mutex
	var got []string
	msgs := chromedp.Console(t.ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			// Chromium asks every site for /favicon.ico; a page cannot stop it.
			if m.Type != chromedp.ConsoleError && !m.IsException() || strings.HasSuffix(m.URL, "/favicon.ico") {
				continue
			}
			mu.Lock()
			if len(got) < maxBlockedKept {
				got = append(got, m.String())
			}
			mu.Unlock()
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// checkPageURL accepts http(s) URLs on the loopback interface only: the
// renderer captures Beacon's own pages, never another site.
func checkPageURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, invalid("page URL %q does not parse: %v", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, invalid("page URL %q must be http or https", s)
	}
	if !isLoopbackHost(u.Hostname()) {
		return nil, invalid("page URL %q must be on the loopback interface (127.0.0.1, ::1 or localhost)", s)
	}
	if u.User != nil {
		return nil, invalid("page URL must not carry a user name or password")
	}
	return u, nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// sameOrigin allows requests to u's scheme, host and port only.
func sameOrigin(u *url.URL) func(*url.URL) bool {
	return func(v *url.URL) bool {
		return v.Scheme == u.Scheme && strings.EqualFold(v.Host, u.Host)
	}
}
