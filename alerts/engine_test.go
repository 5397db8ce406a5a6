package alerts

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var bank *warehouse.DB

func TestMain(m *testing.M) { metricstest.Main(m, 3_000, 24, &bank) }

// engineHarness is a scheduler over the demo bank's real engine, with its
// state in a database of its own (the bank is shared and read-only).
func engineHarness(t *testing.T) (*Scheduler, fakeChannels, *metrics.Engine) {
	t.Helper()
	engine := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	store, err := OpenStore(context.Background(), warehousetest.MustOpen(t))
	if err != nil {
		t.Fatal(err)
	}
	ch := fakeChannels{"retention-dingtalk": {name: "retention-dingtalk"}}
	c := &clock{t: warehousetest.Now()}
	set, err := reports.Demo(engine)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := New(Config{Store: store, Querier: engine, Channels: ch, Now: c.now, Reports: set, BaseURL: "https://bi.bank.example"})
	if err != nil {
		t.Fatal(err)
	}
	return sc, ch, engine
}

// TestScopedRuleSeesOnlyItsBranches: a rule owned by a branch-scoped user
// is evaluated, and worded, over its branches only, with the figures hand
// SQL gives.
func TestScopedRuleSeesOnlyItsBranches(t *testing.T) {
	sc, ch, _ := engineHarness(t)
	ctx := context.Background()
	branches := warehousetest.Rows(t, bank, `SELECT branch_name FROM branches ORDER BY branch_id LIMIT 2`)
	mine := []string{branches[0][0].(string), branches[1][0].(string)}
	// October 2026 is "last month" at the test clock (2026-11-24).
	want := map[string]float64{}
	for _, row := range warehousetest.Rows(t, bank, `SELECT b.branch_name, SUM(CAST(cm.churned AS INTEGER)) / SUM(CAST(cm.active_at_start AS INTEGER))
		FROM customer_months cm JOIN branches b ON b.branch_id = cm.branch_id
		WHERE cm.month = DATE '2026-10-01' GROUP BY 1`) {
		want[row[0].(string)] = row[1].(float64)
	}
	if len(want) < 3 {
		t.Fatalf("the test bank has %d branches; the test needs more than the two in scope", len(want))
	}
	r := &Rule{ID: "mine", Name: "本行流失率", Query: metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Range: "last_month"}},
		Condition: Condition{Kind: "threshold", Above: f64(-1)}, // every branch breaches
		Schedule:  Schedule{Cron: "* * * * *", TimeZone: "Asia/Shanghai"}, Channels: []ChannelRef{{Name: "retention-dingtalk"}},
		Owner: Owner{Subject: "branch-head", Scope: metrics.Scope{"branch": mine}}}
	if err := sc.PutRule(ctx, r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	sc.now = func() time.Time { return warehousetest.Now().Add(time.Minute) }
	if _, err := sc.Step(ctx); err != nil {
		t.Fatal(err)
	}
	got := ch["retention-dingtalk"].got
	var groups []string
	for _, m := range got {
		for b := range want {
			if strings.Contains(m.Title, b) {
				groups = append(groups, b)
				def := metrics.Definition{Format: "percent"}
				if v := metrics.FormatValue("zh", def, want[b]); m.Figures[0].Value != v {
					t.Errorf("%s: figure %s, hand SQL gives %s", b, m.Figures[0].Value, v)
				}
			}
		}
		if !slices.Contains(m.Lines, "数据范围：支行（"+strings.Join(mine, "、")+"）") {
			t.Errorf("message does not state the owner's scope: %q", m.Lines)
		}
	}
	sort.Strings(groups)
	sorted := slices.Clone(mine)
	sort.Strings(sorted)
	if !slices.Equal(groups, sorted) {
		t.Fatalf("messages name branches %v, want only the owner's %v", groups, sorted)
	}
	states, _ := sc.store.States(ctx, "mine")
	if len(states) != 2 {
		t.Errorf("%d groups have state, want the owner's 2", len(states))
	}
}

// TestChangeAndBandAgainstHandSQL: the change and band readings of a
// rule equal the hand-computed ones.
func TestChangeAndBandAgainstHandSQL(t *testing.T) {
	_, _, engine := engineHarness(t)
	ctx := context.Background()
	monthly := map[string]float64{}
	for _, row := range warehousetest.Rows(t, bank, `SELECT strftime(month, '%Y-%m'), SUM(complaints) FROM customer_months GROUP BY 1`) {
		monthly[row[0].(string)] = row[1].(float64)
	}
	q := metrics.Query{Metrics: []string{"complaints"}, Time: &metrics.TimeSpec{Range: "last_month"}}
	change := &Rule{ID: "c", Query: q, Condition: Condition{Kind: "change", Compare: "previous_period", Change: "percent", Above: f64(1e9)}}
	ev, err := Evaluate(ctx, engine, change)
	if err != nil {
		t.Fatal(err)
	}
	wantPct := (monthly["2026-10"] - monthly["2026-09"]) / monthly["2026-09"] * 100
	if o := ev.Observations[0]; o.Change == nil || fmt.Sprintf("%.6f", *o.Change) != fmt.Sprintf("%.6f", wantPct) {
		t.Errorf("percent change %v, hand SQL gives %.6f", o.Change, wantPct)
	}
	band := &Rule{ID: "b", Query: q, Condition: Condition{Kind: "band", Periods: 6, K: 2, Grain: "month"}}
	ev, err = Evaluate(ctx, engine, band)
	if err != nil {
		t.Fatal(err)
	}
	var hist []float64
	for _, m := range []string{"2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"} {
		hist = append(hist, monthly[m])
	}
	mean, sd := meanSD(hist)
	o := ev.Observations[0]
	if o.Low == nil || fmt.Sprintf("%.6f %.6f", *o.Low, *o.High) != fmt.Sprintf("%.6f %.6f", mean-2*sd, mean+2*sd) {
		t.Errorf("band %v–%v, hand SQL gives %.3f–%.3f", o.Low, o.High, mean-2*sd, mean+2*sd)
	}
	if wantBreach := monthly["2026-10"] < mean-2*sd || monthly["2026-10"] > mean+2*sd; o.Breach != wantBreach {
		t.Errorf("breach %v, want %v", o.Breach, wantBreach)
	}
}

func fakeFactory(settings map[string]any, _ []string) (notify.Notifier, error) {
	if settings["url"] == "" || settings["url"] == nil {
		return nil, errors.New("url: give the robot's webhook")
	}
	return &fakeNotifier{name: "fake"}, nil
}

// TestDemoAlertsFile: the shipped example file loads against the demo bank.
func TestDemoAlertsFile(t *testing.T) {
	t.Setenv("BEACON_DINGTALK_URL", "https://oapi.dingtalk.com/robot/send?access_token=x")
	sc, _, engine := engineHarness(t)
	reg := NewRegistry(map[string]Factory{"dingtalk": fakeFactory})
	sc.channels = reg
	f, err := ReadFile("../models/demo_bank_alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.LoadChannels(reg); err != nil {
		t.Fatal(err)
	}
	if err := f.Apply(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	rules, _ := sc.Rules(context.Background())
	subs, _ := sc.Subscriptions(context.Background())
	if len(rules) != 4 || len(subs) != 1 {
		t.Fatalf("loaded %d rules and %d subscriptions, want 4 and 1", len(rules), len(subs))
	}
	// The scoped rule's branches exist in the demo bank.
	for _, b := range rules[2].Owner.Scope["branch"] {
		if vals := engine.Catalog(); vals == nil {
			t.Fatal("no catalog")
		}
		if rows := warehousetest.Rows(t, bank, fmt.Sprintf(`SELECT 1 FROM branches WHERE branch_name = '%s'`, b)); len(rows) != 1 {
			t.Errorf("example branch %q is not a demo bank branch", b)
		}
	}
}

// TestAlertsFileErrors: mistakes are reported at their file and line.
func TestAlertsFileErrors(t *testing.T) {
	sc, _, _ := engineHarness(t)
	reg := NewRegistry(map[string]Factory{"dingtalk": fakeFactory})
	sc.channels = reg
	cases := []struct{ name, yaml, want string }{
		{"unknown key", "rules:\n  - id: a\n    nmae: x\n", "x.yaml:3: field nmae not found"},
		{"bad metric", "channels:\n  - {name: ops, type: dingtalk, url: u}\nrules:\n  - id: a\n    name: A\n    query:\n      metrics: [churn_rat]\n    condition: {kind: threshold, above: 1}\n    schedule: {cron: '0 9 * * *', time_zone: UTC}\n    channels: [{name: ops}]\n    owner: {subject: s}\n",
			"x.yaml:7: rules[0].query.metrics[0]: unknown metric \"churn_rat\""},
		{"bad zone", "channels:\n  - {name: ops, type: dingtalk, url: u}\nrules:\n  - id: a\n    name: A\n    query: {metrics: [churn_rate]}\n    condition: {kind: threshold, above: 1}\n    schedule:\n      cron: '0 9 * * *'\n      time_zone: Mars/Olympus\n    channels: [{name: ops}]\n    owner: {subject: s}\n",
			"x.yaml:10: rules[0].schedule.time_zone: unknown time zone"},
		{"cron that never fires", "channels:\n  - {name: ops, type: dingtalk, url: u}\nrules:\n  - id: a\n    name: A\n    query: {metrics: [churn_rate]}\n    condition: {kind: threshold, above: 1}\n    schedule:\n      cron: '0 9 31 2 *'\n      time_zone: UTC\n    channels: [{name: ops}]\n    owner: {subject: s}\n",
			"x.yaml:9: rules[0].schedule.cron: \"0 9 31 2 *\" never fires"},
		{"subscription cron that never fires", "channels:\n  - {name: ops, type: dingtalk, url: u}\nsubscriptions:\n  - id: s1\n    name: S\n    report: weekly_retention\n    schedule: {cron: '0 0 31 4 *', time_zone: UTC}\n    channels: [{name: ops}]\n    owner: {subject: s}\n",
			"x.yaml:7: subscriptions[0].schedule.cron: \"0 0 31 4 *\" never fires"},
		{"band finer than the metric's data", "channels:\n  - {name: ops, type: dingtalk, url: u}\nrules:\n  - id: a\n    name: A\n    query: {metrics: [churn_rate], time: {range: last_month}}\n    condition: {kind: band, periods: 12, k: 2, grain: day}\n    schedule: {cron: '0 9 * * *', time_zone: UTC}\n    channels: [{name: ops}]\n    owner: {subject: s}\n",
			"x.yaml:7: rules[0].condition.grain: the band cannot be drawn by day: source customer_months is recorded by month"},
		{"unknown channel type", "channels:\n  - name: ops\n    type: pager\n", "x.yaml:3: channels[0].type: unknown channel type \"pager\""},
		{"band without a time range", "channels:\n  - {name: ops, type: dingtalk, url: u}\nrules:\n  - id: a\n    name: A\n    query:\n      metrics: [churn_rate]\n    condition: {kind: band, periods: 6, k: 1, grain: month}\n    schedule: {cron: '0 9 * * *', time_zone: UTC}\n    channels: [{name: ops}]\n    owner: {subject: s}\n",
			"x.yaml:7: rules[0].query.time: a band condition needs a time range"},
		{"filter outside the owner's scope", "channels:\n  - {name: ops, type: dingtalk, url: u}\nrules:\n  - id: a\n    name: A\n    query:\n      metrics: [churn_rate]\n      filters:\n        - dimension: branch\n          op: eq\n          value: 北京海淀支行\n    condition: {kind: threshold, above: 1}\n    schedule: {cron: '0 9 * * *', time_zone: UTC}\n    channels: [{name: ops}]\n    owner: {subject: s, scope: {branch: [上海静安支行]}}\n",
			"x.yaml:11: rules[0].query.filters[0].value: branch \"北京海淀支行\" is outside the owner's row scope (branch: 上海静安支行)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reg := NewRegistry(map[string]Factory{"dingtalk": fakeFactory})
			sc.channels = reg
			f, err := ParseFile("x.yaml", []byte(c.yaml))
			if err == nil {
				if err = f.LoadChannels(reg); err == nil {
					err = f.Apply(context.Background(), sc)
				}
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestAlertsFileReportsEveryProblem: a rule with four mistakes and a typo'd
// key, next to a bad subscription, is reported in one go, each at its line.
func TestAlertsFileReportsEveryProblem(t *testing.T) {
	sc, _, _ := engineHarness(t)
	reg := NewRegistry(map[string]Factory{"dingtalk": fakeFactory})
	sc.channels = reg
	src := `channels:
  - {name: ops, type: dingtalk, url: u}
rules:
  - id: r1
    nmae: typo
    name: A
    query:
      metrics: [churn_rat]
    condition: {kind: threshold, above: 1}
    schedule:
      cron: '0 25 * * *'
      time_zone: Mars/Olympus
    channels: [{name: dingg}]
    owner: {subject: s}
subscriptions:
  - id: s1
    name: S
    report: weekly_retentio
    schedule: {cron: '0 9 * * 1', time_zone: Asia/Shanghai}
    channels: [{name: ops}]
    owner: {subject: s}
`
	f, err := ParseFile("bad.yaml", []byte(src))
	if err == nil {
		if err = f.LoadChannels(reg); err == nil {
			err = f.Apply(context.Background(), sc)
		}
	}
	if err == nil {
		t.Fatal("a file with six mistakes was accepted")
	}
	for _, want := range []string{
		"bad.yaml:5: field nmae not found",
		"bad.yaml:8: rules[0].query.metrics[0]: unknown metric \"churn_rat\"",
		"bad.yaml:11: rules[0].schedule.cron:",
		"bad.yaml:12: rules[0].schedule.time_zone: unknown time zone",
		"bad.yaml:13: rules[0].channels[0].name: no channel named \"dingg\"",
		"bad.yaml:18: subscriptions[0].report: no report \"weekly_retentio\"",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

// optionCharts is a renderer that keeps the ECharts options it was asked
// to draw; with none set, it has no browser.
type optionCharts struct {
	mu      sync.Mutex
	options []string
	browser bool
}

func (o *optionCharts) Chart(context.Context, *metrics.Result, string) (*notify.Image, error) {
	return nil, errors.New("want the report's own chart, not one chosen from a result")
}

func (o *optionCharts) ChartOption(_ context.Context, opt []byte) (*notify.Image, error) {
	if !o.browser {
		return nil, errors.New("no browser")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.options = append(o.options, string(opt))
	return &notify.Image{PNG: []byte("png of " + string(opt[:20])), URL: "https://bi.bank.example/images/x.png"}, nil
}

// TestSubscriptionSendsTheReportDigest: a subscription to the weekly
// retention report, owned by a branch head, sends the report's KPI
// sections as its headline figures (the values the report page shows the
// same reader), its key chart (the page's first chart, as the page draws
// it) and the report link; without a browser, the same text and link
// name the chart instead.
func TestSubscriptionSendsTheReportDigest(t *testing.T) {
	ctx := context.Background()
	for _, browser := range []bool{true, false} {
		t.Run(fmt.Sprintf("browser=%v", browser), func(t *testing.T) {
			sc, ch, engine := engineHarness(t)
			charts := &optionCharts{browser: browser}
			sc.cfg.Renderer = charts
			c := &clock{t: warehousetest.Now()}
			sc.now, sc.cfg.Now = c.now, c.now
			mine := []string{warehousetest.Rows(t, bank, `SELECT branch_name FROM branches ORDER BY branch_id LIMIT 1`)[0][0].(string)}
			scope := metrics.Scope{"branch": mine}
			sub := &Subscription{ID: "weekly", Name: "每周留存周报", Report: "weekly_retention", Schedule: Schedule{Cron: "0 9 * * 1", TimeZone: "Asia/Shanghai"},
				Channels: []ChannelRef{{Name: "retention-dingtalk"}}, Owner: Owner{Subject: "branch-head", Scope: scope}}
			if err := sc.PutSubscription(ctx, sub, OriginAPI); err != nil {
				t.Fatal(err)
			}
			c.advance(8 * 24 * time.Hour) // past its first Monday 09:00
			if _, err := sc.Step(ctx); err != nil {
				t.Fatal(err)
			}
			got := ch["retention-dingtalk"].got
			if len(got) != 1 || got[0].Kind != notify.KindReport {
				t.Fatalf("sent %d messages, want one report", len(got))
			}
			msg := got[0]
			set, _ := reports.Demo(engine)
			r, _ := set.Get("weekly_retention")
			page, err := reports.Run(ctx, engine, r, scope, "zh")
			if err != nil {
				t.Fatal(err)
			}
			// The page's KPI sections, as the page writes their values.
			var want []string
			var key *reports.Figure
			for i, f := range page.Sections {
				if reports.Headline(r.Sections[i]) {
					want = append(want, f.Title+" "+f.Table.Rows[0][0].Text)
				} else if key == nil {
					key = f
				}
			}
			var have []string
			for _, f := range msg.Figures {
				have = append(have, f.Label+" "+f.Value)
			}
			if !slices.Equal(have, want) || len(want) != 2 {
				t.Errorf("headline figures %q, want the page's KPI cards %q", have, want)
			}
			for _, f := range msg.Figures {
				if f.Change == "" {
					t.Errorf("figure %s has no change versus the previous period", f.Label)
				}
			}
			if msg.Link != "https://bi.bank.example/reports/weekly_retention?lang=zh" {
				t.Errorf("link %q", msg.Link)
			}
			body := strings.Join(msg.Lines, "\n")
			if !strings.Contains(body, "图："+key.Title) || !strings.Contains(body, "数据范围：") || !strings.Contains(body, mine[0]) {
				t.Errorf("lines do not name the key chart %q and the scope:\n%s", key.Title, body)
			}
			if browser {
				if len(charts.options) != 1 || charts.options[0] != key.Option || msg.Image == nil || msg.Image.URL == "" {
					t.Errorf("drew %d charts; want the page's key chart once, as an image with its link", len(charts.options))
				}
			} else if msg.Image != nil {
				t.Errorf("an image without a browser")
			}
		})
	}
}

// TestFoldedQueriesGiveTheRulesOwnAnswers: for every simple and ratio
// metric of the demo model, alone and broken down, over a month and by
// month, with and without a comparison, a query filtered to one branch
// answers exactly what the tick reads from the query folded over all
// branches.
func TestFoldedQueriesGiveTheRulesOwnAnswers(t *testing.T) {
	ctx := context.Background()
	engine := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	branches := warehousetest.Rows(t, bank, `SELECT branch_name FROM branches ORDER BY branch_id LIMIT 3`)
	tq := newTickQuerier(engine)
	var asked int64
	for _, def := range engine.Catalog().Definitions() {
		m, _ := engine.Catalog().Metric(def.Name)
		if m.Type != "simple" && m.Type != "ratio" {
			continue
		}
		for _, dims := range [][]string{nil, {"segment"}} {
			for _, tm := range []metrics.TimeSpec{{Range: "last_month"}, {Range: "last_6_months", Grain: "month"}} {
				for _, cmp := range []string{"", "previous_period"} {
					if cmp != "" && tm.Grain != "" {
						continue
					}
					for _, b := range branches {
						tm := tm
						q := metrics.Query{Metrics: []string{def.Name}, Dimensions: dims, Time: &tm, Compare: cmp,
							Filters: []metrics.Filter{{Dimension: "branch", Op: "eq", Value: b[0]}}}
						own, err := engine.Run(ctx, q, nil)
						if err != nil {
							t.Fatalf("%s: %v", def.Name, err)
						}
						got, err := tq.Run(ctx, q, nil)
						if err != nil {
							t.Fatalf("%s folded: %v", def.Name, err)
						}
						asked++
						if a, b := rowsText(own), rowsText(got); a != b {
							t.Errorf("%s by %v over %+v compare %q, branch %v:\nown    %s\nfolded %s", def.Name, dims, tm, cmp, b, a, b)
						}
					}
				}
			}
		}
	}
	if f := tq.folded.Load(); asked == 0 || f < asked/2 {
		t.Fatalf("%d of %d answers came from folded queries; the test checks nothing", f, asked)
	}
}

// rowsText writes a result's columns and rows, numbers to 10 digits and 9 decimals
// (sums in another order differ in their last bits).
func rowsText(r *metrics.Result) string {
	var b strings.Builder
	for _, c := range r.Columns {
		b.WriteString(c.Name + " ")
	}
	for _, row := range r.Rows {
		b.WriteString("\n")
		for _, v := range row {
			if f, ok := v.(float64); ok {
				fmt.Fprintf(&b, "%.10g ", math.Round(f*1e9)/1e9+0)
			} else {
				fmt.Fprintf(&b, "%v ", v)
			}
		}
	}
	return b.String()
}
