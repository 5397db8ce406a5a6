package reports_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/warehouse"
)

var bank *warehouse.DB

func TestMain(m *testing.M) { metricstest.Main(m, 2_000, 24, &bank) }

// Each wrong report is refused with the file, the line of the fault and
// what to do about it.
func TestReportErrorsNameFileAndLine(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown key", "name: r\ntitle: {en: R}\nsections:\n  - query: {metrics: [churn_rate]}\n    chrat: bar\n", "r.yaml:5: "},
		{"unknown metric", "name: r\ntitle: {en: R}\nsections:\n  - query: {metrics: [churn_rate]}\n  - query: {metrics: [churn_rat]}\n", "r.yaml:5: section 2: "},
		{"unknown chart", "name: r\ntitle: {en: R}\nsections:\n  - query: {metrics: [churn_rate]}\n    chart: radar\n", "r.yaml:4: section 1: unknown chart \"radar\""},
		{"a line without a grain", "name: r\ntitle: {en: R}\nsections:\n  - query: {metrics: [churn_rate]}\n    chart: line\n", "r.yaml:4: section 1: a line needs a time grain"},
		{"bad name", "name: Weekly Report\ntitle: {en: R}\nsections:\n  - query: {metrics: [churn_rate]}\n", "r.yaml:1: report name"},
		{"no sections", "name: r\ntitle: {en: R}\n", "r.yaml:1: report r has no sections"},
		{"not YAML", "name: r\n  title: [\n", "r.yaml:"},
		{"empty", "  \n", "r.yaml:1: the report is empty"},
		{"unknown dimension", "name: r\ntitle: {en: R}\ntime: {range: last_month}\nsections:\n  - query: {metrics: [churn_rate], dimensions: [colour]}\n", "r.yaml:5: section 1: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := reports.Parse("r.yaml", []byte(tc.yaml))
			if err == nil {
				err = r.Validate(eng)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "(fix: ") {
				t.Errorf("error %q says no fix", err)
			}
		})
	}
}

// The demo bank's reports load against the demo model, and a name used
// twice is refused.
func TestDemoReportsLoad(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	set, err := reports.Demo(eng)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := set.Get("weekly_retention")
	if !ok || len(r.Sections) < 8 {
		t.Fatalf("weekly_retention: %v %+v", ok, set.Names())
	}
	if _, err := reports.NewSet(eng, r, r); err == nil || !strings.Contains(err.Error(), "also declared") {
		t.Fatalf("a duplicate name: %v", err)
	}
	if len(models.DemoReports()) == 0 {
		t.Fatal("no embedded report files")
	}
}

// The weekly report runs in both languages; its page loads ECharts from
// Beacon and nothing from any other host.
func TestWeeklyReportPage(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	set, err := reports.Demo(eng)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := set.Get("weekly_retention")
	for _, lang := range []string{"zh", "en"} {
		p, err := reports.Run(context.Background(), eng, r, nil, lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Sections {
			if s.Error != "" {
				t.Errorf("%s: section %q failed: %s", lang, s.Title, s.Error)
			}
			if s.Option == "" {
				t.Errorf("%s: section %q has no chart", lang, s.Title)
			}
		}
		var b bytes.Buffer
		if err := p.HTML(&b, "../", reports.Links{ZH: "?lang=zh", EN: "?lang=en", XLSX: "?format=xlsx"}); err != nil {
			t.Fatal(err)
		}
		html := b.String()
		for _, want := range []string{`src="../assets/vendor/echarts.min.js"`, `src="../reports/_static/report.js"`, "data-option=", p.Title} {
			if !strings.Contains(html, want) {
				t.Errorf("%s page lacks %q", lang, want)
			}
		}
		if strings.Contains(html, "http://") || strings.Contains(html, "https://") || strings.Contains(html, "<script>") {
			t.Errorf("%s page refers to another host or has inline script", lang)
		}
	}
}
