// Package render turns ECharts charts and Beacon's report pages into PNG
// images with headless Chromium, for messages that can only carry a picture
// (DingTalk, WeCom, e-mail).
//
// One browser process is started on first use and restarted if it dies. A
// small pool of tabs stays warm with ECharts loaded, so a chart costs one
// script call and one screenshot. Renders are bounded: at most Config.Tabs
// run at once, the others wait as long as their context allows, and each has
// a timeout after which its tab's script is terminated and the tab closed.
// The browser reaches no network: every request but those to the page's own
// origin on the loopback interface is refused.
//
// Where Chromium is not installed, New still returns a Renderer; its calls
// return ErrNoBrowser, and callers fall back to text and a link.
package render

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNoBrowser says that no headless Chromium is installed, so nothing can
// be rendered to an image.
var ErrNoBrowser = errors.New("no headless Chromium installed: charts cannot be rendered to images (install the Debian package chromium and fonts-noto-cjk)")

// ErrNoECharts says that the binary was built without the ECharts script
// (make assets), so options cannot be drawn; pages (RenderURL) still can.
var ErrNoECharts = errors.New("ECharts was not built into this binary: charts cannot be drawn (build it with make build, which runs make assets)")

// ErrInvalid marks a request that can never render: a bad option, size or
// URL. Its message names what is wrong.
var ErrInvalid = errors.New("invalid render request")

// Bounds of an image, in CSS pixels (one image pixel each).
const (
	MinSide       = 64
	MaxSide       = 4096
	MaxPageHeight = 16384 // Chromium's largest screenshot texture
)

// Config sets up a Renderer. Zero fields take the defaults.
type Config struct {
	// ExecPath is the Chromium binary; empty looks for chromium,
	// chromium-browser, google-chrome and headless-shell on PATH.
	ExecPath string
	// Tabs is how many renders run at once, and how many tabs stay warm
	// (default 2).
	Tabs int
	// Timeout bounds one chart, from getting a tab to the PNG (default
	// 20s); a shorter context deadline wins.
	Timeout time.Duration
	// PageTimeout bounds capturing one page (default 60s): a report runs
	// its queries and draws a dozen charts.
	PageTimeout time.Duration
	// ECharts is the ECharts script (web.ECharts()); without it,
	// RenderOption fails, and RenderURL still works.
	ECharts []byte
	// NoSandbox runs Chromium without its sandbox. It is forced when
	// running as root, which Chromium requires; containers without user
	// namespaces need it too. The browser only ever sees Beacon's own
	// pages and options, with the network shut off.
	NoSandbox bool
	// Env adds variables to the browser's environment (tests use it to
	// point fontconfig elsewhere).
	Env    []string
	Logger *slog.Logger
}

// Stats counts what the renderer has done, for health output and tests.
type Stats struct {
	Running  int64 `json:"running"`  // renders holding a slot
	Waiting  int64 `json:"waiting"`  // renders waiting for a slot
	Rendered int64 `json:"rendered"` // images produced
	Failed   int64 `json:"failed"`   // renders that ended in an error
	Starts   int64 `json:"starts"`   // browser processes started
}

// Renderer renders charts and pages to PNG. It is safe for concurrent use.
type Renderer struct {
	cfg     Config
	log     *slog.Logger
	missing bool // no Chromium: every call returns ErrNoBrowser

	// slots bounds the renders in progress, including a timed-out one
	// until its tab is closed.
	slots chan struct{}

	mu     sync.Mutex
	b      *browser
	start  *starting // the start in progress, if any
	idle   []*tab    // warm chart tabs of b
	closed bool

	running, waiting, rendered, failed, starts atomic.Int64
}

// New returns a Renderer. It starts nothing: the browser starts with the
// first render. Without Chromium it logs so once and returns a Renderer
// whose calls return ErrNoBrowser.
func New(cfg Config) *Renderer {
	if cfg.Tabs <= 0 {
		cfg.Tabs = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.PageTimeout <= 0 {
		cfg.PageTimeout = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if os.Geteuid() == 0 {
		cfg.NoSandbox = true
	}
	r := &Renderer{cfg: cfg, log: cfg.Logger, slots: make(chan struct{}, cfg.Tabs)}
	if cfg.ExecPath == "" {
		r.cfg.ExecPath = findChromium()
	} else if _, err := exec.LookPath(cfg.ExecPath); err != nil {
		r.cfg.ExecPath = ""
	}
	if r.cfg.ExecPath == "" {
		r.missing = true
		r.log.Warn("headless Chromium not found: charts are not rendered to images, and messages carry text and a link instead",
			"fix", "install the Debian packages chromium and fonts-noto-cjk")
	}
	return r
}

// findChromium returns the first Chromium-like browser on PATH, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Available reports whether a browser is installed.
func (r *Renderer) Available() bool { return !r.missing }

// Stats returns the renderer's counters.
func (r *Renderer) Stats() Stats {
	return Stats{Running: r.running.Load(), Waiting: r.waiting.Load(), Rendered: r.rendered.Load(),
		Failed: r.failed.Load(), Starts: r.starts.Load()}
}

// Close stops the browser. Renders after Close fail.
func (r *Renderer) Close() error {
	r.mu.Lock()
	r.closed = true
	b, idle := r.b, r.idle
	r.b, r.idle = nil, nil
	r.mu.Unlock()
	for _, t := range idle {
		t.close()
	}
	if b != nil {
		b.stop()
	}
	return nil
}

// acquire takes a render slot, waiting as long as ctx allows; release gives
// it back.
func (r *Renderer) acquire(ctx context.Context) (release func(), err error) {
	r.waiting.Add(1)
	defer r.waiting.Add(-1)
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a render slot (%d in use): %w", cap(r.slots), context.Cause(ctx))
	}
	r.running.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			r.running.Add(-1)
			<-r.slots
		})
	}, nil
}

// startTimeout bounds starting the browser; a start goes on even when the
// request that asked for it gives up, so that a slow machine still gets a
// browser for the next one.
//
// A browser starts in a second or two; a machine under heavy load has been
// seen to take over a minute.
const startTimeout = 3 * time.Minute

// starting is a browser start in progress, shared by the renders that wait.
type starting struct {
	done chan struct{}
	err  error
}

// current returns the live browser, starting one if there is none or the
// last one died; it waits for the start as long as ctx allows.
func (r *Renderer) current(ctx context.Context) (*browser, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, errors.New("renderer closed")
	}
	if r.b != nil && r.b.alive() {
		b := r.b
		r.mu.Unlock()
		return b, nil
	}
	if r.b != nil {
		r.log.Warn("headless Chromium stopped; starting it again", "err", r.b.exitErr())
		stale := r.idle
		r.idle = nil
		go func() {
			for _, t := range stale {
				t.close()
			}
		}()
		r.b.stop()
		r.b = nil
	}
	st := r.start
	if st == nil {
		st = &starting{done: make(chan struct{})}
		r.start = st
		go r.startBrowser(st)
	}
	r.mu.Unlock()
	select {
	case <-st.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for headless Chromium to start: %w", context.Cause(ctx))
	}
	if st.err != nil {
		return nil, st.err
	}
	return r.current(ctx)
}

// startBrowser runs one start and publishes its browser.
func (r *Renderer) startBrowser(st *starting) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	b, err := startBrowser(ctx, r.cfg)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.start = nil
	st.err = err
	switch {
	case err != nil:
		r.log.Error("headless Chromium did not start", "err", err)
	case r.closed:
		b.stop()
		st.err = errors.New("renderer closed")
	default:
		r.starts.Add(1)
		r.b = b
	}
	close(st.done)
}

// chartTab returns a warm chart tab of b, or opens one.
func (r *Renderer) chartTab(ctx context.Context, b *browser) (*tab, error) {
	r.mu.Lock()
	for len(r.idle) > 0 {
		t := r.idle[len(r.idle)-1]
		r.idle = r.idle[:len(r.idle)-1]
		if t.b == b && t.alive() {
			r.mu.Unlock()
			return t, nil
		}
		go t.close()
	}
	r.mu.Unlock()
	return openChartTab(ctx, b, r.cfg.ECharts)
}

// keep puts a healthy chart tab back in the pool, or closes it.
func (r *Renderer) keep(t *tab) {
	r.mu.Lock()
	if !r.closed && t.b == r.b && t.alive() && len(r.idle) < cap(r.slots) {
		r.idle = append(r.idle, t)
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	t.close()
}

// finish counts a render's outcome.
func (r *Renderer) finish(err error) {
	if err != nil {
		r.failed.Add(1)
		return
	}
	r.rendered.Add(1)
}

// renderContext bounds one render by timeout, cancelled with ctx as well.
func renderContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, timeout,
		fmt.Errorf("render took longer than %s: %w", timeout, context.DeadlineExceeded))
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func checkSize(width, height int) error {
	if width < MinSide || width > MaxSide {
		return invalid("width %d is outside %d..%d pixels", width, MinSide, MaxSide)
	}
	if height < MinSide || height > MaxSide {
		return invalid("height %d is outside %d..%d pixels", height, MinSide, MaxSide)
	}
	return nil
}
