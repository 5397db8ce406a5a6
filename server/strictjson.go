package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beaconbi/beacon"
)

// maxJSONDepth bounds how deeply a request body may nest. Beacon's deepest
// request (a filter's value list inside a query) is four levels.
const maxJSONDepth = 32

// strictJSON checks a JSON document against the Go type it is meant for,
// and refuses what encoding/json would quietly accept:
//
//   - a key that appears twice in one object (encoding/json keeps the last);
//   - a key that matches a struct field only in another case (encoding/json
//     matches case-insensitively), or matches none;
//   - a string holding invalid UTF-8 or a lone surrogate escape (encoding/json
//     turns both into U+FFFD);
//   - a value of the wrong JSON type, named by its path (filters[0].op);
//   - a number with a fraction, or out of range, for a whole-number field.
//
// It returns the document with whole-number fields written as integers
// (1e3 becomes 1000, which encoding/json will not put in an int), and the
// whole-number fields it saw, by path.
//
// The syntax is checked first by json.Valid, so the walk below can scan
// without handling malformed input; it allocates little, since a 1 MiB body
// of small values must not cost much more to check than to decode.
func strictJSON(body []byte, t reflect.Type) ([]byte, map[string]int64, error) {
	if !json.Valid(body) {
		// Decoding into a RawMessage only runs the syntax check, which
		// names the byte at fault.
		var raw json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, nil, jsonProblem(err)
		}
		return nil, nil, beacon.Invalid("body", nil, "malformed JSON")
	}
	w := &jsonWalker{b: body, ints: map[string]int64{}}
	if err := w.value(t, jsonPath{}, 0); err != nil {
		return nil, nil, err
	}
	return w.edited(), w.ints, nil
}

// jsonPath names a value in the document: the container's path and the
// key or index inside it. It is turned into text only when needed (an
// error, a container, a whole number), so that scanning a long list of
// values does not build a string for each.
type jsonPath struct {
	parent string
	key    string
	index  int  // for a list element
	isElem bool // whether this is a list element, named by index, or a key
}

func (p jsonPath) String() string {
	switch {
	case p.isElem:
		return fieldName(p.parent) + "[" + strconv.Itoa(p.index) + "]"
	case p.parent == "":
		return p.key
	}
	return p.parent + "." + p.key
}

// field is the path as an error's field: "body" for the document itself.
func (p jsonPath) field() string { return fieldName(p.String()) }

type jsonWalker struct {
	b     []byte
	pos   int
	edits []jsonEdit
	ints  map[string]int64
}

// jsonEdit replaces b[start:end] with text.
type jsonEdit struct {
	start, end int
	text       string
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()
)

// target is the type whose shape a value must have, or nil when any value
// will do (an interface, or a type that decodes itself).
func target(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType)) {
		return nil
	}
	return t
}

func (w *jsonWalker) skipSpace() {
	for w.pos < len(w.b) {
		switch w.b[w.pos] {
		case ' ', '\t', '\r', '\n':
			w.pos++
		default:
			return
		}
	}
}

// value checks the value at w.pos, meant for t, and moves past it.
func (w *jsonWalker) value(t reflect.Type, at jsonPath, depth int) error {
	w.skipSpace()
	t = target(t)
	switch c := w.b[w.pos]; {
	case c == '{' || c == '[':
		if depth >= maxJSONDepth {
			return beacon.Invalid(at.field(), nil, "the JSON nests more than %d levels deep", maxJSONDepth)
		}
		if c == '{' {
			return w.object(t, at, depth+1)
		}
		return w.array(t, at, depth+1)
	case c == '"':
		raw := w.str()
		if err := checkString(raw, at); err != nil {
			return err
		}
		if t != nil && t.Kind() != reflect.String && !reflect.PointerTo(t).Implements(textUnmarshalerType) {
			return wrongType(t, "a string", at)
		}
	case c == 't' || c == 'f':
		w.pos += len("false")
		if c == 't' {
			w.pos -= len("false") - len("true")
		}
		if t != nil && t.Kind() != reflect.Bool {
			return wrongType(t, "true or false", at)
		}
	case c == 'n':
		w.pos += 4 // null suits every type
	default:
		start := w.pos
		for w.pos < len(w.b) && strings.IndexByte("+-.0123456789eE", w.b[w.pos]) >= 0 {
			w.pos++
		}
		return w.number(start, t, at)
	}
	return nil
}

// str moves past the string at w.pos and returns it as sent, quotes included.
func (w *jsonWalker) str() []byte {
	start := w.pos
	w.pos++
	for w.b[w.pos] != '"' {
		if w.b[w.pos] == '\\' {
			w.pos++ // the escaped byte cannot end the string
		}
		w.pos++
	}
	w.pos++
	return w.b[start:w.pos]
}

// expect moves past the next non-space byte, which json.Valid has made sure is c.
func (w *jsonWalker) expect() byte {
	w.skipSpace()
	c := w.b[w.pos]
	w.pos++
	return c
}

func (w *jsonWalker) object(t reflect.Type, at jsonPath, depth int) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	switch {
	case t == nil:
	case t.Kind() == reflect.Struct:
		fields = jsonFields(t)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		elem = t.Elem()
	default:
		return wrongType(t, "an object", at)
	}
	path := at.String()
	w.pos++ // {
	w.skipSpace()
	if w.b[w.pos] == '}' {
		w.pos++
		return nil
	}
	seen := map[string]bool{}
	for {
		w.skipSpace()
		raw := w.str()
		key := jsonPath{parent: path}
		if err := checkString(raw, key); err != nil {
			return err
		}
		key.key = unquote(raw)
		if seen[key.key] {
			return beacon.Invalid(key.String(), nil, "key %q appears twice in the same object; send it once", clipParam(key.key))
		}
		seen[key.key] = true
		ft := elem
		if fields != nil {
			var ok bool
			if ft, ok = fields[key.key]; !ok {
				return unknownField(fields, key)
			}
		}
		w.expect() // :
		if err := w.value(ft, key, depth); err != nil {
			return err
		}
		if w.expect() == '}' {
			return nil
		}
	}
}

func (w *jsonWalker) array(t reflect.Type, at jsonPath, depth int) error {
	var elem reflect.Type
	if t != nil {
		if k := t.Kind(); k != reflect.Slice && k != reflect.Array {
			return wrongType(t, "a list", at)
		}
		elem = t.Elem()
	}
	path := at.String()
	w.pos++ // [
	w.skipSpace()
	if w.b[w.pos] == ']' {
		w.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := w.value(elem, jsonPath{parent: path, index: i, isElem: true}, depth); err != nil {
			return err
		}
		if w.expect() == ']' {
			return nil
		}
	}
}

// number checks the number that starts at start and ends at w.pos; for a
// whole-number type it is rewritten as an integer when written otherwise.
func (w *jsonWalker) number(start int, t reflect.Type, at jsonPath) error {
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
	default:
		return wrongType(t, "a number", at)
	}
	lit := string(w.b[start:w.pos])
	i, err := wholeNumber(json.Number(lit), t)
	if err != nil {
		return beacon.Invalid(at.field(), nil, "%s must be a whole number: %v", at.field(), err)
	}
	w.ints[at.String()] = i
	if text := strconv.FormatInt(i, 10); text != lit {
		w.edits = append(w.edits, jsonEdit{start, w.pos, text})
	}
	return nil
}

// edited is the document with the edits applied.
func (w *jsonWalker) edited() []byte {
	if len(w.edits) == 0 {
		return w.b
	}
	var out bytes.Buffer
	last := 0
	for _, e := range w.edits {
		out.Write(w.b[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(w.b[last:])
	return out.Bytes()
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

// checkString refuses a string literal (quotes included) that is not valid
// Unicode: invalid UTF-8, or a \u escape of a surrogate that is not one
// half of a pair. encoding/json would turn either into U+FFFD.
func checkString(raw []byte, at jsonPath) error {
	if !utf8.Valid(raw) {
		return beacon.Invalid(at.field(), nil, "%s is not valid UTF-8; send text as UTF-8", at.field())
	}
	for i := bytes.IndexByte(raw, '\\'); i >= 0 && i < len(raw); {
		if raw[i] != '\\' {
			i++
			continue
		}
		if raw[i+1] != 'u' {
			i += 2
			continue
		}
		r := hex4(raw[i+2 : i+6])
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if i+12 > len(raw) || raw[i+6] != '\\' || raw[i+7] != 'u' {
				return loneSurrogate(at)
			}
			if lo := hex4(raw[i+8 : i+12]); lo < 0xDC00 || lo > 0xDFFF {
				return loneSurrogate(at)
			}
			i += 12
		case r >= 0xDC00 && r <= 0xDFFF:
			return loneSurrogate(at)
		default:
			i += 6
		}
	}
	return nil
}

func loneSurrogate(at jsonPath) error {
	return beacon.Invalid(at.field(), nil, "%s holds a lone UTF-16 surrogate escape, which is not a character", at.field())
}

// hex4 reads four hex digits (json.Valid has checked them).
func hex4(b []byte) rune {
	n, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(n)
}

// unquote is the text of a checked string literal.
func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // valid: checked by json.Valid and checkString
	return s
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

func unknownField(fields map[string]reflect.Type, at jsonPath) error {
	for name := range fields {
		if strings.EqualFold(name, at.key) {
			return beacon.Invalid(at.String(), nil, "unknown field %q: field names are case-sensitive; did you mean %q?", clipParam(at.key), name)
		}
	}
	return beacon.Invalid(at.String(), nil, "unknown field %q", clipParam(at.key))
}

func wrongType(t reflect.Type, got string, at jsonPath) error {
	want := typeWord(t.String())
	if k := t.Kind(); k == reflect.Struct || k == reflect.Map {
		want = "an object"
	}
	return beacon.Invalid(at.field(), nil, "%s: expected %s, got %s", at.field(), want, got)
}

// fieldName is path, or "body" for the document itself.
func fieldName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
