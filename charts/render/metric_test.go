package render

import (
	"bytes"
	"errors"
	"image"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/imagestore"
	"github.com/beaconbi/beacon/metrics"
)

// churnBySegment is a one-breakdown result, as the engine returns it.
func churnBySegment() *metrics.Result {
	return &metrics.Result{
		Columns: []metrics.Column{
			{Name: "segment", Type: "string", Role: "dimension", Label: metrics.Text{EN: "Segment", ZH: "客群"}},
			{Name: "churn_rate", Type: "number", Role: "metric", Format: "percent", Label: metrics.Text{EN: "Churn rate", ZH: "流失率"}},
		},
		Rows: [][]any{{"大众", 0.021}, {"财富", 0.012}, {"私行", 0.006}},
	}
}

var chartsOption = charts.OptionJSON

func TestMetricChartsDrawsAndLinksTheChart(t *testing.T) {
	r := sharedRenderer(t)
	store, err := imagestore.Open(imagestore.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	links, err := imagestore.NewLinks(store, "https://beacon.example")
	if err != nil {
		t.Fatal(err)
	}
	m := &MetricCharts{Renderer: r, Option: chartsOption, Links: links}
	img, err := m.Chart(t.Context(), churnBySegment(), "zh")
	if err != nil {
		t.Fatal(err)
	}
	if got := decode(t, img.PNG).Bounds().Size(); got != image.Pt(ChartWidth, ChartHeight) {
		t.Fatalf("image is %v", got)
	}
	tok, ok := strings.CutPrefix(img.URL, "https://beacon.example/images/")
	if !ok {
		t.Fatalf("URL %q", img.URL)
	}
	stored, _, err := store.Get(strings.TrimSuffix(tok, ".png"))
	if err != nil || !bytes.Equal(stored, img.PNG) {
		t.Fatalf("the link does not serve the image: %v", err)
	}

	// Without a public URL: the PNG, no link.
	none, _ := imagestore.NewLinks(store, "")
	m = &MetricCharts{Renderer: r, Option: chartsOption, Links: none, Width: 400, Height: 300}
	img, err = m.Chart(t.Context(), churnBySegment(), "en")
	if err != nil || img.URL != "" || len(img.PNG) == 0 {
		t.Fatalf("without a public URL: %v, URL %q, %d bytes", err, img.URL, len(img.PNG))
	}
}

func TestMetricChartsWithoutBrowser(t *testing.T) {
	r := New(Config{ExecPath: "/nonexistent/chromium", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	m := &MetricCharts{Renderer: r, Option: chartsOption}
	if _, err := m.Chart(t.Context(), churnBySegment(), "zh"); !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("got %v, want ErrNoBrowser", err)
	}
}
