package charts_test

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/narrate"
	"github.com/beaconbi/beacon/warehouse"
)

var bank *warehouse.DB

func TestMain(m *testing.M) { metricstest.Main(m, 2_000, 24, &bank) }

// drawn is the part of an ECharts option the tests read.
type drawn struct {
	Title json.RawMessage `json:"title"`
	XAxis []struct {
		Data []string `json:"data"`
	} `json:"xAxis"`
	YAxis []struct {
		Name string `json:"name"`
	} `json:"yAxis"`
	Series []struct {
		Type string            `json:"type"`
		Name string            `json:"name"`
		Data []json.RawMessage `json:"data"`
	} `json:"series"`
}

// The chart of each shape of demo-bank result: its kind, its axis unit,
// its categories in the asked language, and its first drawn value, which
// must be the query's own value scaled as the definition says (percent
// in points, money in 亿 or M), computed here independently.
func TestChartsOfDemoBankResults(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	cat := eng.Catalog()
	cases := []struct {
		name     string
		lang     string
		q        metrics.Query
		kind     string
		unit     string  // the y axis name ("" for pie, heatmap and KPI)
		category string  // the first category on the x axis, if any
		scale    float64 // drawn value = query value × scale; 0: not checked
		title    string  // a part of the title
	}{
		{"churn by month is a line in percent", "zh",
			metrics.Query{Metrics: []string{"churn_rate"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_6_months"}},
			charts.Line, "%", "", 100, "客户流失率"},
		{"churn by segment is a bar with English labels", "en",
			metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_quarter"}, Order: []metrics.Order{{By: "segment"}}},
			charts.Bar, "%", "Mass affluent", 100, "Churn rate"},
		{"AUM by segment in zh is in 亿元", "zh",
			metrics.Query{Metrics: []string{"aum"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_month"}},
			charts.Bar, "亿元", "", 1e-8, "管理资产"},
		{"AUM by segment in en is in CNY M or B", "en",
			metrics.Query{Metrics: []string{"aum"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_month"}},
			charts.Bar, "CNY ", "", 0, "AUM"},
		{"segment contribution is a pie", "zh",
			metrics.Query{Metrics: []string{"segment_contribution"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_month"}},
			charts.Pie, "", "", 100, "客群贡献度"},
		{"two small breakdowns are grouped bars", "zh",
			metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment", "gender"}, Time: &metrics.TimeSpec{Range: "last_quarter"}},
			charts.GroupedBar, "%", "", 100, "客户流失率"},
		{"branch by segment is a heatmap", "zh",
			metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch", "segment"}, Time: &metrics.TimeSpec{Range: "last_quarter"}},
			charts.Heatmap, "", "", 100, "客户流失率"},
		{"one value with a comparison is a KPI card", "zh",
			metrics.Query{Metrics: []string{"aum"}, Time: &metrics.TimeSpec{Range: "last_month"}, Compare: "previous_period"},
			charts.KPI, "", "", 0, "管理资产"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := eng.Run(context.Background(), tc.q, nil)
			if err != nil {
				t.Fatal(err)
			}
			c, err := charts.Build(r, charts.Options{Lang: tc.lang, Labels: func(dim, v string) string { return narrate.ValueLabel(tc.lang, cat, dim, v) }})
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind != tc.kind {
				t.Fatalf("kind %s, want %s", c.Kind, tc.kind)
			}
			if !strings.Contains(c.Title, tc.title) {
				t.Errorf("title %q does not name %q", c.Title, tc.title)
			}
			b, err := json.Marshal(c.Option)
			if err != nil {
				t.Fatal(err)
			}
			var o drawn
			if err := json.Unmarshal(b, &o); err != nil {
				t.Fatal(err)
			}
			if tc.kind == charts.KPI {
				checkKPI(t, r, c)
				return
			}
			if len(o.Series) == 0 || len(o.Series[0].Data) == 0 {
				t.Fatalf("no series: %s", b)
			}
			if tc.unit != "" && (len(o.YAxis) == 0 || !strings.HasPrefix(o.YAxis[0].Name, tc.unit)) {
				t.Errorf("y axis %s, want unit %q", b, tc.unit)
			}
			if tc.category != "" && (len(o.XAxis) == 0 || len(o.XAxis[0].Data) == 0 || o.XAxis[0].Data[0] != tc.category) {
				t.Errorf("x axis %+v, want first category %q", o.XAxis, tc.category)
			}
			if tc.kind == charts.Heatmap || tc.kind == charts.GroupedBar || tc.scale == 0 {
				return
			}
			// The first drawn value against the first row, scaled here.
			want, _ := narrate.Number(r.Rows[0][len(r.Columns)-1])
			var got struct {
				Value float64 `json:"value"`
			}
			if err := json.Unmarshal(o.Series[0].Data[0], &got); err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Value-want*tc.scale) > 1e-3 {
				t.Errorf("first value %v, want %v", got.Value, want*tc.scale)
			}
		})
	}
}

func checkKPI(t *testing.T, r *metrics.Result, c charts.Chart) {
	t.Helper()
	if c.Figure == nil {
		t.Fatal("a KPI chart has no figure")
	}
	v, _ := narrate.Number(r.Value(0, "aum"))
	delta, _ := narrate.Number(r.Value(0, "aum_delta"))
	if want := narrate.Value("zh", metrics.Definition{Format: "currency", Currency: "CNY"}, v); c.Figure.Value != want || !strings.HasSuffix(want, "亿元") {
		t.Errorf("KPI value %q, want %q in 亿元", c.Figure.Value, want)
	}
	arrow := map[bool]string{true: "▲", false: "▼"}[delta > 0]
	if c.Figure.Arrow != arrow || !strings.HasPrefix(c.Figure.Change, "环比") {
		t.Errorf("KPI change %q %q for a delta of %v", c.Figure.Arrow, c.Figure.Change, delta)
	}
	b, _ := json.Marshal(c.Option["title"])
	if !strings.Contains(string(b), c.Figure.Value) || !strings.Contains(string(b), arrow) {
		t.Errorf("the KPI option does not show the figure: %s", b)
	}
}

// A kind that does not fit the result is an error naming what it needs.
func TestBuildRefusesAKindThatDoesNotFit(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	r, err := eng.Run(context.Background(), metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_quarter"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for kind, want := range map[string]string{charts.Line: "time grain", charts.Heatmap: "two breakdowns", "radar": "unknown kind"} {
		if _, err := charts.Build(r, charts.Options{Lang: "en", Kind: kind}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("kind %s: error %v, want one naming %q", kind, err, want)
		}
	}
	b, err := charts.OptionJSON(r, "en")
	if err != nil || !strings.Contains(string(b), `"type":"bar"`) {
		t.Errorf("OptionJSON: %v %s", err, b)
	}
}

// An alert's chart and POST /api/v1/charts/png draw through
// LabelledOptionJSON: in English every bar is named by the value's English
// label, the same as narrate gives, and no Chinese value is left; in
// Chinese the values stay as they are written.
func TestLabelledOptionJSONNamesValuesInTheChartsLanguage(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	q := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "last_month"}}
	res, err := eng.Run(context.Background(), q, nil)
	if err != nil {
		t.Fatal(err)
	}
	option := charts.LabelledOptionJSON(eng.Catalog)
	for _, lang := range []string{"en", "zh"} {
		raw, err := option(res, lang)
		if err != nil {
			t.Fatal(err)
		}
		var d drawn
		if err := json.Unmarshal(raw, &d); err != nil || len(d.XAxis) == 0 {
			t.Fatalf("%s: option without an x axis: %v %.300s", lang, err, raw)
		}
		var want []string
		for i := range res.Rows {
			want = append(want, narrate.ValueLabel(lang, eng.Catalog(), "segment", res.Value(i, "segment").(string)))
		}
		if strings.Join(d.XAxis[0].Data, "|") != strings.Join(want, "|") {
			t.Errorf("%s: bars %v, want %v", lang, d.XAxis[0].Data, want)
		}
		if lang == "en" && (slices.Contains(d.XAxis[0].Data, "高净值") || !slices.Contains(d.XAxis[0].Data, "High net worth")) {
			t.Errorf("en: bars %v are not in English", d.XAxis[0].Data)
		}
	}
}
