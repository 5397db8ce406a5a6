package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestResolveRange(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	// 2026-11-24 is a Tuesday.
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, sh)
	cases := []struct{ name, start, end string }{
		{"today", "2026-11-24", "2026-11-24"},
		{"yesterday", "2026-11-23", "2026-11-23"},
		{"this_week", "2026-11-23", "2026-11-29"},
		{"last_week", "2026-11-16", "2026-11-22"},
		{"this_month", "2026-11-01", "2026-11-30"},
		{"last_month", "2026-10-01", "2026-10-31"},
		{"this_quarter", "2026-10-01", "2026-12-31"},
		{"last_quarter", "2026-07-01", "2026-09-30"},
		{"this_year", "2026-01-01", "2026-12-31"},
		{"last_year", "2025-01-01", "2025-12-31"},
		{"ytd", "2026-01-01", "2026-11-24"},
		{"mtd", "2026-11-01", "2026-11-24"},
		{"qtd", "2026-10-01", "2026-11-24"},
		{"wtd", "2026-11-23", "2026-11-24"},
		{"first_half", "2026-01-01", "2026-06-30"},
		{"last_7_days", "2026-11-17", "2026-11-23"},
		{"last_3_months", "2026-08-01", "2026-10-31"},
		{"last_12_months", "2025-11-01", "2026-10-31"},
		{"last_2_quarters", "2026-04-01", "2026-09-30"},
		{"last_1_year", "2025-01-01", "2025-12-31"},
		{"2024", "2024-01-01", "2024-12-31"},
		{"2024-03", "2024-03-01", "2024-03-31"},
		{"2024-02", "2024-02-01", "2024-02-29"},
		{"2024-Q3", "2024-07-01", "2024-09-30"},
		{"2024Q4", "2024-10-01", "2024-12-31"},
		{"2025-H2", "2025-07-01", "2025-12-31"},
	}
	for _, tc := range cases {
		w, err := ResolveRange(tc.name, now)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		s, e := formatWindow(w)
		if s != tc.start || e != tc.end {
			t.Errorf("%s: got %s..%s, want %s..%s", tc.name, s, e, tc.start, tc.end)
		}
	}
	for _, bad := range []string{"", "last_0_months", "last_99999_days", "2024-13", "2024-Q5", "next_month", "1800", "last_month'; DROP TABLE x"} {
		if _, err := ResolveRange(bad, now); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// Near midnight the server's UTC day and the bank's day differ: ranges
// follow the zone of the request, not of the server.
func TestRangesFollowTheRequestTimeZone(t *testing.T) {
	utcNow := time.Date(2026, 10, 31, 17, 30, 0, 0, time.UTC) // 01:30 on 1 November in Shanghai
	sh, _ := time.LoadLocation("Asia/Shanghai")
	cases := []struct {
		loc        *time.Location
		start, end string
	}{
		{sh, "2026-10-01", "2026-10-31"},
		{time.UTC, "2026-09-01", "2026-09-30"},
	}
	for _, tc := range cases {
		w, err := ResolveRange("last_month", utcNow.In(tc.loc))
		if err != nil {
			t.Fatal(err)
		}
		if s, e := formatWindow(w); s != tc.start || e != tc.end {
			t.Errorf("%s: last_month is %s..%s, want %s..%s", tc.loc, s, e, tc.start, tc.end)
		}
	}
}

func TestParseDateRejectsImpossibleDates(t *testing.T) {
	for _, bad := range []string{"2025-02-30", "2025-13-01", "2025-1-1", "20250101", "tomorrow", "1850-01-01"} {
		if _, err := ParseDate(bad, time.UTC); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestPreviousPeriodOfAWindow(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, sh)
	// On 10 October (first month of a quarter) and 31 October (a month's last day).
	oct10 := time.Date(2026, 10, 10, 12, 0, 0, 0, sh)
	oct31 := time.Date(2026, 10, 31, 12, 0, 0, 0, sh)
	for _, tc := range []struct {
		at         time.Time
		rng        string
		start, end string
	}{
		{oct10, "mtd", "2026-09-01", "2026-09-10"},
		{oct10, "qtd", "2026-07-01", "2026-07-10"},
		{oct31, "ytd", "2025-01-01", "2025-10-31"},
		{oct31, "mtd", "2026-09-01", "2026-09-30"},
		{time.Date(2026, 3, 30, 12, 0, 0, 0, sh), "mtd", "2026-02-01", "2026-02-28"},
		{time.Date(2026, 5, 31, 12, 0, 0, 0, sh), "qtd", "2026-01-01", "2026-02-28"},
	} {
		w, _ := ResolveRange(tc.rng, tc.at)
		n, unit := previousShift(tc.rng, w)
		if s, e := formatWindow(w.Shift(-n, unit)); s != tc.start || e != tc.end {
			t.Errorf("%s on %s: previous period %s..%s, want %s..%s", tc.rng, tc.at.Format("2006-01-02"), s, e, tc.start, tc.end)
		}
	}
	cases := []struct{ rng, start, end string }{
		{"ytd", "2025-01-01", "2025-11-24"},
		{"mtd", "2026-10-01", "2026-10-24"},
		{"qtd", "2026-07-01", "2026-08-24"},
		{"this_year", "2025-01-01", "2025-12-31"},
		{"last_quarter", "2026-04-01", "2026-06-30"},
		{"last_12_months", "2024-11-01", "2025-10-31"},
		{"last_7_days", "2026-11-10", "2026-11-16"},
		{"2026-03", "2026-02-01", "2026-02-28"},
		{"2024-03", "2024-02-01", "2024-02-29"},
		{"2026-10-01..2026-10-10", "2026-09-21", "2026-09-30"},
	}
	for _, tc := range cases {
		w, err := ResolveRange(tc.rng, now)
		if s, e, ok := strings.Cut(tc.rng, ".."); ok {
			ws, _ := ParseDate(s, sh)
			we, _ := ParseDate(e, sh)
			w, err = Window{Start: ws, End: we.AddDate(0, 0, 1)}, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		n, unit := previousShift(tc.rng, w)
		s, e := formatWindow(w.Shift(-n, unit))
		if s != tc.start || e != tc.end {
			t.Errorf("%s: previous period %s..%s, want %s..%s", tc.rng, s, e, tc.start, tc.end)
		}
	}
}

func TestLastYearOfALeapFebruaryKeepsItsLastDay(t *testing.T) {
	w, _ := ResolveRange("2025-02", time.Now())
	if s, e := formatWindow(w.Shift(-1, "year")); s != "2024-02-01" || e != "2024-02-29" {
		t.Fatalf("February 2025 a year back is %s..%s, want 2024-02-01..2024-02-29", s, e)
	}
}

// A window ending on a month's last day keeps ending on one when shifted.
func TestShiftKeepsMonthEnds(t *testing.T) {
	w := Window{Start: time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	if s, e := formatWindow(w.Shift(-1, "month")); s != "2026-07-15" || e != "2026-08-31" {
		t.Fatalf("15 Aug – 30 Sep less a month is %s..%s, want 2026-07-15..2026-08-31", s, e)
	}
}
