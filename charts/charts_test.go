package charts

import (
	"encoding/json"
	"testing"

	"github.com/beaconbi/beacon/metrics"
)

func result(cols []metrics.Column, defs []metrics.Definition, rows ...[]any) *metrics.Result {
	return &metrics.Result{Columns: cols, Rows: rows, Definitions: defs}
}

var (
	period  = metrics.Column{Name: "period", Role: "time", Type: "date"}
	segment = metrics.Column{Name: "segment", Role: "dimension", Type: "string"}
	region  = metrics.Column{Name: "region", Role: "dimension", Type: "string"}
	churn   = metrics.Column{Name: "churn_rate", Role: "metric", Type: "number", Format: "percent", Label: metrics.Text{ZH: "客户流失率", EN: "Churn rate"}}
	share   = metrics.Column{Name: "segment_contribution", Role: "metric", Type: "number", Format: "percent"}
)

func TestChartChoice(t *testing.T) {
	cases := []struct {
		name   string
		r      *metrics.Result
		kind   string
		series int
		typ    string // the ECharts series type
		first  any    // first value of the first series
	}{
		{"a series over time is a line", result([]metrics.Column{period, churn}, nil, []any{"2026-09-01", 0.01}, []any{"2026-10-01", 0.02}), "line", 1, "line", 1.0},
		{"a series per segment is a line per segment", result([]metrics.Column{period, segment, churn}, nil,
			[]any{"2026-09-01", "高净值", 0.004}, []any{"2026-09-01", "年轻", 0.015}, []any{"2026-10-01", "高净值", 0.005}), "line", 2, "line", 0.4},
		{"one breakdown is a bar", result([]metrics.Column{segment, churn}, nil, []any{"高净值", 0.004}, []any{"年轻", 0.015}), "bar", 1, "bar", 0.4},
		{"a share is a pie", result([]metrics.Column{segment, share}, []metrics.Definition{{Name: "segment_contribution", Type: "share"}},
			[]any{"高净值", 0.6}, []any{"年轻", 0.4}), "pie", 1, "pie", nil},
		{"two breakdowns are grouped bars", result([]metrics.Column{region, segment, churn}, nil,
			[]any{"华东", "高净值", 0.004}, []any{"华东", "年轻", 0.015}, []any{"华北", "年轻", 0.012}), "grouped_bar", 2, "bar", 0.4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if k := Kind(tc.r); k != tc.kind {
				t.Fatalf("kind %s, want %s", k, tc.kind)
			}
			opt := Option(tc.r, "zh", "t")
			b, err := json.Marshal(opt)
			if err != nil {
				t.Fatal(err)
			}
			var parsed struct {
				Series []struct {
					Type string            `json:"type"`
					Data []json.RawMessage `json:"data"`
				} `json:"series"`
			}
			if err := json.Unmarshal(b, &parsed); err != nil {
				t.Fatal(err)
			}
			if len(parsed.Series) != tc.series || parsed.Series[0].Type != tc.typ {
				t.Fatalf("got %d series of %s, want %d of %s: %s", len(parsed.Series), parsed.Series[0].Type, tc.series, tc.typ, b)
			}
			if tc.first != nil {
				var v struct {
					Value any `json:"value"`
				}
				json.Unmarshal(parsed.Series[0].Data[0], &v)
				if v.Value != tc.first {
					t.Fatalf("first value %v, want %v (percent shown as points)", v.Value, tc.first)
				}
			}
		})
	}
	if Option(&metrics.Result{}, "en", "") != nil {
		t.Fatal("an empty result has a chart")
	}
}
