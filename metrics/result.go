package metrics

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/beaconbi/beacon/warehouse"
)

// Result is the answer to a metric query: typed columns, rows, optional
// totals, the SQL that produced them and the definitions used.
type Result struct {
	Query       *Query         `json:"query,omitempty"`
	Time        ResolvedTime   `json:"time"`
	Columns     []Column       `json:"columns"`
	Rows        [][]any        `json:"-"`
	Totals      map[string]any `json:"totals,omitempty"`
	Truncated   bool           `json:"truncated"`
	SQL         string         `json:"sql"`
	Params      []any          `json:"params"`
	Dialect     string         `json:"dialect"`
	Definitions []Definition   `json:"definitions,omitempty"`
	Cached      bool           `json:"cached"`
	DataVersion uint64         `json:"data_version"`
	ElapsedMS   float64        `json:"elapsed_ms"`

	// Partial lists the periods the data does not wholly cover (coverage.go).
	Partial []PartialPeriod `json:"partial,omitempty"`

	// ServedFrom is base, rollup or mixed; Rollups names the rollups read
	// (rollup.go). Tables are the versions and last load times of the
	// tables the answer depends on.
	ServedFrom string                  `json:"served_from,omitempty"`
	Rollups    []string                `json:"rollups,omitempty"`
	Tables     []warehouse.TableStatus `json:"tables,omitempty"`
	// reads are the tables the answer read, for dropping it from the
	// cache when one of them is loaded.
	reads []string
}

// MarshalJSON writes rows as objects keyed by column name, in column order,
// which is what notebooks and BI tools read most easily.
//
// The rows are written after the other fields by hand rather than handed
// to encoding/json as raw messages, which it would validate and copy
// again: on 216 rows that was a third of an answer's encoding.
func (r *Result) MarshalJSON() ([]byte, error) {
	type plain Result
	rows, err := r.RowObjects()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeJSON(&b, (*plain)(r)); err != nil {
		return nil, err
	}
	b.Truncate(b.Len() - 1) // the closing brace, written again after the rows
	if b.Len() > 1 {
		b.WriteByte(',')
	}
	b.WriteString(`"rows":[`)
	for i, row := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(row)
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

// writeJSON encodes v without escaping <, > and &: results are data, not HTML.
func writeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	return nil
}

// RowObjects renders each row as a JSON object in column order.
func (r *Result) RowObjects() ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(r.Rows))
	var b bytes.Buffer
	keys := make([][]byte, len(r.Columns))
	for j, c := range r.Columns {
		var k bytes.Buffer
		if err := writeJSON(&k, c.Name); err != nil {
			return nil, err
		}
		keys[j] = k.Bytes()
	}
	for i, row := range r.Rows {
		b.Reset()
		b.WriteByte('{')
		for j, v := range row {
			if j > 0 {
				b.WriteByte(',')
			}
			b.Write(keys[j])
			b.WriteByte(':')
			if err := writeValue(&b, v); err != nil {
				return nil, err
			}
		}
		b.WriteByte('}')
		out[i] = json.RawMessage(bytes.Clone(b.Bytes()))
	}
	return out, nil
}

// writeValue writes one cell; numbers take a fast path, since results are
// mostly numbers and a JSON encoder per value is slow.
func writeValue(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case float64:
		// As encoding/json writes them: plain digits unless very large or small.
		format := byte('f')
		if a := math.Abs(x); a != 0 && (a < 1e-6 || a >= 1e21) {
			format = 'e'
		}
		b.Write(strconv.AppendFloat(b.AvailableBuffer(), x, format, -1, 64))
	case int64:
		b.Write(strconv.AppendInt(b.AvailableBuffer(), x, 10))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	default:
		return writeJSON(b, v)
	}
	return nil
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

// kindUUID and kindUUIDList are the cell kinds of UUID and UUID[] columns.
// The driver scans UUIDs as their 16 raw bytes, like BLOBs, so only the
// column's type tells them apart.
const (
	kindUUID     = "uuid"
	kindUUIDList = "uuid[]"
	// kindMoney is a number column of a currency metric (its value or
	// comparison): sums of amounts, whose binary-float noise is removed.
	kindMoney = "money"
)

// cellKinds are the kinds cell converts each column's values by: the
// column's JSON type, or kindUUID for a UUID column.
func cellKinds(rows *sql.Rows, cols []Column) []string {
	kinds := make([]string, len(cols))
	for i, c := range cols {
		kinds[i] = c.Type
		if c.Type == "number" && c.Format == "currency" {
			kinds[i] = kindMoney
		}
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return kinds
	}
	for i, t := range types {
		if i >= len(kinds) {
			break
		}
		switch strings.ToUpper(t.DatabaseTypeName()) {
		case "UUID":
			kinds[i] = kindUUID
		case "UUID[]":
			kinds[i] = kindUUIDList
		}
	}
	return kinds
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
		if kind == kindMoney {
			return denoise(x)
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
	case []any:
		if kind == kindUUIDList {
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = cell(e, kindUUID)
			}
			return out
		}
	case []byte:
		if kind == kindUUID && len(x) == 16 {
			u := duckdb.UUID(x)
			return u.String()
		}
		return string(x)
	}
	return v
}

// noiseTolerance is how close, relative to a figure, a shorter decimal
// must be for the figure to be taken for it. Binary floating point cannot
// hold most decimals, and DuckDB sums doubles in whatever order its
// threads take the rows, so a sum of amounts in cents comes out as
// 103883145.91000001, a yearly total as 6356204362.0402 and a difference
// of two sums as -2467487.35000047: noise measured up to 2e-13 of the
// figure on a 20,000-customer bank. Within 1e-12 a figure keeps 12
// significant digits, to the fen below 10 billion yuan, which is all the
// precision such sums have: a legitimate figure moves by less than that
// fraction, far below what any amount or rate means.
const noiseTolerance = 1e-12

// denoise returns the shortest decimal within noiseTolerance of x, as the
// double nearest to it, so that JSON, CSV, XLSX and sentences, which all
// read the result's rows, write 103883145.91. Values without such a
// shorter decimal are returned as they are. Only money is denoised: rates
// and counts keep every digit DuckDB gives (0.024096385542168676 is 2/83,
// not noise), and free SQL's columns are the caller's own.
func denoise(x float64) float64 {
	a := math.Abs(x)
	if a == 0 || a < 1e-300 || a > 1e300 {
		return x
	}
	tol := a * noiseTolerance
	exp := int(math.Floor(math.Log10(a)))
	// Fewer digits can only move the value further (each coarser grid is
	// a subset of the finer one), so the shortest fit is found by halving;
	// 13 digits are always within the tolerance.
	best, lo, hi := x, 1, 13
	for lo <= hi {
		p := (lo + hi) / 2
		if y := roundDigits(x, p, exp); math.Abs(y-x) <= tol {
			best, hi = y, p-1
		} else {
			lo = p + 1
		}
	}
	return best
}

// pow10 are the powers of ten a double holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// roundDigits rounds x (whose decimal exponent is exp) to p significant
// digits. Dividing or multiplying a whole number by an exact power of ten
// is correctly rounded, so the result is the double nearest the decimal,
// the same one strconv.ParseFloat would read.
func roundDigits(x float64, p, exp int) float64 {
	k := p - 1 - exp // decimal places kept
	switch {
	case k >= 0 && k < len(pow10):
		return math.Round(x*pow10[k]) / pow10[k]
	case k < 0 && -k < len(pow10):
		return math.Round(x/pow10[-k]) * pow10[-k]
	}
	y, err := strconv.ParseFloat(strconv.FormatFloat(x, 'e', p-1, 64), 64)
	if err != nil {
		return x
	}
	return y
}
