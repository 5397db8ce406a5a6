package alerts

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/beaconbi/beacon"
)

// Schedule is when a rule or subscription runs: a five-field cron
// expression (or @daily, @weekly, ...) read in a named time zone.
type Schedule struct {
	Cron     string `json:"cron" yaml:"cron"`
	TimeZone string `json:"time_zone" yaml:"time_zone"`
}

// cronSpec is a parsed schedule.
type cronSpec struct {
	spec *cron.SpecSchedule
	loc  *time.Location
}

// starBit is robfig/cron's marker for a field written as "*" (unexported
// there); it decides how day of month and day of week combine.
const starBit = 1 << 63

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parse checks the schedule; field prefixes errors (e.g. "schedule").
func (s Schedule) parse(field string) (*cronSpec, error) {
	if strings.TrimSpace(s.TimeZone) == "" {
		return nil, invalidf(field+".time_zone", "give a time zone by its IANA name, e.g. Asia/Shanghai or America/New_York")
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "Local" {
		return nil, invalidf(field+".time_zone", "unknown time zone %q; use an IANA name such as Asia/Shanghai", clip(s.TimeZone))
	}
	c := strings.TrimSpace(s.Cron)
	switch {
	case len(c) > maxCron:
		return nil, invalidf(field+".cron", "a cron expression is at most %d characters, got %d; write ranges and steps (e.g. \"*/5 9-17 * * 1-5\") rather than long lists", maxCron, len(c))
	case c == "":
		return nil, invalidf(field+".cron", "give a cron expression of five fields (minute hour day-of-month month day-of-week), e.g. \"0 9 * * 1\"")
	case strings.HasPrefix(c, "TZ=") || strings.HasPrefix(c, "CRON_TZ="):
		return nil, invalidf(field+".cron", "put the time zone in time_zone, not in the cron expression")
	case strings.HasPrefix(c, "@every"):
		return nil, invalidf(field+".cron", "@every is not a calendar schedule; write a cron expression such as \"*/15 * * * *\"")
	}
	sched, err := cronParser.Parse(c)
	if err != nil {
		return nil, invalidf(field+".cron", "%q is not a cron expression: %v", clip(s.Cron), err)
	}
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, invalidf(field+".cron", "%q is not a calendar schedule", clip(s.Cron))
	}
	cs := &cronSpec{spec: spec, loc: loc}
	// A day of month that none of the named months has (31 February,
	// 31 April) parses, but the schedule would never run: refuse it here,
	// where the field can be named, rather than when the next run is sought.
	if _, ok := cs.next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); !ok {
		return nil, invalidf(field+".cron", "%q never fires: no month it names has the day of month it names (e.g. 31 February or 31 April does not exist)", clip(s.Cron))
	}
	return cs, nil
}

// maxCron bounds a cron expression's length, as a rule's name is bounded:
// a list of thousands of minutes is stored and echoed in every listing.
const maxCron = 200

// problems checks the time zone and the cron expression apart, so that
// both are reported when both are wrong.
func (s Schedule) problems(field string) []error {
	_, err := s.parse(field)
	if err == nil {
		return nil
	}
	errs := []error{err}
	if strings.HasSuffix(fieldOf(err), ".time_zone") {
		utc := s
		utc.TimeZone = "UTC"
		if _, err := utc.parse(field); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// fieldOf is the field a validation error names, or "".
func fieldOf(err error) string {
	var be *beacon.Error
	if errors.As(err, &be) {
		return be.Field
	}
	return ""
}

// horizon is how far ahead next looks: far enough for "29 Feb" schedules.
const horizon = 5*366 + 1

// next is the first time after t at which the schedule fires.
//
// robfig/cron's own Next walks the clock hour by hour and is inexact on
// daylight-saving days; here each local day's wall-clock times are built
// with time.Date instead: a time skipped by a spring-forward gap (02:30 in
// New York on the second Sunday of March) runs once, at the same distance
// past the gap (03:30), and a wall time that a fall-back repeats runs once.
func (c *cronSpec) next(t time.Time) (time.Time, bool) {
	local := t.In(c.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, c.loc)
	s := c.spec
	for i := 0; i < horizon; i++ {
		d := day.AddDate(0, 0, i)
		if s.Month&(1<<uint(d.Month())) == 0 || !dayMatches(s, d) {
			continue
		}
		seen := time.Time{}
		for h := 0; h < 24; h++ {
			if s.Hour&(1<<uint(h)) == 0 {
				continue
			}
			for m := 0; m < 60; m++ {
				if s.Minute&(1<<uint(m)) == 0 {
					continue
				}
				at := wallTime(d, h, m, c.loc)
				// Two wall times can normalise to one instant across a gap.
				if at.After(t) && !at.Equal(seen) {
					return at, true
				}
				seen = at
			}
		}
	}
	return time.Time{}, false
}

// dayMatches follows cron: when both day fields are restricted, either may match.
func dayMatches(s *cron.SpecSchedule, d time.Time) bool {
	dom := s.Dom&(1<<uint(d.Day())) != 0
	dow := s.Dow&(1<<uint(d.Weekday())) != 0
	if s.Dom&starBit != 0 || s.Dow&starBit != 0 {
		return dom && dow
	}
	return dom || dow
}

// Next is the first time after t at which s fires; it validates s.
func (s Schedule) Next(t time.Time) (time.Time, error) {
	c, err := s.parse("schedule")
	if err != nil {
		return time.Time{}, err
	}
	at, ok := c.next(t)
	if !ok {
		return time.Time{}, fmt.Errorf("schedule %q never fires", s.Cron)
	}
	return at, nil
}

// wallTime is the instant of h:m local on day d. A time in a
// spring-forward gap is read with the offset before the gap, so 02:30 in
// a gap from 02:00 to 03:00 is 03:30 after it (time.Date alone may give an
// instant before the gap).
func wallTime(d time.Time, h, m int, loc *time.Location) time.Time {
	at := time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
	if at.Hour() == h && at.Minute() == m {
		return at
	}
	_, before := at.Add(-12 * time.Hour).Zone()
	_, after := at.Add(12 * time.Hour).Zone()
	naive := time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, time.UTC)
	return naive.Add(-time.Duration(min(before, after)) * time.Second).In(loc)
}
