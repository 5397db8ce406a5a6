package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beaconbi/beacon/web"
)

// shared is one renderer for the tests that need only the defaults: each
// browser costs seconds to start, more on a busy machine. Tests in this
// package run one at a time; TestMain closes it.
var shared *Renderer

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	os.Exit(code)
}

// sharedRenderer returns the shared renderer, skipping as newTestRenderer does.
func sharedRenderer(t *testing.T) *Renderer {
	t.Helper()
	if shared == nil {
		shared = New(testConfig(t, Config{}))
	}
	return shared
}

// newTestRenderer returns a renderer with ECharts, skipping where Chromium
// or the built assets are missing, unless BEACON_REQUIRE_CHROMIUM is set
// (CI sets it, so CI never skips).
func newTestRenderer(t testing.TB, cfg Config) *Renderer {
	t.Helper()
	r := New(testConfig(t, cfg))
	t.Cleanup(func() { r.Close() })
	return r
}

// testConfig completes cfg for a test, or skips it.
func testConfig(t testing.TB, cfg Config) Config {
	t.Helper()
	required := os.Getenv("BEACON_REQUIRE_CHROMIUM") != ""
	ec, err := web.ECharts()
	if err != nil {
		if !required && os.Getenv("BEACON_REQUIRE_ASSETS") == "" {
			t.Skipf("ECharts not built into this tree (%v): run `make assets`", err)
		}
		t.Fatal(err)
	}
	cfg.ECharts = ec
	// Generous limits: these tests share the machine with every other
	// package's, and only the timeout test is about the limits.
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.PageTimeout == 0 {
		cfg.PageTimeout = 3 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.ExecPath == "" && findChromium() == "" {
		if !required {
			t.Skip("no headless Chromium installed (make test installs it as root; set BEACON_REQUIRE_CHROMIUM=1 to fail instead)")
		}
		t.Fatal("BEACON_REQUIRE_CHROMIUM is set but no Chromium was found on PATH")
	}
	return cfg
}

// titleOption is a bar chart whose title, in black 48px type at (10,10),
// is text; the bars are pure red.
func titleOption(title string) []byte {
	return fmt.Appendf(nil, `{
  "title": {"text": %q, "left": 10, "top": 10, "padding": 0,
            "textStyle": {"fontSize": 48, "fontWeight": "normal", "color": "#000000"}},
  "grid": {"top": 100, "left": 50, "right": 20, "bottom": 40},
  "xAxis": {"type": "category", "data": ["一月", "二月", "三月"]},
  "yAxis": {"type": "value"},
  "series": [{"type": "bar", "data": [3, 5, 2], "itemStyle": {"color": "#ff0000"}}]
}`, title)
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("not a PNG: %d bytes starting %q", len(b), b[:min(len(b), 8)])
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// cell holds which pixels of a square are ink (dark).
type cell []bool

// glyphCells cuts the title row into n squares of size pixels from (x, y):
// a CJK glyph is one em wide, so glyph i of a title set at x fills cell i.
func glyphCells(img image.Image, x, y, size, n int) []cell {
	cells := make([]cell, n)
	for i := range cells {
		c := make(cell, 0, size*size)
		for dy := range size {
			for dx := range size {
				r, g, b, _ := img.At(x+i*size+dx, y+dy).RGBA()
				lum := (299*r + 587*g + 114*b) / 1000 >> 8
				c = append(c, lum < 128)
			}
		}
		cells[i] = c
	}
	return cells
}

func (c cell) ink() (n int) {
	for _, v := range c {
		if v {
			n++
		}
	}
	return n
}

// differ counts the pixels that are ink in one cell and not the other.
func differ(a, b cell) (n int) {
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// realGlyphs says whether two renderings of the titles 流失率 and 留存率
// show real glyphs: every glyph has ink, the first two (different
// characters) differ a lot, and the last (率 in both) is the same. Tofu
// boxes have ink but look alike for every character, and a missing font
// draws nothing, so neither passes.
func realGlyphs(a, b []cell) (bool, string) {
	for i := range a {
		if a[i].ink() < 40 || b[i].ink() < 40 {
			return false, fmt.Sprintf("glyph %d is blank: %d and %d ink pixels", i, a[i].ink(), b[i].ink())
		}
	}
	for i := range 2 {
		if d := differ(a[i], b[i]); d < 80 {
			return false, fmt.Sprintf("glyph %d looks the same for two different characters (%d pixels differ): tofu", i, d)
		}
	}
	if d := differ(a[2], b[2]); d > 8 {
		return false, fmt.Sprintf("率 is drawn differently in the two titles (%d pixels differ)", d)
	}
	return true, ""
}

// cjkTitles renders the two titles and cuts their glyph cells.
func cjkTitles(t *testing.T, r *Renderer) (a, b []cell, first image.Image) {
	t.Helper()
	ctx := t.Context()
	var imgs [2]image.Image
	for i, title := range []string{"流失率", "留存率"} {
		b, err := r.RenderOption(ctx, titleOption(title), 480, 360)
		if err != nil {
			t.Fatalf("render %s: %v", title, err)
		}
		imgs[i] = decode(t, b)
	}
	// The title's line box is taller than the em; the glyphs sit inside
	// the first 60 pixels below its top.
	return glyphCells(imgs[0], 10, 10, 48, 3), glyphCells(imgs[1], 10, 10, 48, 3), imgs[0]
}

func TestChineseBarChartRendersWithRealGlyphs(t *testing.T) {
	r := sharedRenderer(t)
	a, b, img := cjkTitles(t, r)
	if got := img.Bounds().Size(); got != image.Pt(480, 360) {
		t.Fatalf("image is %v, want 480x360", got)
	}
	if ok, why := realGlyphs(a, b); !ok {
		t.Fatalf("the Chinese title is not drawn with real glyphs: %s", why)
	}
	// The bars are there: pure red pixels below the title.
	red := 0
	for y := 100; y < 320; y++ {
		for x := 0; x < 480; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r>>8 > 240 && g>>8 < 20 && b>>8 < 20 {
				red++
			}
		}
	}
	if red < 2000 {
		t.Fatalf("only %d red pixels: the bars were not drawn", red)
	}
}

// The check above must fail where Chromium has no CJK font: with fontconfig
// pointed at the DejaVu fonts only, the same titles become boxes or nothing.
func TestTofuIsDetectedWithoutACJKFont(t *testing.T) {
	dir := t.TempDir()
	fonts := "/usr/share/fonts/truetype/dejavu"
	if _, err := os.Stat(fonts); err != nil {
		fonts = filepath.Join(dir, "none") // no font at all: nothing is drawn
		os.Mkdir(fonts, 0o755)
	}
	conf := filepath.Join(dir, "fonts.conf")
	xml := fmt.Sprintf(`<?xml version="1.0"?><fontconfig><dir>%s</dir><cachedir>%s</cachedir></fontconfig>`, fonts, filepath.Join(dir, "cache"))
	if err := os.WriteFile(conf, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := newTestRenderer(t, Config{Env: []string{"FONTCONFIG_FILE=" + conf}})
	a, b, _ := cjkTitles(t, r)
	if ok, _ := realGlyphs(a, b); ok {
		t.Fatal("titles drawn without any CJK font passed as real glyphs: the tofu check cannot fail")
	}
}

func TestRenderOptionRefusesBadInput(t *testing.T) {
	r := New(Config{ExecPath: "/nonexistent/chromium", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	for _, tc := range []struct {
		name   string
		option string
		w, h   int
	}{
		{"empty", ``, 400, 300},
		{"not JSON", `{"title":`, 400, 300},
		{"array", `[1,2]`, 400, 300},
		{"too narrow", `{}`, 10, 300},
		{"too tall", `{}`, 400, 100000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.RenderOption(t.Context(), []byte(tc.option), tc.w, tc.h)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestNoBrowserGivesErrNoBrowser(t *testing.T) {
	var logs bytes.Buffer
	r := New(Config{ExecPath: "/nonexistent/chromium", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for range 3 {
		if _, err := r.RenderOption(t.Context(), []byte(`{}`), 400, 300); !errors.Is(err, ErrNoBrowser) {
			t.Fatalf("RenderOption: got %v, want ErrNoBrowser", err)
		}
		if _, err := r.RenderURL(t.Context(), "http://127.0.0.1:1/reports/x", 800, 0); !errors.Is(err, ErrNoBrowser) {
			t.Fatalf("RenderURL: got %v, want ErrNoBrowser", err)
		}
	}
	if n := bytes.Count(logs.Bytes(), []byte("Chromium not found")); n != 1 {
		t.Fatalf("the log says so %d times, want once:\n%s", n, logs.String())
	}
}

func TestRenderOptionSizes(t *testing.T) {
	r := sharedRenderer(t)
	before := r.Stats()
	opt := titleOption("Sizes")
	for _, size := range []image.Point{{640, 400}, {300, 200}, {640, 400}, {1200, 700}} {
		b, err := r.RenderOption(t.Context(), opt, size.X, size.Y)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, b).Bounds().Size(); got != size {
			t.Fatalf("asked %v, got %v", size, got)
		}
	}
	if s := r.Stats(); s.Starts != max(before.Starts, 1) || s.Rendered-before.Rendered != 4 || s.Running != 0 {
		t.Fatalf("stats %+v (before %+v): want one browser throughout, 4 rendered, none running", s, before)
	}
}

// renderedWithin fails the test if ctx's deadline passes; helpers use it to
// bound waits in tests without asserting on time.
func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// Identical boxes (tofu) have ink but do not tell characters apart; blank
// cells have no ink: neither passes as real glyphs.
func TestRealGlyphsRejectsBoxesAndBlanks(t *testing.T) {
	box := func() cell {
		c := make(cell, 48*48)
		for y := 4; y < 44; y++ {
			for x := 6; x < 40; x++ {
				if y == 4 || y == 43 || x == 6 || x == 39 {
					c[y*48+x] = true
				}
			}
		}
		return c
	}
	tofu := []cell{box(), box(), box()}
	if ok, why := realGlyphs(tofu, []cell{box(), box(), box()}); ok || why == "" {
		t.Fatalf("tofu passed: %v %q", ok, why)
	}
	blank := []cell{make(cell, 48*48), make(cell, 48*48), make(cell, 48*48)}
	if ok, _ := realGlyphs(blank, blank); ok {
		t.Fatal("blank cells passed")
	}
}
