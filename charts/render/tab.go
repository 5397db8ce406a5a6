package render

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// closeTimeout bounds stopping a tab's script and closing it.
const closeTimeout = 3 * time.Second

// tab is one browser tab with its requests guarded.
type tab struct {
	b      *browser
	ctx    context.Context
	cancel context.CancelFunc
	// w and h are the viewport last set, so a warm tab skips setting it.
	w, h int

	mu      sync.Mutex
	blocked []string // requests refused, first few
}

// maxBlockedKept caps the refused requests a tab remembers.
const maxBlockedKept = 20

// openTab opens a tab in b whose requests are refused unless allow says
// otherwise. If ctx ends first, the tab is closed and ctx's error returned.
func openTab(ctx context.Context, b *browser, allow func(*url.URL) bool) (*tab, error) {
	tctx, cancel := chromedp.NewContext(b.ctx)
	t := &tab{b: b, ctx: tctx, cancel: cancel}
	// The first Do creates the tab and binds it to tctx, so it runs without
	// ctx's deadline; ctx ending closes the tab instead.
	stop := context.AfterFunc(ctx, cancel)
	err := chromedp.Do(tctx)
	if !stop() {
		return nil, fmt.Errorf("open a browser tab: %w", context.Cause(ctx))
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open a browser tab: %w", err)
	}
	if err := t.guard(ctx, allow); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

// guard pauses every request of the tab and lets through only those allow
// accepts; the others fail as blocked by the client. Subscribing before
// enabling interception means no request slips by unanswered.
func (t *tab) guard(ctx context.Context, allow func(*url.URL) bool) error {
	paused := chromedp.Events(t.ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			u, perr := url.Parse(ev.Request.URL)
			cctx, cancel := context.WithTimeout(t.ctx, closeTimeout)
			if perr == nil && allow(u) {
				_, _ = chromedp.Call(cctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			} else {
				t.noteBlocked(ev.Request.URL)
				_, _ = chromedp.Call(cctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
			}
			cancel()
		}
	}()
	rctx, done := t.bind(ctx)
	defer done()
	_, err := chromedp.Call(rctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
	if err != nil {
		return fmt.Errorf("guard the tab's requests: %w", err)
	}
	return nil
}

func (t *tab) noteBlocked(u string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.blocked) < maxBlockedKept {
		if len(u) > 200 {
			u = u[:200] + "…"
		}
		t.blocked = append(t.blocked, u)
	}
}

// takeBlocked returns and forgets the requests refused so far.
func (t *tab) takeBlocked() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.blocked
	t.blocked = nil
	return b
}

// bind returns a context for commands on the tab that ends when ctx ends,
// with ctx's cause.
func (t *tab) bind(ctx context.Context) (context.Context, func()) {
	rctx, cancel := context.WithCancelCause(t.ctx)
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	return rctx, func() {
		stop()
		cancel(nil)
	}
}

// alive reports whether the tab and its browser are still there.
func (t *tab) alive() bool { return t.ctx.Err() == nil && t.b.alive() }

// viewport sets the page's size in CSS pixels, one image pixel each.
func (t *tab) viewport(ctx context.Context, w, h int) error {
	if t.w == w && t.h == h {
		return nil
	}
	_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: int64(w), Height: int64(h), DeviceScaleFactor: 1})
	if err != nil {
		return fmt.Errorf("set the viewport to %dx%d: %w", w, h, err)
	}
	t.w, t.h = w, h
	return nil
}

// screenshot captures the box at the top left, w by h pixels, as PNG.
func (t *tab) screenshot(ctx context.Context, w, h int) ([]byte, error) {
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:      page.CaptureScreenshotFormatPng,
		Clip:        &page.Viewport{Width: float64(w), Height: float64(h), Scale: 1},
		FromSurface: new(true),
	})
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return res.Data, nil
}

// abandon stops a tab whose render failed or ran out of time: its script is
// terminated (V8 does so even in the middle of a loop), then the tab is
// closed, so the work really ends before the render's slot is given back.
func (t *tab) abandon() {
	ctx, cancel := context.WithTimeout(t.ctx, closeTimeout)
	_, _ = chromedp.Call(ctx, runtime.TerminateExecution, cdp.Empty{})
	cancel()
	t.close()
}

// close closes the tab (chromedp waits for the browser to drop it).
func (t *tab) close() { t.cancel() }

// openChartTab opens a tab that refuses every request, writes the chart
// page into it and loads ECharts and the render function: a warm tab.
func openChartTab(ctx context.Context, b *browser, echarts []byte) (*tab, error) {
	if len(echarts) == 0 {
		return nil, fmt.Errorf("render a chart: %w", ErrNoECharts)
	}
	t, err := openTab(ctx, b, func(*url.URL) bool { return false })
	if err != nil {
		return nil, err
	}
	rctx, done := t.bind(ctx)
	defer done()
	tree, err := chromedp.Call(rctx, page.GetFrameTree, cdp.Empty{})
	if err == nil {
		_, err = chromedp.Call(rctx, page.SetDocumentContent, page.SetDocumentContentParams{
			FrameID: tree.FrameTree.Frame.ID, HTML: chartPage})
	}
	if err == nil {
		err = chromedp.Do(rctx,
			chromedp.Evaluate[chromedp.Void](string(echarts)),
			chromedp.Evaluate[chromedp.Void](chartScript))
	}
	if err != nil {
		t.abandon()
		return nil, fmt.Errorf("load ECharts into a tab: %w", withCause(rctx, err))
	}
	return t, nil
}
