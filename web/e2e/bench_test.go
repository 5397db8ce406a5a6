package e2e_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/beaconbi/beacon/web"
)

// benchFirstRender loads a page b.N times (after one load that fills the
// browser's cache, as for a returning user) and reports the time from the
// start of navigation until ready holds in the page: p50 and p90 in ms.
//
//	go test -run XXX -bench FirstRender -benchtime 20x ./web/e2e/
func benchFirstRender(b *testing.B, path, ready string) {
	ctxB := newBrowser(b)
	srv := startBeacon(b, "")
	tt := openTab(b, ctxB, "")
	load := func() float64 {
		ctx, cancel := context.WithTimeout(tt.ctx, 3*time.Minute)
		defer cancel()
		ms, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (float64, error) {
			if _, err := chromedp.Navigate(srv.url+path)(ctx, t); err != nil {
				return 0, err
			}
			if _, err := chromedp.Poll[chromedp.Void](ready, chromedp.WithPollingTimeout(2*time.Minute))(ctx, t); err != nil {
				return 0, err
			}
			return chromedp.Evaluate[float64](`performance.now()`)(ctx, t)
		})
		if err != nil {
			b.Fatal(err)
		}
		return ms
	}
	load()
	var times []float64
	b.ResetTimer()
	for range b.N {
		times = append(times, load())
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(times[len(times)/2], "ms-p50")
	b.ReportMetric(times[len(times)*9/10], "ms-p90")
}

// BenchmarkAskFirstRender: the Ask page is ready to take a question (the
// session and the catalog are in, the suggested questions shown).
func BenchmarkAskFirstRender(b *testing.B) {
	benchFirstRender(b, "/ask", `document.querySelector('#ask-input') !== null && document.querySelectorAll('.suggest .chip').length > 0`)
}

// BenchmarkDashboardFirstRender: every panel of the executive dashboard
// has its figures, and every chart is drawn.
func BenchmarkDashboardFirstRender(b *testing.B) {
	benchFirstRender(b, "/dashboards/executive_retention",
		`document.querySelectorAll('.panel').length > 0 && document.querySelectorAll('.panel .panel-wait').length === 0 && document.querySelectorAll('.panel canvas').length >= 5`)
}

// BenchmarkEmbeddedAssets reports the size of everything the binary serves
// under /assets, raw and gzipped (-9): what a first visit downloads at most.
func BenchmarkEmbeddedAssets(b *testing.B) {
	var raw, gz int
	for range b.N {
		raw, gz = 0, 0
		err := fs.WalkDir(web.Static(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(web.Static(), p)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			w.Write(data)
			w.Close()
			raw += len(data)
			gz += buf.Len()
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(raw)/1024, "KiB-raw")
	b.ReportMetric(float64(gz)/1024, "KiB-gzip")
}
