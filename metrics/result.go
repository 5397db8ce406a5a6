package metrics

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Result is the answer to a metric query: typed columns, rows, optional
// totals, the SQL that produced them and the definitions used.
type Result struct {
	Query       Query          `json:"query"`
	Time        ResolvedTime   `json:"time"`
	Columns     []Column       `json:"columns"`
	Rows        [][]any        `json:"-"`
	Totals      map[string]any `json:"totals,omitempty"`
	Truncated   bool           `json:"truncated"`
	SQL         string         `json:"sql"`
	Params      []any          `json:"params"`
	Dialect     string         `json:"dialect"`
	Definitions []Definition   `json:"definitions"`
	Cached      bool           `json:"cached"`
	DataVersion uint64         `json:"data_version"`
	ElapsedMS   float64        `json:"elapsed_ms"`
}

// MarshalJSON writes rows as objects keyed by column name, in column order,
// which is what notebooks and BI tools read most easily.
func (r *Result) MarshalJSON() ([]byte, error) {
	type plain Result
	var rows bytes.Buffer
	rows.WriteByte('[')
	for i, row := range r.Rows {
		if i > 0 {
			rows.WriteByte(',')
		}
		rows.WriteByte('{')
		for j, v := range row {
			if j > 0 {
				rows.WriteByte(',')
			}
			k, _ := json.Marshal(r.Columns[j].Name)
			rows.Write(k)
			rows.WriteByte(':')
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			rows.Write(b)
		}
		rows.WriteByte('}')
	}
	rows.WriteByte(']')
	return json.Marshal(struct {
		*plain
		Rows json.RawMessage `json:"rows"`
	}{(*plain)(r), rows.Bytes()})
}

// Value returns the value of column name in row i, or nil.
func (r *Result) Value(i int, name string) any {
	for j, c := range r.Columns {
		if c.Name == name && i < len(r.Rows) {
			return r.Rows[i][j]
		}
	}
	return nil
}

// cell turns a value scanned from DuckDB into a JSON-friendly one.
func cell(v any, kind string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		if kind == "date" || (x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0) {
			return x.Format("2006-01-02")
		}
		return x.Format(time.RFC3339)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case float32:
		return cell(float64(x), kind)
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case duckdb.Decimal:
		return cell(x.Float64(), kind)
	case []byte:
		return string(x)
	}
	return v
}
