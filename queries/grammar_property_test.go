package queries

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// rendered is a random reading: a question in zh or en and the
// query it must become.
type rendered struct {
	question string
	want     metrics.Query
}

var (
	propMetrics = []struct{ name, zh, en string }{{"churn_rate", "流失率", "churn rate"}, {"members", "会员数", "number of members"}}
	propCountry = []struct{ value, zh, en string }{{"FR", "法国", "France"}, {"DE", "德国", "Germany"}, {"ES", "西班牙", "Spain"}}
	propGender  = []struct{ value, zh, en string }{{"M", "男性", "male"}, {"F", "女性", "female"}}
)

// renderReading draws a reading and writes it as a question.
func renderReading(rng *rand.Rand, zh bool) rendered {
	m := propMetrics[rng.IntN(len(propMetrics))]
	q := metrics.Query{Metrics: []string{m.name}}
	var pre, mid, post []string // zh: before 会员, en: after "members"
	switch rng.IntN(4) {
	case 1: // one country
		c := propCountry[rng.IntN(3)]
		q.Filters = append(q.Filters, metrics.Filter{Dimension: "country", Op: "eq", Value: c.value})
		pre, post = append(pre, c.zh), append(post, "in "+c.en)
	case 2: // a list of two
		i := rng.IntN(3)
		a, b := propCountry[i], propCountry[(i+1)%3]
		q.Filters = append(q.Filters, metrics.Filter{Dimension: "country", Op: "in", Values: []any{a.value, b.value}})
		q.Dimensions = append(q.Dimensions, "country")
		pre, post = append(pre, a.zh+"和"+b.zh), append(post, "in "+a.en+" and "+b.en)
	case 3: // all but one
		c := propCountry[rng.IntN(3)]
		q.Filters = append(q.Filters, metrics.Filter{Dimension: "country", Op: "not_in_known", Values: []any{c.value}})
		pre, post = append(pre, c.zh+"以外"), append(post, "outside "+c.en)
	}
	if rng.IntN(2) == 0 {
		n := 20 + rng.IntN(50)
		f, z, e := ageCondition(rng, n)
		q.Filters = append(q.Filters, f)
		mid, post = append(mid, z), append(post, e)
	}
	if rng.IntN(3) == 0 {
		g := propGender[rng.IntN(2)]
		q.Filters = append(q.Filters, metrics.Filter{Dimension: "gender", Op: "eq", Value: g.value})
		mid = append(mid, g.zh)
		post = append(post, "who are "+g.en)
	} else if rng.IntN(3) == 0 {
		q.Dimensions = append(q.Dimensions, "gender")
		mid = append(mid, "各性别")
		post = append(post, "by gender")
	}
	if zh {
		return rendered{strings.Join(pre, "") + strings.Join(mid, "") + "会员的" + m.zh, q}
	}
	return rendered{m.en + " for members " + strings.Join(post, " "), q}
}

// ageCondition draws a condition on age and writes it both ways, with the
// documented bounds: 以上/以下 include the number, 超过/不到/over/under do not.
func ageCondition(rng *rand.Rand, n int) (metrics.Filter, string, string) {
	f := metrics.Filter{Dimension: "age"}
	switch rng.IntN(5) {
	case 0:
		f.Op, f.Value = "gte", float64(n)
		return f, fmt.Sprintf("%d岁以上", n), fmt.Sprintf("aged %d or older", n)
	case 1:
		f.Op, f.Value = "gt", float64(n)
		return f, fmt.Sprintf("超过%d岁", n), fmt.Sprintf("older than %d", n)
	case 2:
		f.Op, f.Value = "lte", float64(n)
		return f, fmt.Sprintf("%d岁以下", n), fmt.Sprintf("aged %d or younger", n)
	case 3:
		f.Op, f.Value = "lt", float64(n)
		return f, fmt.Sprintf("不到%d岁", n), fmt.Sprintf("younger than %d", n)
	}
	f.Op, f.Values = "between", []any{float64(n), float64(n + 10)}
	return f, fmt.Sprintf("%d到%d岁", n, n+10), fmt.Sprintf("aged between %d and %d", n, n+10)
}

// canonical writes a query with its dimensions and filters sorted, so that
// two readings compare by content.
func canonical(q metrics.Query) string {
	q = cloneQuery(q)
	slices.Sort(q.Dimensions)
	for i := range q.Filters {
		slices.SortFunc(q.Filters[i].Values, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	}
	slices.SortFunc(q.Filters, func(a, b metrics.Filter) int { return strings.Compare(a.Dimension+a.Op, b.Dimension+b.Op) })
	b, _ := json.Marshal(q)
	return string(b)
}

// For random readings rendered in zh and en, the planner reads back the
// reading rendered; a different reading that still answers is a silent
// wrong answer and fails the test, and few may go unanswered.
func TestPlannerReadsBackRenderedReadings(t *testing.T) {
	o, _, _ := membersPlanner(t)
	rng := rand.New(rand.NewPCG(7, 11))
	const n = 400
	unanswered := 0
	for i := 0; i < n; i++ {
		r := renderReading(rng, i%2 == 0)
		p := o.Plan(r.question, nil)
		switch {
		case p.Status != "answer":
			unanswered++
			t.Logf("not answered: %s: %s", r.question, p.Message)
		case canonical(p.Query) != canonical(r.want):
			t.Errorf("silent wrong: %s\n got  %s\n want %s", r.question, canonical(p.Query), canonical(r.want))
		}
	}
	if unanswered > n/20 {
		t.Errorf("%d of %d rendered questions were not answered", unanswered, n)
	}
}

var propPeriods = []struct{ rng, zh, en string }{
	{"last_month", "上个月", "last month"}, {"2025-03", "2025年3月", "March 2025"}, {"last_3_months", "近3个月", "the last 3 months"},
	{"2025-Q2", "2025年第二季度", "Q2 2025"}, {"this_year", "今年", "this year"}, {"2025-H2", "2025年下半年", "H2 2025"},
}

// Time and comparison words, drawn with segments and breakdowns over the
// demo bank, are read back exactly.
func TestPlannerReadsBackRenderedPeriods(t *testing.T) {
	db, err := warehousetest.OpenDemo(1000, 24)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	o := NewOffline(metricstest.DemoCatalog(t, db), warehousetest.Now)
	rng := rand.New(rand.NewPCG(3, 5))
	segs := []struct{ value, zh, en string }{{"高净值", "高净值客户", "high net worth customers"}, {"年轻", "年轻客户", "young customers"}}
	for i := 0; i < 200; i++ {
		zh := i%2 == 0
		per := propPeriods[rng.IntN(len(propPeriods))]
		q := metrics.Query{Metrics: []string{"churn_rate"}, Time: &metrics.TimeSpec{Range: per.rng}}
		question := map[bool]string{true: per.zh, false: "churn rate"}[zh]
		tail := ""
		if rng.IntN(2) == 0 {
			s := segs[rng.IntN(2)]
			q.Filters = []metrics.Filter{{Dimension: "segment", Op: "eq", Value: s.value}}
			question += map[bool]string{true: s.zh, false: " of " + s.en}[zh]
		}
		if rng.IntN(2) == 0 {
			q.Dimensions = []string{"region"}
			question += map[bool]string{true: "各区域", false: " by region"}[zh]
		}
		if rng.IntN(2) == 0 {
			q.Compare = "same_period_last_year"
			tail = map[bool]string{true: "同比", false: " year over year"}[zh]
			if per.rng == "this_year" {
				q.Time.Range = "ytd" // a year still running compares its days so far
			}
		}
		if zh {
			question += "的流失率" + tail
		} else {
			question += " in " + per.en + tail
		}
		p := o.Plan(question, nil)
		if p.Status != "answer" {
			t.Errorf("not answered: %s: %s", question, p.Message)
			continue
		}
		if canonical(p.Query) != canonical(q) {
			t.Errorf("silent wrong: %s\n got  %s\n want %s", question, canonical(p.Query), canonical(q))
		}
	}
}
