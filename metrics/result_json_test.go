package metrics

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// Result's JSON, written by hand around encoding/json, is byte for byte
// what encoding/json writes for the result with its rows as objects.
func TestResultJSONIsEncodingJSONs(t *testing.T) {
	cols := []Column{{Name: "period", Role: "time", Type: "date"}, {Name: "segment", Role: "dimension", Type: "string"},
		{Name: "churn_rate", Role: "metric", Type: "number", Format: "percent"}, {Name: "n", Role: "metric", Type: "number"}}
	for _, r := range []*Result{
		{Columns: cols, Rows: [][]any{}},
		{Columns: cols, Rows: [][]any{{"2026-01-01", "高净值 <&>", 0.0123, int64(7)}, {"2026-02-01", nil, 1e-9, nil}},
			Totals: map[string]any{"n": int64(7)}, Truncated: true, SQL: "SELECT 1 WHERE a < b", Params: []any{"x", 1.5, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
			Dialect: "duckdb", Cached: true, DataVersion: 9, ElapsedMS: 1.25, ServedFrom: ServedRollup, Rollups: []string{"segment_month"},
			Query: &Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}}},
		{},
	} {
		got, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		type plain Result
		rows, err := r.RowObjects()
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			*plain
			Rows []json.RawMessage `json:"rows"`
		}{(*plain)(r), rows}); err != nil {
			t.Fatal(err)
		}
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Errorf("got\n%s\nwant\n%s", got, w)
		}
		if !json.Valid(got) {
			t.Errorf("not valid JSON: %s", got)
		}
	}
}
