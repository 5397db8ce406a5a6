package queries_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// groupChange is one group's value in two windows, from hand SQL.
type groupChange struct {
	group     string
	cur, prev float64
}

// handChurnByRegion is each region's churn rate over [start, end] by hand:
// churned in the window over active at the start of its first month.
func handChurnByRegion(t *testing.T, start, end string) map[string]float64 {
	out := map[string]float64{}
	for _, r := range warehousetest.Rows(t, bank, `SELECT b.region,
			sum(CAST(cm.churned AS INTEGER))::DOUBLE / sum(CAST(cm.active_at_start AS INTEGER)) FILTER (WHERE cm.month = CAST($1 AS DATE))
		FROM customer_months cm JOIN branches b ON b.branch_id = cm.branch_id
		WHERE cm.month BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) GROUP BY 1`, start, end) {
		if v, ok := narrate.Number(r[1]); ok {
			out[fmt.Sprint(r[0])] = v
		}
	}
	return out
}

// handAUMByRegion is each region's AUM at the end of the month starting
// on month, by hand.
func handAUMByRegion(t *testing.T, month string) map[string]float64 {
	out := map[string]float64{}
	for _, r := range warehousetest.Rows(t, bank, `SELECT b.region, sum(cm.aum)::DOUBLE
		FROM customer_months cm JOIN branches b ON b.branch_id = cm.branch_id
		WHERE cm.month = CAST($1 AS DATE) GROUP BY 1`, month) {
		v, _ := narrate.Number(r[1])
		out[fmt.Sprint(r[0])] = v
	}
	return out
}

// extremesOf returns the groups with the largest rise and fall, and how
// many rose and fell.
func extremesOf(cur, prev map[string]float64) (up, down groupChange, nUp, nDown int) {
	for g, c := range cur {
		p, ok := prev[g]
		if !ok {
			continue
		}
		d := c - p
		switch {
		case d > 0:
			nUp++
			if up.group == "" || d > up.cur-up.prev {
				up = groupChange{g, c, p}
			}
		case d < 0:
			nDown++
			if down.group == "" || d < down.cur-down.prev {
				down = groupChange{g, c, p}
			}
		}
	}
	return up, down, nUp, nDown
}

func ask(t *testing.T, chat *queries.Chat, conv string, questions ...string) []*queries.Answer {
	t.Helper()
	var out []*queries.Answer
	for _, q := range questions {
		a, err := chat.Ask(context.Background(), q, conv, "t", nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != "answer" || a.Result == nil {
			t.Fatalf("%s: status %s, %q", q, a.Status, a.Answer)
		}
		conv = a.ConversationID
		out = append(out, a)
	}
	return out
}

// shifted is the inclusive window [start, end] moved back by months.
func shifted(t *testing.T, start, end string, months int) (string, string) {
	s, err1 := time.Parse("2006-01-02", start)
	e, err2 := time.Parse("2006-01-02", end)
	if err1 != nil || err2 != nil {
		t.Fatalf("window %s..%s", start, end)
	}
	return s.AddDate(0, -months, 0).Format("2006-01-02"), e.AddDate(0, 0, 1).AddDate(0, -months, 0).AddDate(0, 0, -1).Format("2006-01-02")
}

func pp(d float64) string { return fmt.Sprintf("%.2f", math.Abs(d)*100) }

// A comparison follow-up of a breakdown says what changed: how many groups
// rose and fell, the largest rise and fall with their groups, values and
// changes, and the two windows with their dates. Every figure is checked
// against hand SQL over the windows, which are themselves checked to be
// the previous quarter and the same month a year before.
func TestComparisonSentencesMatchHandSQL(t *testing.T) {
	engine := demoEngine(t)
	cat := engine.Catalog()
	chat := queries.NewChat(engine, queries.ChatConfig{})

	t.Run("rate by region, previous quarter, en", func(t *testing.T) {
		as := ask(t, chat, "", "What was the churn rate last quarter by region?", "And compared with the previous quarter?")
		a := as[1]
		if a.Query.Compare != "previous_period" || a.Time.Comparison == nil {
			t.Fatalf("compare %q, window %+v", a.Query.Compare, a.Time.Comparison)
		}
		ps, pe := shifted(t, a.Time.Start, a.Time.End, 3)
		if w := a.Time.Comparison; w.Start != ps || w.End != pe {
			t.Fatalf("comparison window %s..%s, want the previous quarter %s..%s", w.Start, w.End, ps, pe)
		}
		cur, prev := handChurnByRegion(t, a.Time.Start, a.Time.End), handChurnByRegion(t, ps, pe)
		up, down, nUp, nDown := extremesOf(cur, prev)
		def, _ := defOf(cat, "churn_rate")
		want := []string{
			enCounts(nUp, nDown) + " against the previous period",
			fmt.Sprintf("the largest rise was %s (%s, up %s percentage points", narrate.ValueLabel("en", cat, "region", up.group), narrate.Value("en", def, up.cur), pp(up.cur-up.prev)),
			fmt.Sprintf("the largest fall was %s (%s, down %s percentage points", narrate.ValueLabel("en", cat, "region", down.group), narrate.Value("en", def, down.cur), pp(down.cur-down.prev)),
			a.Time.Start + "–" + a.Time.End + ", against ",
			ps + "–" + pe,
		}
		for _, w := range want {
			if !strings.Contains(a.Answer, w) {
				t.Errorf("answer %q lacks %q", a.Answer, w)
			}
		}
		if strings.HasPrefix(a.Answer, strings.TrimSuffix(as[0].Answer, ".")+" (") {
			t.Errorf("the comparison follow-up repeats the first answer: %q", a.Answer)
		}
	})

	t.Run("amount by region, previous month, zh", func(t *testing.T) {
		a := ask(t, chat, "", "上个月各区域管理资产环比")[0]
		if a.Query.Compare != "previous_period" || a.Time.Comparison == nil {
			t.Fatalf("compare %q, window %+v", a.Query.Compare, a.Time.Comparison)
		}
		ps, _ := shifted(t, a.Time.Start, a.Time.End, 1)
		cur, prev := handAUMByRegion(t, a.Time.Start), handAUMByRegion(t, ps)
		up, down, nUp, nDown := extremesOf(cur, prev)
		def, _ := defOf(cat, "aum")
		pct := func(g groupChange) string { return fmt.Sprintf("%.1f%%", math.Abs(g.cur-g.prev)/math.Abs(g.prev)*100) }
		want := []string{
			counts("环比", nUp, nDown),
			fmt.Sprintf("上升最多的是%s（%s，环比上升 %s）", narrate.ValueLabel("zh", cat, "region", up.group), narrate.Value("zh", def, up.cur), pct(up)),
			"对比 " + ps[:4] + "年", ps + "–",
		}
		if down.group != "" {
			want = append(want, fmt.Sprintf("下降最多的是%s（%s，环比下降 %s）", narrate.ValueLabel("zh", cat, "region", down.group), narrate.Value("zh", def, down.cur), pct(down)))
		}
		for _, w := range want {
			if !strings.Contains(a.Answer, w) {
				t.Errorf("answer %q lacks %q", a.Answer, w)
			}
		}
	})

	t.Run("follow-up changing only the comparison, zh", func(t *testing.T) {
		as := ask(t, chat, "", "上个月各区域客户流失率环比", "同比呢")
		a := as[1]
		if a.Query.Compare != "same_period_last_year" {
			t.Fatalf("compare %q", a.Query.Compare)
		}
		ps, pe := shifted(t, a.Time.Start, a.Time.End, 12)
		cur, prev := handChurnByRegion(t, a.Time.Start, a.Time.End), handChurnByRegion(t, ps, pe)
		up, _, nUp, nDown := extremesOf(cur, prev)
		def, _ := defOf(cat, "churn_rate")
		for _, w := range []string{
			counts("同比", nUp, nDown),
			fmt.Sprintf("上升最多的是%s（%s，同比上升 %s 个百分点）", narrate.ValueLabel("zh", cat, "region", up.group), narrate.Value("zh", def, up.cur), pp(up.cur-up.prev)),
			"对比 " + ps[:4] + "年", ps + "–" + pe,
		} {
			if !strings.Contains(a.Answer, w) {
				t.Errorf("answer %q lacks %q", a.Answer, w)
			}
		}
		if strings.Contains(a.Answer, "环比") {
			t.Errorf("the 同比 follow-up still speaks of 环比: %q", a.Answer)
		}
	})

	t.Run("one value, same period last year, zh and en", func(t *testing.T) {
		for _, q := range []string{"上个月客户流失率同比", "churn rate last month compared with the same month last year"} {
			a := ask(t, chat, "", q)[0]
			if a.Query.Compare != "same_period_last_year" {
				t.Fatalf("%s: compare %q", q, a.Query.Compare)
			}
			ps, pe := shifted(t, a.Time.Start, a.Time.End, 12)
			hand := func(s, e string) float64 {
				v, _ := narrate.Number(warehousetest.Rows(t, bank, `SELECT sum(CAST(churned AS INTEGER))::DOUBLE / sum(CAST(active_at_start AS INTEGER)) FILTER (WHERE month = CAST($1 AS DATE))
					FROM customer_months WHERE month BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)`, s, e)[0][0])
				return v
			}
			d := hand(a.Time.Start, a.Time.End) - hand(ps, pe)
			want := map[bool]string{true: "同比" + map[bool]string{true: "上升", false: "下降"}[d >= 0] + " " + pp(d) + " 个百分点",
				false: map[bool]string{true: "up", false: "down"}[d >= 0] + " " + pp(d) + " percentage points from the same period last year"}[strings.HasPrefix(q, "上")]
			if !strings.Contains(a.Answer, want) || !strings.Contains(a.Answer, ps) {
				t.Errorf("%s: answer %q lacks %q or the window %s", q, a.Answer, want, ps)
			}
		}
	})
}

// counts is how the sentence counts the groups that rose and fell.
func counts(than string, nUp, nDown int) string {
	switch {
	case nDown == 0:
		return fmt.Sprintf("%s %d 个全部上升", than, nUp)
	case nUp == 0:
		return fmt.Sprintf("%s %d 个全部下降", than, nDown)
	}
	return fmt.Sprintf("%s %d 个上升、%d 个下降", than, nUp, nDown)
}

func enCounts(nUp, nDown int) string {
	switch {
	case nDown == 0:
		return fmt.Sprintf("all %d rose", nUp)
	case nUp == 0:
		return fmt.Sprintf("all %d fell", nDown)
	}
	return fmt.Sprintf("%d rose and %d fell", nUp, nDown)
}

func defOf(cat *metrics.Catalog, name string) (metrics.Definition, bool) {
	m, ok := cat.Metric(name)
	if !ok {
		return metrics.Definition{}, false
	}
	return cat.Definition(m), true
}
