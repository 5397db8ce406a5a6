package alerts

import (
	"context"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/dingtalk"
)

// dingtalkFactory builds real DingTalk robots, the rule's recipients
// @-mentioned by mobile, as serve does.
func dingtalkFactory(s map[string]any, recipients []string) (notify.Notifier, error) {
	url, _ := s["url"].(string)
	return dingtalk.New(dingtalk.Config{URL: url, AtMobiles: recipients}, notify.Options{})
}

// TestAlertsFileReportsEveryProblemAtOnce: a file whose channel settings
// are wrong still has its rules' and subscriptions' problems reported in
// the same start; a condition with three wrong fields has three lines; a
// bad condition.compare is reported once, at condition.compare (not also
// at query.compare, which the rule does not write); a rule naming the
// broken channel is not also told the channel does not exist; a DingTalk
// recipient that is not a mobile is refused at its line.
func TestAlertsFileReportsEveryProblemAtOnce(t *testing.T) {
	sc, _, _ := engineHarness(t)
	reg := NewRegistry(map[string]Factory{"dingtalk": dingtalkFactory})
	sc.channels = reg
	src := `channels:
  - {name: ops, type: dingtalk, url: "ftp://x"}
  - {name: good, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=t"}
rules:
  - id: band
    name: A
    query: {metrics: [churn_rate], time: {range: last_month}}
    condition: {kind: band, periods: 0, k: -2, grain: fortnight}
    schedule: {cron: '0 9 * * *', time_zone: Asia/Shanghai}
    channels: [{name: ops}]
    owner: {subject: s}
  - id: change
    name: B
    query: {metrics: [churn_rate], time: {range: last_month}}
    condition: {kind: change, compare: last_week, change: percent, above: 0.1}
    schedule: {cron: '0 9 * * *', time_zone: Asia/Shanghai}
    channels:
      - name: good
        recipients: ["13800138000", "<at>all</at>"]
    owner: {subject: s}
subscriptions:
  - id: s1
    name: S
    report: weekly_retentio
    schedule: {cron: '0 9 * * 1', time_zone: Asia/Shanghai}
    channels: [{name: good}]
    owner: {subject: s}
`
	f, err := ParseFile("bad.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.LoadChannels(reg); err != nil {
		t.Fatalf("LoadChannels stopped the start: %v", err)
	}
	err = f.Apply(context.Background(), sc)
	if err == nil {
		t.Fatal("a file with eight mistakes was accepted")
	}
	got := err.Error()
	for _, want := range []string{
		"bad.yaml:2: channels[0].settings: dingtalk: url",
		"bad.yaml:8: rules[0].condition.periods: periods must be between 3 and 120, got 0",
		"bad.yaml:8: rules[0].condition.k: k (the band's width in standard deviations) must be above 0 and at most 10, got -2",
		"bad.yaml:8: rules[0].condition.grain: a band needs the grain of its periods, got \"fortnight\"",
		"bad.yaml:15: rules[1].condition.compare: a change condition compares with previous_period or same_period_last_year, got \"last_week\"",
		"bad.yaml:19: rules[1].channels[0].recipients[1]: channel good does not take \"<at>all</at>\": dingtalk: \"<at>all</at>\" is not a mobile number",
		"bad.yaml:24: subscriptions[0].report: no report \"weekly_retentio\"",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	for _, not := range []string{"query.compare", `no channel named "ops"`, "recipients[0]"} {
		if strings.Contains(got, not) {
			t.Errorf("reported %q, which the file does not get wrong:\n%s", not, got)
		}
	}
	if n := strings.Count(got, "\n") + 1; n != 7 {
		t.Errorf("%d problems reported, want 7:\n%s", n, got)
	}
	if rules, _ := sc.Rules(context.Background()); len(rules) != 0 {
		t.Errorf("%d rules saved from a file with problems", len(rules))
	}
}
