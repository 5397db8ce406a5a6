package server

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// jsonMarshal encodes responses without escaping <, > and & (the API is
// not HTML) and without the trailing newline json.Encoder adds.
func jsonMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// decodeJSON decodes a request body strictly (see strictJSON): unknown or
// miscased fields, duplicate keys, invalid UTF-8, wrong types and trailing
// data are errors that name the field.
//
// A limit, where a body has one, counts rows and runs from 1: a limit of 0
// or less is refused rather than read as "the default", which is what
// leaving it out means.
func decodeJSON(body []byte, out any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return beacon.Invalid("body", nil, "the request body is empty; send a JSON object")
	}
	clean, ints, err := strictJSON(body, reflect.TypeOf(out))
	if err != nil {
		return err
	}
	if n, ok := ints["limit"]; ok && n < 1 {
		return beacon.Invalid("limit", nil, "limit must be 1 or more, got %d; leave it out for the default", n)
	}
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return jsonProblem(err)
	}
	return nil
}

func jsonProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return beacon.Invalid("body", nil, "malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return beacon.Invalid(field, nil, "expected %s, got a JSON %s", typeWord(typ.Type.String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return beacon.Invalid("body", nil, "the JSON ends early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return beacon.Invalid(name, nil, "unknown field %q", name)
	}
	return beacon.Invalid("body", nil, "bad JSON: %v", err)
}

func typeWord(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a whole number"
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool":
		return "true or false"
	}
	return "an object"
}

// wantsCSV reports whether the client asked for CSV.
func wantsCSV(c *fiber.Ctx) bool {
	if f := c.Query("format"); f != "" {
		return f == "csv" || f == "excel"
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/csv")
}

// sendResult writes a metric result as JSON or CSV.
func sendResult(c *fiber.Ctx, r *metrics.Result) error {
	c.Set("X-Beacon-Cached", strconv.FormatBool(r.Cached))
	if !wantsCSV(c) {
		// The result writes compact JSON itself: c.JSON would have
		// encoding/json validate and compact all of it again.
		body, err := r.MarshalJSON()
		if err != nil {
			return fmt.Errorf("encode result: %w", err)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	}
	var buf bytes.Buffer
	if c.Query("format") == "excel" {
		// Excel reads UTF-8 (Chinese names) correctly only after a byte-order mark.
		buf.WriteString("\ufeff")
	}
	w := csv.NewWriter(&buf)
	header := make([]string, len(r.Columns))
	for i, col := range r.Columns {
		header[i] = csvSafe(col.Name)
	}
	partial := partialColumns(r)
	if partial != nil {
		header = append(header, "partial", "covered_days")
	}
	_ = w.Write(header)
	rec := make([]string, len(header))
	for n, row := range r.Rows {
		for i, v := range row {
			rec[i] = csvCell(v)
		}
		if partial != nil {
			rec[len(row)], rec[len(row)+1] = partial(n)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	if r.Truncated {
		c.Set("X-Beacon-Truncated", "true")
	}
	return c.Send(buf.Bytes())
}

// csvCell formats a value for CSV. Text that a spreadsheet would run as a
// formula is prefixed with ' so that opening an export in Excel never
// executes it: see csvSafe.
func csvCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return csvSafe(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32:
		return fmt.Sprint(x) // a negative number is a number, not a formula
	case bool:
		return strconv.FormatBool(x)
	}
	// Lists, maps and other values print as text, which may begin with
	// anything the value held.
	return csvSafe(fmt.Sprint(v))
}

// formulaStarts are the first characters that make Excel, LibreOffice or
// Google Sheets read a cell as a formula (OWASP's list), and their
// full-width forms, which East Asian spreadsheet versions accept too.
const formulaStarts = "=+-@\t\r\n＝＋－＠"

// csvSafe defuses text that a spreadsheet would run as a formula: column
// names from free SQL and uploaded headers as much as cell values. The '
// shows in the cell as typed, so the export still reads as it was.
func csvSafe(s string) string {
	if r, _ := utf8.DecodeRuneInString(s); s != "" && strings.ContainsRune(formulaStarts, r) {
		return "'" + s
	}
	return s
}

// partialColumns returns, when some period of r is partial, the values of
// the CSV columns partial and covered_days of row n ("true", "55/92");
// nil when no row is partial, so ordinary exports keep their columns.
func partialColumns(r *metrics.Result) func(n int) (string, string) {
	if !slices.ContainsFunc(r.Partial, func(p metrics.PartialPeriod) bool { return !p.Comparison }) {
		return nil
	}
	return func(n int) (string, string) {
		period, _ := r.Value(n, "period").(string)
		if p, ok := r.PartialFor(period); ok {
			return "true", fmt.Sprintf("%d/%d", p.CoveredDays, p.Days)
		}
		return "false", ""
	}
}
