package metrics

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Window is a resolved time range: whole local dates from Start
// (inclusive) to End (exclusive) in a zone.
type Window struct {
	Start time.Time
	End   time.Time
}

// IsZero reports whether no range was given (all history).
func (w Window) IsZero() bool { return w.Start.IsZero() }

// Shift moves a window by n units (negative is back in time). The last
// day moves, not the exclusive end, so 1–30 March less a month is 1–28
// February and whole months stay whole months.
func (w Window) Shift(n int, unit string) Window {
	end := w.End
	if unit == "day" || unit == "week" || !truncate(end, "month").Equal(end) {
		end = addDate(end.AddDate(0, 0, -1), n, unit).AddDate(0, 0, 1)
	} else {
		end = addDate(end, n, unit) // a month's end moves to a month's end
	}
	return Window{Start: addDate(w.Start, n, unit), End: end}
}

func addDate(t time.Time, n int, unit string) time.Time {
	switch unit {
	case "day":
		return t.AddDate(0, 0, n)
	case "week":
		return t.AddDate(0, 0, 7*n)
	case "month":
		return addMonths(t, n)
	case "quarter":
		return addMonths(t, 3*n)
	case "year":
		return addMonths(t, 12*n)
	}
	panic("unknown unit " + unit)
}

// addMonths moves t by n months, keeping the day but never past the end of
// the target month: 31 March less a month is 28 February, not 3 March.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// truncate returns the start of the grain unit containing t (weeks start on Monday).
func truncate(t time.Time, grain string) time.Time {
	y, m, d := t.Date()
	loc := t.Location()
	switch grain {
	case "week":
		wd := (int(t.Weekday()) + 6) % 7
		return time.Date(y, m, d-wd, 0, 0, 0, 0, loc)
	case "month":
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case "quarter":
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, loc)
	case "year":
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// units lists the calendar units relative ranges may use.
var units = []string{"day", "week", "month", "quarter", "year"}

var (
	lastNRE     = regexp.MustCompile(`^last_(\d+)_(day|week|month|quarter|year)s?$`)
	yearRE      = regexp.MustCompile(`^(\d{4})$`)
	monthRE     = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	quarterRE   = regexp.MustCompile(`^(\d{4})-?[Qq]([1-4])$`)
	halfRE      = regexp.MustCompile(`^(\d{4})-?[Hh]([12])$`)
	dateShapeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// RelativeRanges are the named ranges a query may use, for error messages and docs.
var RelativeRanges = []string{
	"today", "yesterday", "this_week", "last_week", "this_month", "last_month",
	"this_quarter", "last_quarter", "this_year", "last_year", "first_half", "ytd", "qtd", "mtd", "wtd",
	"last_N_days", "last_N_weeks", "last_N_months", "last_N_quarters", "last_N_years",
	"YYYY", "YYYY-MM", "YYYY-Qn", "YYYY-Hn",
}

// ResolveRange turns a named range into a window, evaluated at now in
// now's location. "this_*" is the whole current unit; "*td" runs from the
// unit's start through today; "last_N_units" is the N complete units before
// the current one.
func ResolveRange(name string, now time.Time) (Window, error) {
	loc := now.Location()
	today := truncate(now, "day")
	tomorrow := today.AddDate(0, 0, 1)
	unit := func(u string, back int) Window {
		s := addDate(truncate(now, u), -back, u)
		return Window{Start: s, End: addDate(s, 1, u)}
	}
	switch name {
	case "today":
		return unit("day", 0), nil
	case "yesterday":
		return unit("day", 1), nil
	case "this_week", "this_month", "this_quarter", "this_year":
		return unit(strings.TrimPrefix(name, "this_"), 0), nil
	case "last_week", "last_month", "last_quarter", "last_year":
		return unit(strings.TrimPrefix(name, "last_"), 1), nil
	case "wtd":
		return Window{Start: truncate(now, "week"), End: tomorrow}, nil
	case "mtd":
		return Window{Start: truncate(now, "month"), End: tomorrow}, nil
	case "qtd":
		return Window{Start: truncate(now, "quarter"), End: tomorrow}, nil
	case "ytd":
		return Window{Start: truncate(now, "year"), End: tomorrow}, nil
	case "first_half":
		y := now.Year()
		return Window{Start: time.Date(y, 1, 1, 0, 0, 0, 0, loc), End: time.Date(y, 7, 1, 0, 0, 0, 0, loc)}, nil
	}
	if m := lastNRE.FindStringSubmatch(name); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < 1 || n > 1000 {
			return Window{}, fmt.Errorf("the count in %q must be between 1 and 1000", name)
		}
		end := truncate(now, m[2])
		return Window{Start: addDate(end, -n, m[2]), End: end}, nil
	}
	year := func(s string) (int, error) {
		y, _ := strconv.Atoi(s)
		if y < 1900 || y > 2200 {
			return 0, fmt.Errorf("year %s is out of range 1900-2200", s)
		}
		return y, nil
	}
	if m := yearRE.FindStringSubmatch(name); m != nil {
		y, err := year(m[1])
		if err != nil {
			return Window{}, err
		}
		s := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		return Window{Start: s, End: s.AddDate(1, 0, 0)}, nil
	}
	if m := monthRE.FindStringSubmatch(name); m != nil {
		y, err := year(m[1])
		if err != nil {
			return Window{}, err
		}
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return Window{}, fmt.Errorf("month %s does not exist", m[2])
		}
		s := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, loc)
		return Window{Start: s, End: s.AddDate(0, 1, 0)}, nil
	}
	if m := quarterRE.FindStringSubmatch(name); m != nil {
		y, err := year(m[1])
		if err != nil {
			return Window{}, err
		}
		q, _ := strconv.Atoi(m[2])
		s := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, loc)
		return Window{Start: s, End: s.AddDate(0, 3, 0)}, nil
	}
	if m := halfRE.FindStringSubmatch(name); m != nil {
		y, err := year(m[1])
		if err != nil {
			return Window{}, err
		}
		h, _ := strconv.Atoi(m[2])
		s := time.Date(y, time.Month(6*h-5), 1, 0, 0, 0, 0, loc)
		return Window{Start: s, End: s.AddDate(0, 6, 0)}, nil
	}
	return Window{}, fmt.Errorf("unknown range %q", name)
}

// ParseDate parses a YYYY-MM-DD date in loc, rejecting impossible dates
// such as 2025-02-30.
func ParseDate(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		if dateShapeRE.MatchString(s) {
			return time.Time{}, fmt.Errorf("%q does not exist", s)
		}
		return time.Time{}, fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		return time.Time{}, fmt.Errorf("%q is out of range 1900-2200", s)
	}
	return t, nil
}

// isAligned reports whether the window starts and ends on unit boundaries.
func (w Window) isAligned(unit string) bool {
	return truncate(w.Start, unit).Equal(w.Start) && truncate(w.End, unit).Equal(w.End)
}

// toDate maps the to-date ranges to their unit: the previous period of
// year to date is the same part of last year, not the days just before it.
var toDate = map[string]string{"ytd": "year", "qtd": "quarter", "mtd": "month", "wtd": "week"}

// previousShift is how far back the previous period of a window lies:
// one unit for a to-date range, otherwise the window's own length.
func previousShift(rangeName string, w Window) (int, string) {
	if u, ok := toDate[rangeName]; ok {
		return 1, u
	}
	return w.length()
}

// length is the window's length in the coarsest unit it is aligned to.
func (w Window) length() (int, string) {
	for _, u := range []string{"year", "quarter", "month", "week"} {
		if !w.isAligned(u) {
			continue
		}
		n := 0
		for t := w.Start; t.Before(w.End); t = addDate(t, 1, u) {
			n++
		}
		return n, u
	}
	return int(w.End.Sub(w.Start).Hours()/24 + 0.5), "day"
}
