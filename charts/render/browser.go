package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/chromedp/chromedp"
)

// browser is one headless Chromium process. Its context ends when the
// process dies or loses its connection (chromedp cancels it then), which is
// how the renderer knows to start another.
type browser struct {
	ctx         context.Context
	cancel      context.CancelFunc
	allocCancel context.CancelFunc
}

// blockedProxy is where every request that is not to the loopback interface
// is sent: a closed port, so it fails. Chromium always bypasses proxies for
// loopback, so Beacon's own pages still load. Tabs also intercept requests
// (see guard.go); this catches what they cannot see, such as a popup.
const blockedProxy = "http://127.0.0.1:1"

// startBrowser starts Chromium. If ctx ends first, the half-started browser
// is stopped and ctx's error returned.
func startBrowser(ctx context.Context, cfg Config) (*browser, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(cfg.ExecPath),
		chromedp.Flag("proxy-server", blockedProxy),
		chromedp.Flag("disable-popup-blocking", false),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		// Unhinted glyphs are the same from one machine to the next.
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.CombinedOutput(io.Discard),
	)
	if cfg.NoSandbox {
		opts = append(opts, chromedp.NoSandbox)
	}
	if len(cfg.Env) > 0 {
		opts = append(opts, chromedp.Env(cfg.Env...))
	}
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp's own notes (frames it did not expect, and such) are for
	// debugging, not for the server's log.
	note := func(format string, args ...any) { cfg.Logger.Debug("chromedp: " + fmt.Sprintf(format, args...)) }
	bctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(note), chromedp.WithLogf(note))
	b := &browser{ctx: bctx, cancel: cancel, allocCancel: allocCancel}
	// The first Do starts the process and binds it to bctx, so it must not
	// run under ctx's deadline; ctx ending stops the start instead.
	stop := context.AfterFunc(ctx, b.stop)
	err := chromedp.Do(bctx)
	if !stop() {
		return nil, fmt.Errorf("start headless Chromium: %w", context.Cause(ctx))
	}
	if err != nil {
		b.stop()
		return nil, fmt.Errorf("start headless Chromium %s: %w", cfg.ExecPath, err)
	}
	return b, nil
}

// alive reports whether the process still answers.
func (b *browser) alive() bool { return b.ctx.Err() == nil }

// pid is the browser process's id, or 0.
func (b *browser) pid() int {
	if c := chromedp.FromContext(b.ctx); c != nil && c.Browser != nil {
		if p := c.Browser.Process(); p != nil {
			return p.Pid
		}
	}
	return 0
}

// exitErr says why a dead browser stopped, if known.
func (b *browser) exitErr() error {
	if b.ctx.Err() == nil {
		return nil
	}
	return errors.Join(context.Cause(b.ctx), errors.New("the browser process is gone"))
}

// stop ends the process and its temporary profile.
func (b *browser) stop() {
	b.cancel()
	b.allocCancel()
}

// kill ends the process abruptly, as a crash would (tests use it).
func (b *browser) kill() error {
	pid := b.pid()
	if pid == 0 {
		return errors.New("no browser process")
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
