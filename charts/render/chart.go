package render

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chromedp/chromedp"
)

// RenderOption draws one ECharts option (JSON) as a PNG of width by height
// pixels, in a warm tab that loads nothing from anywhere. The chart is drawn
// without animation on white, and the screenshot is taken once ECharts
// reports it finished.
func (r *Renderer) RenderOption(ctx context.Context, optionJSON []byte, width, height int) ([]byte, error) {
	if err := checkOption(optionJSON); err != nil {
		return nil, err
	}
	if err := checkSize(width, height); err != nil {
		return nil, err
	}
	if r.missing {
		return nil, ErrNoBrowser
	}
	if len(r.cfg.ECharts) == 0 {
		return nil, ErrNoECharts
	}
	release, err := r.acquire(ctx)
	if err != nil {
		return nil, err
	}
	b, err := r.current(ctx)
	if err != nil {
		release()
		r.finish(err)
		return nil, fmt.Errorf("render chart: %w", err)
	}
	ctx, cancel := renderContext(ctx, r.cfg.Timeout)
	defer cancel()
	png, err := r.renderOption(ctx, release, b, optionJSON, width, height)
	r.finish(err)
	return png, err
}

// renderOption runs one render holding a slot; it gives the slot back once
// the tab is back in the pool or closed.
func (r *Renderer) renderOption(ctx context.Context, release func(), b *browser, optionJSON []byte, width, height int) ([]byte, error) {
	t, err := r.chartTab(ctx, b)
	if err != nil {
		release()
		return nil, fmt.Errorf("render chart: %w", err)
	}
	png, err := drawOption(ctx, t, optionJSON, width, height)
	if err != nil {
		// The tab may still be busy: stop it in the background; the slot
		// stays taken until it is gone, so the bound counts it.
		go func() {
			t.abandon()
			release()
		}()
		return nil, fmt.Errorf("render chart: %w", err)
	}
	r.keep(t)
	release()
	return png, nil
}

// drawOption sizes the tab, draws the option and screenshots it.
func drawOption(ctx context.Context, t *tab, optionJSON []byte, width, height int) ([]byte, error) {
	rctx, done := t.bind(ctx)
	defer done()
	if err := t.viewport(rctx, width, height); err != nil {
		return nil, err
	}
	// The option travels as a JS string literal and is JSON.parse'd in the
	// page: data, never code.
	arg, err := json.Marshal(string(optionJSON))
	if err != nil {
		return nil, err
	}
	call := fmt.Sprintf("window.__beaconRender(%s, %d, %d)", arg, width, height)
	if _, err := chromedp.Run(rctx, chromedp.Evaluate[bool](call, chromedp.EvalAwaitPromise)); err != nil {
		var ex *chromedp.ExceptionError
		if errors.As(err, &ex) {
			return nil, fmt.Errorf("%w: ECharts refused the option: %v", ErrInvalid, ex)
		}
		return nil, fmt.Errorf("draw: %w", withCause(rctx, err))
	}
	png, err := t.screenshot(rctx, width, height)
	if err != nil {
		return nil, withCause(rctx, err)
	}
	return png, nil
}

// withCause adds why ctx ended (a timeout says how long) to err.
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w (%w)", err, cause)
	}
	return err
}

// checkOption accepts a JSON object only.
func checkOption(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return invalid("the chart option is empty")
	}
	if !json.Valid(b) {
		return invalid("the chart option is not valid JSON")
	}
	if b[0] != '{' {
		return invalid("the chart option must be a JSON object")
	}
	return nil
}
