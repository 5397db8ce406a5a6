package metrics

import (
	"encoding/json"
	"testing"
)

// Rows render as encoding/json would, apart from not escaping HTML.
func TestRowObjectsMatchEncodingJSON(t *testing.T) {
	r := &Result{Columns: []Column{{Name: "a"}, {Name: "b"}, {Name: "c"}, {Name: "d"}, {Name: "e"}},
		Rows: [][]any{{8409838568.79, int64(-42), nil, true, "上海 <x> & y"}, {1e-9, int64(0), 0.0, false, ""}, {1e22, int64(1 << 60), 0.0041, false, "q\"uote"}}}
	rows, err := r.RowObjects()
	if err != nil {
		t.Fatal(err)
	}
	for i, raw := range rows {
		want := map[string]any{}
		for j, c := range r.Columns {
			want[c.Name] = r.Rows[i][j]
		}
		wantJSON, _ := json.Marshal(want)
		var got, exp map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("row %d is not JSON: %s", i, raw)
		}
		json.Unmarshal(wantJSON, &exp)
		for k := range exp {
			if got[k] != exp[k] {
				t.Errorf("row %d %s: got %v, want %v (%s)", i, k, got[k], exp[k], raw)
			}
		}
	}
	if string(rows[0])[5:18] != "8409838568.79" {
		t.Errorf("large numbers are written in plain digits: %s", rows[0])
	}
}
