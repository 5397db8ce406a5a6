package server_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/beaconbi/beacon/charts/render"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/web"
)

// renderer returns a renderer, skipping where Chromium is missing unless
// BEACON_REQUIRE_CHROMIUM is set.
func renderer(tb testing.TB) *render.Renderer {
	tb.Helper()
	ec, err := web.ECharts()
	if err != nil {
		if os.Getenv("BEACON_REQUIRE_CHROMIUM") == "" && os.Getenv("BEACON_REQUIRE_ASSETS") == "" {
			tb.Skip("assets not built: run `make assets`")
		}
		tb.Fatal(err)
	}
	// A report page on a machine busy with other tests can take a while.
	r := render.New(render.Config{ECharts: ec, Logger: quietLogger(), Timeout: 2 * time.Minute, PageTimeout: 3 * time.Minute})
	if !r.Available() {
		if os.Getenv("BEACON_REQUIRE_CHROMIUM") == "" {
			tb.Skip("no headless Chromium installed (make test installs it as root)")
		}
		tb.Fatal("BEACON_REQUIRE_CHROMIUM is set but no Chromium was found")
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// The weekly report, served by Beacon on 127.0.0.1 and opened in headless
// Chromium, draws every chart the page declares, with no console error and
// no request to any other host, and becomes one PNG of the whole page.
func TestWeeklyReportRendersToPNG(t *testing.T) {
	r := renderer(t)
	base := serveHTTP(t, newReportServer(t, server.AuthConfig{}))
	url := base + "/reports/weekly_retention?lang=zh"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := bytes.Count(page, []byte("data-option="))
	if resp.StatusCode != 200 || want < 5 {
		t.Fatalf("GET %s: %d with %d charts declared", url, resp.StatusCode, want)
	}
	shot, err := r.CapturePage(t.Context(), url, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if shot.Charts != want {
		t.Errorf("the page drew %d charts, it declares %d", shot.Charts, want)
	}
	if len(shot.Blocked) > 0 || len(shot.Errors) > 0 {
		t.Errorf("blocked requests %q, console errors %q", shot.Blocked, shot.Errors)
	}
	img, err := png.Decode(bytes.NewReader(shot.PNG))
	if err != nil {
		t.Fatal(err)
	}
	if size := img.Bounds().Size(); size.X != 1000 || size.Y < 1500 {
		t.Fatalf("image is %v: want 1000 wide and the whole page", size)
	}
	// Drawn, not blank: a good share of the page is neither white nor
	// near-white (text, bars, lines, cards).
	ink := 0
	for y := 0; y < img.Bounds().Dy(); y += 2 {
		for x := 0; x < 1000; x += 2 {
			r, g, b, _ := img.At(x, y).RGBA()
			if (r>>8)+(g>>8)+(b>>8) < 600 {
				ink++
			}
		}
	}
	if ink < 10_000 {
		t.Fatalf("only %d sampled pixels have ink: the page looks blank", ink)
	}
}

// BenchmarkWeeklyReportPNG captures the weekly report page as Beacon serves
// it: cold (a new browser each time) and warm (the browser running).
func BenchmarkWeeklyReportPNG(b *testing.B) {
	base := listen(b, newReportServer(b, server.AuthConfig{}))
	url := base + "/reports/weekly_retention?lang=zh"
	capture := func(b *testing.B, r *render.Renderer) time.Duration {
		start := time.Now()
		if _, err := r.CapturePage(b.Context(), url, 1000, 0); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	report := func(b *testing.B, d []time.Duration) {
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Milliseconds()), "p50-ms")
		b.ReportMetric(float64(d[min(len(d)-1, len(d)*99/100)].Milliseconds()), "p99-ms")
		b.ReportMetric(0, "ns/op")
	}
	b.Run("cold", func(b *testing.B) {
		renderer(b).Close() // skips without Chromium
		ec, _ := web.ECharts()
		var d []time.Duration
		for b.Loop() {
			r := render.New(render.Config{ECharts: ec, Logger: quietLogger()})
			d = append(d, capture(b, r))
			r.Close()
		}
		report(b, d)
	})
	b.Run("warm", func(b *testing.B) {
		r := renderer(b)
		capture(b, r)
		var d []time.Duration
		for b.Loop() {
			d = append(d, capture(b, r))
		}
		report(b, d)
	})
}

// listen serves srv on 127.0.0.1 until the test or benchmark ends.
func listen(tb testing.TB, srv *server.Server) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}
