package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/beaconbi/beacon/imagestore"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/notify"
)

// Default size of a chart image in a message: wide enough for a phone held
// sideways, legible when a chat app shrinks it.
const (
	ChartWidth  = 800
	ChartHeight = 450
)

// OptionFunc builds the ECharts option (JSON) of a metric result in a
// language, "null" when there is nothing to draw: charts.OptionJSON.
type OptionFunc func(res *metrics.Result, lang string) ([]byte, error)

// MetricCharts draws a metric result's chart as a PNG with, when a public
// URL is configured, an expiring link to it: the chart of an alert or a
// report subscription (it satisfies alerts.Renderer).
type MetricCharts struct {
	Renderer *Renderer
	Option   OptionFunc
	// Links stores the images behind links; nil or without a public URL,
	// images carry no link.
	Links  *imagestore.Links
	Width  int // default ChartWidth
	Height int // default ChartHeight
	Logger *slog.Logger
}

// Chart renders res. Without a browser it returns ErrNoBrowser, and the
// caller sends text and a link.
func (m *MetricCharts) Chart(ctx context.Context, res *metrics.Result, lang string) (*notify.Image, error) {
	if m == nil || m.Renderer == nil || !m.Renderer.Available() {
		return nil, ErrNoBrowser
	}
	opt, err := m.Option(res, lang)
	if err != nil {
		return nil, fmt.Errorf("chart of the result: %w", err)
	}
	return m.ChartOption(ctx, opt)
}

// ChartOption renders an ECharts option as it is given (a report
// section's chart, its kind chosen by the report), with its link.
func (m *MetricCharts) ChartOption(ctx context.Context, opt []byte) (*notify.Image, error) {
	if m == nil || m.Renderer == nil || !m.Renderer.Available() {
		return nil, ErrNoBrowser
	}
	if len(opt) == 0 || bytes.Equal(opt, []byte("null")) {
		return nil, errors.New("chart of the result: nothing to draw")
	}
	w, h := m.Width, m.Height
	if w == 0 || h == 0 {
		w, h = ChartWidth, ChartHeight
	}
	png, err := m.Renderer.RenderOption(ctx, opt, w, h)
	if err != nil {
		return nil, err
	}
	img := &notify.Image{PNG: png}
	url, err := m.Links.Put(png)
	switch {
	case err == nil:
		img.URL = url
	case !errors.Is(err, imagestore.ErrNoPublicURL) && m.Logger != nil:
		// The PNG still goes to channels that take it inline.
		m.Logger.Warn("could not store a chart image for its link", "err", err)
	}
	return img, nil
}
