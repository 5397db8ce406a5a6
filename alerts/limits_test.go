package alerts

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestScheduleMinGap: the shortest gap read from a cron's fields is the
// one found by walking its runs for ten days.
func TestScheduleMinGap(t *testing.T) {
	cases := []struct {
		cron string
		want time.Duration
	}{
		{"* * * * *", time.Minute},
		{"*/5 * * * *", 5 * time.Minute},
		{"*/7 * * * *", 4 * time.Minute}, // :56 to the next hour's :00
		{"0,3 9 * * *", 3 * time.Minute},
		{"0 9 * * *", 24 * time.Hour},
		{"0,59 0,23 * * *", time.Minute},        // 23:59 to 00:00 the next day
		{"0,59 0,23 * * 1", 59 * time.Minute},   // Mondays only: no next day
		{"58 23 * * 1-5", 24 * time.Hour},       // once a day
		{"*/30 9-17 * * 1-5", 30 * time.Minute}, // working hours
	}
	for _, c := range cases {
		t.Run(c.cron, func(t *testing.T) {
			cs, err := Schedule{Cron: c.cron, TimeZone: "UTC"}.parse("schedule")
			if err != nil {
				t.Fatal(err)
			}
			if got := cs.minGap(); got != c.want {
				t.Errorf("minGap %s, want %s", got, c.want)
			}
			// Walk the runs: the smallest gap seen is no smaller than minGap.
			at, walked := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), 24*time.Hour
			prev, _ := cs.next(at.Add(-time.Minute))
			for i := 0; i < 20000 && prev.Before(at.AddDate(0, 0, 10)); i++ {
				next, _ := cs.next(prev)
				walked = min(walked, next.Sub(prev))
				prev = next
			}
			if walked != c.want {
				t.Errorf("walking the runs gives %s, want %s", walked, c.want)
			}
		})
	}
}

// TestFileRulesHeldToTheMinimumInterval: a file's rule or subscription
// running more often than the minimum is refused at its line, and nothing
// of the file is saved; at the minimum it loads.
func TestFileRulesHeldToTheMinimumInterval(t *testing.T) {
	sc, _, _ := engineHarness(t)
	sc.cfg.Limits = Limits{MinInterval: 5 * time.Minute, Rules: 1}
	doc := func(ruleCron, subCron string) string {
		return "channels:\n  - {name: ops, type: dingtalk, url: u}\nrules:\n" +
			"  - id: a\n    name: A\n    query: {metrics: [churn_rate]}\n    condition: {kind: threshold, above: 1}\n    schedule: {cron: '" + ruleCron + "', time_zone: UTC}\n    channels: [{name: ops}]\n    owner: {subject: s}\n" +
			"  - id: b\n    name: B\n    query: {metrics: [churn_rate]}\n    condition: {kind: threshold, above: 1}\n    schedule: {cron: '0 9 * * *', time_zone: UTC}\n    channels: [{name: ops}]\n    owner: {subject: s}\n" +
			"subscriptions:\n  - id: s1\n    name: S\n    report: weekly_retention\n    schedule: {cron: '" + subCron + "', time_zone: UTC}\n    channels: [{name: ops}]\n    owner: {subject: s}\n"
	}
	apply := func(text string) error {
		f, err := ParseFile("x.yaml", []byte(text))
		if err != nil {
			return err
		}
		reg := NewRegistry(map[string]Factory{"dingtalk": fakeFactory})
		sc.channels = reg
		if err := f.LoadChannels(reg); err != nil {
			return err
		}
		return f.Apply(context.Background(), sc)
	}
	err := apply(doc("*/2 * * * *", "* * * * *"))
	if err == nil {
		t.Fatal("a file with every-2-minute and every-minute schedules loaded")
	}
	for _, want := range []string{"x.yaml:8: rules[0].schedule.cron: \"*/2 * * * *\" runs 2 minutes apart", "minimum interval between runs is 5 minutes",
		"x.yaml:22: subscriptions[0].schedule.cron: \"* * * * *\" runs 1 minute apart"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if rules, _ := sc.Rules(context.Background()); len(rules) != 0 {
		t.Errorf("a refused file saved %d rules", len(rules))
	}
	// At the minimum it loads, and the per-owner cap (1) does not hold a
	// file's two rules of one owner.
	if err := apply(doc("*/5 * * * *", "0 9 * * 1")); err != nil {
		t.Fatal(err)
	}
	if rules, _ := sc.Rules(context.Background()); len(rules) != 2 {
		t.Errorf("the file saved %d rules, want 2", len(rules))
	}
}
