// Package notifytest holds what the channel tests share: a fake clock, a
// sample message and PNG images. It computes no signature and no payload:
// each test recomputes those on its own, as the provider would.
package notifytest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/beaconbi/beacon/notify"
)

// Clock is a fake notify.Clock: Sleep advances the time at once and
// records the wait.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewClock starts a fake clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the fake time by d.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.sleeps = append(c.sleeps, d)
	return nil
}

// Advance moves the fake time by d without recording a sleep.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleeps returns the waits asked for so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// Start is the fake clock's usual start: Monday 2026-11-30 09:00 in Beijing.
var Start = time.Date(2026, 11, 30, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// Message is a firing alert in Chinese with two figures, a link and an
// image carrying both bytes and a URL.
func Message() notify.Message {
	return notify.Message{
		Key:   "rule-7/branch-0101/evt-3/dingtalk",
		Kind:  notify.KindFiring,
		Lang:  "zh",
		Title: "上海分行 流失率 超过阈值",
		Lines: []string{"上海分行 11 月流失率 0.82%，高于阈值 0.70%。", "贵宾客户贡献了其中六成。"},
		Figures: []notify.Figure{
			{Label: "流失率", Value: "0.82%", Change: "环比 +0.12 个百分点", Trend: 1},
			{Label: "净流入", Value: "-1.3 亿", Change: "环比 -0.4 亿", Trend: -1},
		},
		Link:  "https://beacon.example.com/reports/churn?branch=0101",
		Image: &notify.Image{PNG: PNG(40, 30), URL: "https://beacon.example.com/img/4f3a9c.png"},
		At:    Start,
	}
}

// PNG draws a small w×h image with a gradient (it compresses well).
func PNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	return encode(img, png.DefaultCompression)
}

// NoisePNG draws a w×h image of random pixels, stored without compression
// (noise would not compress anyway, and deflating it is slow under the race
// detector): its PNG is a little over 4·w·h bytes.
func NoisePNG(w, h int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	// Eight bytes a call: a byte a call is slow under the race detector.
	for i := 0; i < len(img.Pix); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < len(img.Pix); j++ {
			img.Pix[i+j] = uint8(v >> (8 * j))
		}
	}
	return encode(img, png.NoCompression)
}

func encode(img image.Image, level png.CompressionLevel) []byte {
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: level}).Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}
