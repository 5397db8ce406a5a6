package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beaconbi/beacon"
)

// maxJSONDepth bounds how deeply a request body may nest. Beacon's deepest
// request (a filter's value list inside a query) is four levels; the bound
// keeps a body of a million '[' from costing a million stack frames.
const maxJSONDepth = 32

// strictJSON walks a JSON document token by token against the Go type it
// is meant for, and refuses what encoding/json would quietly accept:
//
//   - a key that appears twice in one object (encoding/json keeps the last);
//   - a key that matches a struct field only in another case (encoding/json
//     matches case-insensitively), or matches none;
//   - a string holding invalid UTF-8 or a lone surrogate escape (encoding/json
//     turns both into U+FFFD);
//   - a value of the wrong JSON type, named by its path (filters[0].op);
//   - a number with a fraction, or out of range, for a whole-number field.
//
// It returns the document re-encoded, with whole numbers written as
// integers (1e3 becomes 1000, which encoding/json will not put in an int),
// and the whole-number fields it saw, by path.
func strictJSON(body []byte, t reflect.Type) ([]byte, map[string]int64, error) {
	w := &jsonWalker{dec: json.NewDecoder(bytes.NewReader(body)), body: body, ints: map[string]int64{}}
	w.dec.UseNumber()
	if err := w.value(t, "", 0); err != nil {
		return nil, nil, err
	}
	if _, err := w.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, nil, beacon.Invalid("body", nil, "unexpected data after the JSON value")
	}
	return w.out.Bytes(), w.ints, nil
}

type jsonWalker struct {
	dec  *json.Decoder
	body []byte
	prev int64 // input offset after the previous token
	out  bytes.Buffer
	ints map[string]int64
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()
)

// token reads the next token and the raw bytes it came from (with any
// separators before it).
func (w *jsonWalker) token() (json.Token, []byte, error) {
	tok, err := w.dec.Token()
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF // a value was expected
	}
	if err != nil {
		return nil, nil, jsonProblem(err)
	}
	off := w.dec.InputOffset()
	raw := w.body[w.prev:off]
	w.prev = off
	return tok, raw, nil
}

// value reads one value meant for t (nil: anything) at path.
func (w *jsonWalker) value(t reflect.Type, path string, depth int) error {
	tok, raw, err := w.token()
	if err != nil {
		return err
	}
	return w.valueFrom(tok, raw, t, path, depth)
}

func (w *jsonWalker) valueFrom(tok json.Token, raw []byte, t reflect.Type, path string, depth int) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil // the type reads whatever it is given; only the generic checks apply
	}
	switch x := tok.(type) {
	case json.Delim:
		if depth >= maxJSONDepth {
			return beacon.Invalid(fieldName(path), nil, "the JSON nests more than %d levels deep", maxJSONDepth)
		}
		if x == '{' {
			return w.object(t, path, depth+1)
		}
		return w.array(t, path, depth+1)
	case string:
		if err := checkString(x, raw, path); err != nil {
			return err
		}
		if t != nil && t.Kind() != reflect.String && !reflect.PointerTo(t).Implements(textUnmarshalerType) {
			return wrongType(t, "a string", path)
		}
		b, _ := jsonMarshal(x)
		w.out.Write(b)
	case json.Number:
		return w.number(x, t, path)
	case bool:
		if t != nil && t.Kind() != reflect.Bool {
			return wrongType(t, "true or false", path)
		}
		w.out.WriteString(strconv.FormatBool(x))
	case nil:
		w.out.WriteString("null")
	}
	return nil
}

func (w *jsonWalker) object(t reflect.Type, path string, depth int) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	switch {
	case t == nil:
	case t.Kind() == reflect.Struct:
		fields = jsonFields(t)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		elem = t.Elem()
	default:
		return wrongType(t, "an object", path)
	}
	w.out.WriteByte('{')
	seen := map[string]bool{}
	for i := 0; ; i++ {
		tok, raw, err := w.token()
		if err != nil {
			return err
		}
		if tok == json.Delim('}') {
			w.out.WriteByte('}')
			return nil
		}
		key := tok.(string) // the decoder allows only strings here
		at := join(path, key)
		if err := checkString(key, raw, at); err != nil {
			return err
		}
		if seen[key] {
			return beacon.Invalid(at, nil, "key %q appears twice in the same object; send it once", clipParam(key))
		}
		seen[key] = true
		ft := elem
		if fields != nil {
			var ok bool
			if ft, ok = fields[key]; !ok {
				return unknownField(fields, key, at)
			}
		}
		if i > 0 {
			w.out.WriteByte(',')
		}
		b, _ := jsonMarshal(key)
		w.out.Write(b)
		w.out.WriteByte(':')
		if err := w.value(ft, at, depth); err != nil {
			return err
		}
	}
}

func (w *jsonWalker) array(t reflect.Type, path string, depth int) error {
	var elem reflect.Type
	if t != nil {
		if k := t.Kind(); k != reflect.Slice && k != reflect.Array {
			return wrongType(t, "a list", path)
		}
		elem = t.Elem()
	}
	w.out.WriteByte('[')
	for i := 0; ; i++ {
		tok, raw, err := w.token()
		if err != nil {
			return err
		}
		if tok == json.Delim(']') {
			w.out.WriteByte(']')
			return nil
		}
		if i > 0 {
			w.out.WriteByte(',')
		}
		if err := w.valueFrom(tok, raw, elem, fmt.Sprintf("%s[%d]", fieldName(path), i), depth); err != nil {
			return err
		}
	}
}

// number writes n, as an integer when t is a whole-number type.
func (w *jsonWalker) number(n json.Number, t reflect.Type, path string) error {
	if t == nil {
		w.out.WriteString(n.String())
		return nil
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		w.out.WriteString(n.String())
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
	default:
		return wrongType(t, "a number", path)
	}
	i, err := wholeNumber(n, t)
	if err != nil {
		return beacon.Invalid(fieldName(path), nil, "%s must be a whole number: %v", fieldName(path), err)
	}
	w.ints[path] = i
	w.out.WriteString(strconv.FormatInt(i, 10))
	return nil
}

// wholeNumber reads n as an integer of type t. A JSON number is a number
// however it is written: 1000, 1e3 and 1000.0 are the same value.
func wholeNumber(n json.Number, t reflect.Type) (int64, error) {
	if i, err := n.Int64(); err == nil {
		return inRange(i, n, t)
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	switch {
	case err != nil || math.Abs(f) >= math.MaxInt64:
		return 0, fmt.Errorf("%s is out of range", clipParam(n.String()))
	case f != math.Trunc(f):
		return 0, fmt.Errorf("%s has a fraction", clipParam(n.String()))
	}
	return inRange(int64(f), n, t)
}

func inRange(i int64, n json.Number, t reflect.Type) (int64, error) {
	unsigned := t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64
	if unsigned && i < 0 {
		return 0, fmt.Errorf("%s is negative", clipParam(n.String()))
	}
	if bits := t.Bits(); bits < 64 {
		lo, hi := -int64(1)<<(bits-1), int64(1)<<(bits-1)-1
		if unsigned {
			lo, hi = 0, int64(1)<<bits-1
		}
		if i < lo || i > hi {
			return 0, fmt.Errorf("%s is out of range", clipParam(n.String()))
		}
	}
	return i, nil
}

// checkString refuses a string that is not valid Unicode. raw is the
// token as sent: invalid UTF-8 shows there, and a lone surrogate escape
// (\ud800) shows as a U+FFFD that was not in the input.
func checkString(s string, raw []byte, path string) error {
	if !utf8.Valid(raw) {
		return beacon.Invalid(fieldName(path), nil, "%s is not valid UTF-8; send text as UTF-8", fieldName(path))
	}
	if n := strings.Count(s, "\uFFFD"); n > 0 {
		sent := bytes.Count(raw, []byte("\uFFFD")) + bytes.Count(bytes.ToLower(raw), []byte(`\ufffd`))
		if n > sent {
			return beacon.Invalid(fieldName(path), nil, "%s holds a lone UTF-16 surrogate escape, which is not a character", fieldName(path))
		}
	}
	return nil
}

// jsonFields maps a struct's JSON names to their types, as encoding/json
// names them (embedded structs' fields are promoted).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func unknownField(fields map[string]reflect.Type, key, path string) error {
	for name := range fields {
		if strings.EqualFold(name, key) {
			return beacon.Invalid(path, nil, "unknown field %q: field names are case-sensitive; did you mean %q?", clipParam(key), name)
		}
	}
	return beacon.Invalid(path, nil, "unknown field %q", clipParam(key))
}

func wrongType(t reflect.Type, got, path string) error {
	want := typeWord(t.String())
	if k := t.Kind(); k == reflect.Struct || k == reflect.Map {
		want = "an object"
	}
	return beacon.Invalid(fieldName(path), nil, "%s: expected %s, got %s", fieldName(path), want, got)
}

// join names a key inside the object at path: time.start, filters[0].op.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldName is path, or "body" for the document itself.
func fieldName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
