package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/charts/render"
	"github.com/beaconbi/beacon/imagestore"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/web"
)

// imageFlags configure chart images: the headless browser that draws them
// and the links that chat robots fetch them by.
type imageFlags struct {
	publicURL  string
	imageTTL   string
	chromium   string
	noSandbox  bool
	renderTabs int
}

func (f *imageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.publicURL, "public-url", env("BEACON_PUBLIC_URL", ""), "the URL chat providers reach Beacon by, e.g. https://bi.bank.example (without it, messages carry no image links)")
	fs.StringVar(&f.imageTTL, "image-ttl", env("BEACON_IMAGE_TTL", "168h"), "how long a chart image's link works (or env BEACON_IMAGE_TTL)")
	fs.StringVar(&f.chromium, "chromium", env("BEACON_CHROMIUM", ""), "headless Chromium binary (default: chromium, chromium-browser or google-chrome on PATH)")
	fs.BoolVar(&f.noSandbox, "chromium-no-sandbox", os.Getenv("BEACON_CHROMIUM_NO_SANDBOX") == "1", "run Chromium without its sandbox (containers without user namespaces; forced as root)")
	fs.IntVar(&f.renderTabs, "render-tabs", 2, "chart images rendered at once")
}

// check validates the flags, before the database is opened.
func (f *imageFlags) check() error {
	if ttl, err := time.ParseDuration(f.imageTTL); err != nil || ttl <= 0 {
		return fmt.Errorf("--image-ttl %q: want a positive duration such as 168h", f.imageTTL)
	}
	if _, err := imagestore.ParsePublicURL(f.publicURL); err != nil {
		return fmt.Errorf("--public-url: %w", err)
	}
	if f.renderTabs < 1 || f.renderTabs > 32 {
		return fmt.Errorf("--render-tabs %d: want 1 to 32", f.renderTabs)
	}
	return nil
}

// chartImages are what serve hands to the server, alerts and reports to
// turn charts into linked images.
type chartImages struct {
	Renderer *render.Renderer
	Store    *imagestore.Store
	Links    *imagestore.Links
	// Charts draws a metric result's chart with its link (alerts.Renderer).
	Charts *render.MetricCharts
	tmpDir string // the images of an in-memory database, removed on Close
}

// openChartImages sets up the renderer (its browser starts with the first
// image) and the image store next to the database file.
func openChartImages(dbPath string, f imageFlags, log *slog.Logger) (*chartImages, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	ttl, _ := time.ParseDuration(f.imageTTL)
	dir, tmp := dbPath+".images", ""
	if dbPath == "" || dbPath == ":memory:" {
		var err error
		if tmp, err = os.MkdirTemp("", "beacon-images-"); err != nil {
			return nil, err
		}
		dir = tmp
	}
	store, err := imagestore.Open(imagestore.Config{Dir: dir, TTL: ttl})
	if err != nil {
		return nil, err
	}
	links, err := imagestore.NewLinks(store, f.publicURL)
	if err != nil {
		return nil, fmt.Errorf("--public-url: %w", err)
	}
	if f.publicURL == "" {
		log.Info("no public URL (--public-url or BEACON_PUBLIC_URL): messages carry chart images inline where the channel allows, and no image links")
	}
	ec, err := web.ECharts()
	if err != nil {
		log.Warn("chart images: ECharts is not built into this binary; charts cannot be drawn", "err", err)
	}
	r := render.New(render.Config{ExecPath: f.chromium, Tabs: f.renderTabs, ECharts: ec, NoSandbox: f.noSandbox, Logger: log})
	return &chartImages{Renderer: r, Store: store, Links: links, tmpDir: tmp,
		Charts: &render.MetricCharts{Renderer: r, Option: charts.OptionJSON, Links: links, Logger: log}}, nil
}

// forServer is what the HTTP server serves and draws with.
func (c *chartImages) forServer() *server.Images {
	return &server.Images{Store: c.Store, Renderer: c.Renderer}
}

// Close stops the browser.
func (c *chartImages) Close() {
	c.Renderer.Close()
	if c.tmpDir != "" {
		os.RemoveAll(c.tmpDir)
	}
}
