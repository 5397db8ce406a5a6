package reports_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
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
		// The definitions are in the page's language (the model's
		// description_zh for Chinese readers).
		def := map[string]string{"zh": "期内流失的客户数除以期初活跃客户数", "en": "Customers who churned during the period"}[lang]
		if !strings.Contains(html, def) {
			t.Errorf("%s page lacks churn_rate's definition in its language (%q)", lang, def)
		}
		if strings.Contains(html, "http://") || strings.Contains(html, "https://") || strings.Contains(html, "<script>") {
			t.Errorf("%s page refers to another host or has inline script", lang)
		}
	}
}

// A report's change columns read as changes: a rate's change in percentage
// points, signed, never "-0.00"; a percent change from a base at or below
// zero or a tiny one is "—" with a note saying why, else the percent,
// signed. Each cell is checked against the result's own figures.
func TestReportChangeCells(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	q := metrics.Query{Metrics: []string{"net_inflow", "churn_rate"}, Dimensions: []string{"branch"},
		Time: &metrics.TimeSpec{Range: "last_month"}, Compare: "previous_period"}
	p, err := reports.RunQuery(context.Background(), eng, q, "table", nil, "zh")
	if err != nil {
		t.Fatal(err)
	}
	f := p.Sections[0]
	res := f.Result
	col := map[string]int{}
	for j, c := range res.Columns {
		col[c.Name] = j
	}
	num := func(v any) (float64, bool) {
		x, ok := v.(float64)
		return x, ok
	}
	var dashes, percents, points int
	for i, row := range f.Table.Rows {
		for _, m := range []string{"net_inflow", "churn_rate"} {
			pctCell := row[col[m+"_pct_change"]].Text
			prev, okPrev := num(res.Rows[i][col[m+"_previous"]])
			pct, okPct := num(res.Rows[i][col[m+"_pct_change"]])
			if okPrev {
				if prev <= 0 || !okPct || math.Abs(pct) >= 5 {
					dashes++
					if pctCell != "—" {
						t.Errorf("row %d %s: percent change %q from base %v, want —", i, m, pctCell, prev)
					}
				} else {
					percents++
					want := fmt.Sprintf("%.1f%%", pct*100)
					if pct > 0 && want != "0.0%" {
						want = "+" + want
					}
					if strings.TrimPrefix(pctCell, "-") != strings.TrimPrefix(want, "-") || strings.HasPrefix(pctCell, "-") != (pct < 0 && strings.Trim(want, "-0.%") != "") {
						t.Errorf("row %d %s: percent change %q, want %q", i, m, pctCell, want)
					}
				}
			}
			if d, ok := num(res.Rows[i][col["churn_rate_delta"]]); ok && m == "churn_rate" {
				points++
				text := row[col["churn_rate_delta"]].Text
				want := fmt.Sprintf("%.2f 个百分点", math.Abs(d)*100)
				if !strings.HasSuffix(text, want) || strings.HasPrefix(text, "-0.00") || (d > 0.00005) != strings.HasPrefix(text, "+") {
					t.Errorf("row %d: churn change %q for %v, want ±%s", i, text, d, want)
				}
			}
		}
	}
	if dashes == 0 || percents == 0 || points == 0 {
		t.Fatalf("the test bank gave %d dashes, %d percents, %d point changes: it checks nothing", dashes, percents, points)
	}
	if f.Table.Note == "" {
		t.Error("a table with — in its percent changes has no note saying why")
	}
}
