package queries

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/beaconbi/beacon"
)

// Bounds on functions whose output can be far larger than their input.
// DuckDB checks for interrupts only between chunks of work and does not
// count these values against its memory limit: one call such as
// len(range(1000000000)) runs for minutes and takes gigabytes whatever the
// timeout (with literal arguments the planner even folds it into a
// constant before the statement starts). Free SQL may call them only with
// literal sizes under these bounds, and never one inside another.
const (
	// MaxSeries bounds the elements of one range() or generate_series() list.
	MaxSeries = 100_000
	// MaxRepeatBytes bounds repeat() of a literal text or list.
	MaxRepeatBytes = 1 << 20
	// MaxRepeatCount bounds repeat() of a column or expression, which runs
	// once per row.
	MaxRepeatCount = 100
	// MaxPad bounds the length lpad(), rpad(), list_resize() and
	// array_resize() may produce.
	MaxPad = 10_000
	// MaxFormatWidth bounds widths and precisions in printf() and format().
	MaxFormatWidth = 1_000
)

// sizedFunctions check the arguments of functions whose output size an
// argument chooses.
var sizedFunctions = map[string]func(args []any) error{
	"range":           func(a []any) error { return checkSeries("range", a) },
	"generate_series": func(a []any) error { return checkSeries("generate_series", a) },
	"repeat":          checkRepeat,
	"lpad":            func(a []any) error { return checkPad("lpad", a, 1) },
	"rpad":            func(a []any) error { return checkPad("rpad", a, 1) },
	"list_resize":     func(a []any) error { return checkPad("list_resize", a, 1) },
	"array_resize":    func(a []any) error { return checkPad("array_resize", a, 1) },
	"printf":          func(a []any) error { return checkFormat("printf", a) },
	"format":          func(a []any) error { return checkFormat("format", a) },
}

// checkSized checks a function node, if it is one of sizedFunctions.
func checkSized(name string, node map[string]any) error {
	check, ok := sizedFunctions[strings.ToLower(name)]
	if !ok {
		return nil
	}
	args := asList(node["children"])
	for _, a := range args {
		if inner := findSized(a); inner != "" {
			return beacon.Invalid("sql", nil, "%s() cannot take the result of %s() in free SQL: together they can build values larger than memory", name, inner)
		}
	}
	return check(args)
}

// findSized returns the name of a sized function anywhere under v.
func findSized(v any) string {
	switch x := v.(type) {
	case []any:
		for _, c := range x {
			if n := findSized(c); n != "" {
				return n
			}
		}
	case map[string]any:
		if x["class"] == "FUNCTION" {
			if n, _ := x["function_name"].(string); sizedFunctions[strings.ToLower(n)] != nil {
				return n
			}
		}
		for _, c := range x {
			if n := findSized(c); n != "" {
				return n
			}
		}
	}
	return ""
}

// literal returns the value of a constant, looking through casts; ok is
// false for anything else.
func literal(v any) (val any, castTo string, ok bool) {
	m, _ := v.(map[string]any)
	switch m["class"] {
	case "CONSTANT":
		c, _ := m["value"].(map[string]any)
		if c["is_null"] == true {
			return nil, "", false
		}
		return c["value"], "", true
	case "CAST":
		val, _, ok := literal(m["child"])
		t, _ := m["cast_type"].(map[string]any)
		id, _ := t["id"].(string)
		return val, id, ok
	}
	return nil, "", false
}

// intLiteral returns an integer constant argument.
func intLiteral(v any) (float64, bool) {
	val, _, ok := literal(v)
	f, isNum := val.(float64)
	if !ok || !isNum || f != math.Trunc(f) {
		return 0, false
	}
	return f, true
}

// checkSeries bounds range() and generate_series(): integer or date
// arguments must be literals and the list at most MaxSeries long.
func checkSeries(name string, args []any) error {
	need := beacon.Invalid("sql", nil, "%s() in free SQL takes literal arguments (numbers, or dates and an interval such as INTERVAL 1 DAY) and makes at most %d elements", name, MaxSeries)
	if len(args) == 0 || len(args) > 3 {
		return nil // DuckDB's binder reports the wrong arity
	}
	var n float64
	if len(args) == 3 && !isIntLiteral(args[2]) {
		start, ok1 := timeLiteral(args[0])
		end, ok2 := timeLiteral(args[1])
		step, ok3 := intervalLiteral(args[2])
		if !ok1 || !ok2 || !ok3 || step <= 0 {
			return need
		}
		n = math.Abs(float64(end.Sub(start))) / float64(step)
	} else {
		nums := []float64{0, 0, 1}
		for i, a := range args {
			f, ok := intLiteral(a)
			if !ok {
				return need
			}
			nums[i] = f
		}
		if len(args) == 1 {
			nums[0], nums[1] = 0, nums[0]
		}
		if nums[2] == 0 {
			return nil // DuckDB refuses a zero step itself
		}
		n = (nums[1] - nums[0]) / nums[2]
	}
	if name == "generate_series" {
		n++ // it includes its stop, range() does not
	}
	n = math.Ceil(n)
	if n > MaxSeries {
		return beacon.Invalid("sql", nil, "%s() here would make about %.0f elements; free SQL allows at most %d", name, n, MaxSeries)
	}
	return nil
}

func isIntLiteral(v any) bool {
	_, ok := intLiteral(v)
	return ok
}

// timeLiteral reads DATE '…' or TIMESTAMP '…'.
func timeLiteral(v any) (time.Time, bool) {
	val, castTo, ok := literal(v)
	s, isText := val.(string)
	if !ok || !isText || !strings.HasPrefix(castTo, "DATE") && !strings.HasPrefix(castTo, "TIMESTAMP") {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05Z07", "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if len(s) >= 10 {
		t, err := time.Parse("2006-01-02", s[:10])
		return t, err == nil
	}
	return time.Time{}, false
}

// unitLengths are the shortest lengths of interval units, so that a count
// of steps errs on the large side.
var unitLengths = map[string]time.Duration{
	"microsecond": time.Microsecond, "millisecond": time.Millisecond, "second": time.Second, "minute": time.Minute,
	"hour": time.Hour, "day": 24 * time.Hour, "week": 7 * 24 * time.Hour, "month": 28 * 24 * time.Hour,
	"quarter": 89 * 24 * time.Hour, "year": 365 * 24 * time.Hour, "decade": 3652 * 24 * time.Hour,
	"century": 36524 * 24 * time.Hour,
}

var intervalText = regexp.MustCompile(`^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$`)

// intervalLiteral reads INTERVAL 1 DAY (parsed as to_days(1)) or
// INTERVAL '1 day', as its shortest length.
func intervalLiteral(v any) (time.Duration, bool) {
	m, _ := v.(map[string]any)
	if name, _ := m["function_name"].(string); m["class"] == "FUNCTION" && strings.HasPrefix(name, "to_") {
		unit := strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(name), "to_"), "s")
		if unit == "centurie" {
			unit = "century"
		}
		args := asList(m["children"])
		if len(args) != 1 {
			return 0, false
		}
		n, ok := numberIn(args[0])
		if !ok || unitLengths[unit] == 0 {
			return 0, false
		}
		return time.Duration(n * float64(unitLengths[unit])), true
	}
	val, castTo, ok := literal(v)
	s, isText := val.(string)
	if !ok || !isText || castTo != "INTERVAL" {
		return 0, false
	}
	p := intervalText.FindStringSubmatch(strings.ToLower(s))
	if p == nil {
		return 0, false
	}
	n, err := strconv.ParseFloat(p[1], 64)
	if err != nil || unitLengths[p[2]] == 0 {
		return 0, false
	}
	return time.Duration(n * float64(unitLengths[p[2]])), true
}

// numberIn finds the one numeric constant in an interval's argument, which
// DuckDB's parser wraps in casts and trunc().
func numberIn(v any) (float64, bool) {
	m, _ := v.(map[string]any)
	switch m["class"] {
	case "CONSTANT":
		c, _ := m["value"].(map[string]any)
		f, ok := c["value"].(float64)
		return f, ok
	case "CAST":
		return numberIn(m["child"])
	case "FUNCTION":
		if m["function_name"] == "trunc" && len(asList(m["children"])) == 1 {
			return numberIn(asList(m["children"])[0])
		}
	}
	return 0, false
}

// checkRepeat bounds repeat(): of a literal, the result; of anything
// else, which runs once per row, the count.
func checkRepeat(args []any) error {
	if len(args) != 2 {
		return nil
	}
	n, ok := intLiteral(args[1])
	if !ok {
		return beacon.Invalid("sql", nil, "repeat() in free SQL takes a literal count")
	}
	if val, _, isLit := literal(args[0]); isLit {
		size := float64(len(fmt.Sprint(val)))
		if size*n > MaxRepeatBytes {
			return beacon.Invalid("sql", nil, "repeat() here would make about %.0f bytes; free SQL allows at most %d", size*n, MaxRepeatBytes)
		}
		return nil
	}
	if n > MaxRepeatCount {
		return beacon.Invalid("sql", nil, "repeat() of a column or expression may repeat it at most %d times in free SQL, got %.0f", MaxRepeatCount, n)
	}
	return nil
}

// checkPad bounds functions whose argument at index i is the length of
// their result.
func checkPad(name string, args []any, i int) error {
	if len(args) <= i {
		return nil
	}
	n, ok := intLiteral(args[i])
	if !ok || n > MaxPad {
		return beacon.Invalid("sql", nil, "%s() in free SQL takes a literal length of at most %d", name, MaxPad)
	}
	return nil
}

var formatNumber = regexp.MustCompile(`\d+`)

// checkFormat bounds printf() and format(): a literal format whose widths
// and precisions are at most MaxFormatWidth and not taken from arguments.
func checkFormat(name string, args []any) error {
	bad := beacon.Invalid("sql", nil, "%s() in free SQL takes a literal format with widths of at most %d", name, MaxFormatWidth)
	if len(args) == 0 {
		return nil
	}
	val, _, ok := literal(args[0])
	f, isText := val.(string)
	if !ok || !isText {
		return bad
	}
	var specs []string
	if name == "printf" {
		specs = regexp.MustCompile(`%[^a-zA-Z%]*`).FindAllString(f, -1)
	} else {
		specs = regexp.MustCompile(`\{[^}]*`).FindAllString(f, -1)
	}
	for _, s := range specs {
		if strings.ContainsAny(s[1:], "*{") {
			return bad
		}
		for _, num := range formatNumber.FindAllString(s, -1) {
			if w, err := strconv.Atoi(num); err != nil || w > MaxFormatWidth {
				return bad
			}
		}
	}
	return nil
}
