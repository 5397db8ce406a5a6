package e2e_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/web"
)

// benchFirstRender loads a page b.N times (after one load that fills the
// browser's cache, as for a returning user) and reports the time from the
// start of navigation until ready holds in the page: p50 and p90 in ms.
// It serves the small test bank, or the demo bank file BEACON_BENCH_DB
// names (the default demo bank: `beacon generate --db /tmp/demo.duckdb`):
//
//	go test -run XXX -bench FirstRender -benchtime 20x ./web/e2e/
//	BEACON_BENCH_DB=/tmp/demo.duckdb go test -run XXX -bench FirstRender -benchtime 20x ./web/e2e/
//	BEACON_BENCH_DB=/tmp/demo.duckdb BEACON_BENCH_NOCACHE=1 go test -run XXX -bench FirstRender -benchtime 20x ./web/e2e/
func benchFirstRender(b *testing.B, path, ready string) {
	ctxB := newBrowser(b)
	srv := benchBeacon(b)
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
// under /assets (what a first visit downloads at most), as written and as
// a running Beacon sends it to a browser that accepts brotli, or only gzip.
func BenchmarkEmbeddedAssets(b *testing.B) {
	srv := startBeacon(b, "")
	var files []string
	err := fs.WalkDir(web.Static(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != "index.html" && !strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	sent := func(path, accept string) int {
		req, _ := http.NewRequest("GET", srv.url+"/assets/"+path, nil)
		req.Header.Set("Accept-Encoding", accept) // set by hand: the client does not inflate
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		n, _ := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			b.Fatalf("GET /assets/%s: %d", path, resp.StatusCode)
		}
		return int(n)
	}
	var raw, gz, br int
	for range b.N {
		raw, gz, br = 0, 0, 0
		for _, f := range files {
			raw += sent(f, "identity")
			gz += sent(f, "gzip")
			br += sent(f, "gzip, deflate, br")
		}
	}
	b.ReportMetric(float64(len(files)), "files")
	b.ReportMetric(float64(raw)/1024, "KiB-raw")
	b.ReportMetric(float64(gz)/1024, "KiB-gzip")
	b.ReportMetric(float64(br)/1024, "KiB-br")
}

// benchBeacon serves the bank BEACON_BENCH_DB names, its "today" the
// bank's as-of date (with BEACON_BENCH_NOCACHE set, without the result
// cache), or else the test bank.
func benchBeacon(b *testing.B) beacon {
	path := os.Getenv("BEACON_BENCH_DB")
	if path == "" {
		return startBeacon(b, "")
	}
	ctx := context.Background()
	db, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	asOf, ok, err := db.Meta(ctx, warehouse.MetaDemoAsOf)
	if err != nil || !ok {
		b.Fatalf("no demo as-of date in %s: %v", path, err)
	}
	day, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		b.Fatal(err)
	}
	cfg := metrics.EngineConfig{Now: func() time.Time { return day.Add(12 * time.Hour) }}
	if os.Getenv("BEACON_BENCH_NOCACHE") != "" {
		cfg.CacheEntries = -1 // every load's queries reach DuckDB
	}
	eng := metricstest.DemoEngine(b, db, cfg)
	return startBeaconOn(b, db, eng, "")
}
