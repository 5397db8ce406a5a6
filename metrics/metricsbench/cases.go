package metricsbench

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// Shapes are the governed metric shapes measured, in report order.
var Shapes = []string{"simple", "ratio", "first", "last", "churn", "share", "cumulative", "pop"}

// Grains are the grains measured; "" is no grain (the whole range).
var Grains = []string{"month", "quarter", "year", ""}

// Variants are the breakdowns and filters each shape and grain is asked with.
var Variants = []string{"total", "by_segment", "by_branch_filtered"}

// Case is one governed query and the hand-written SQL for the same answer.
// Both return Keys key columns (period first, then the breakdown) and then
// the metric; rows are compared by their keys.
type Case struct {
	Name  string
	Query metrics.Query
	Hand  string
	Keys  int
}

// Bank describes a table of customer-months to the hand-SQL writer: where
// its columns are and which governed metric answers each shape.
type Bank struct {
	Name string
	// From is the FROM clause of the hand SQL; Month, Segment and Branch
	// are the expressions of those columns in it.
	From, Month, Segment, Branch string
	// Metric names the governed metric of each shape.
	Metric map[string]string
	// Agg is the hand aggregate of each shape's base value; {first} and
	// {last} stand for the condition picking the period's first or last
	// month. Semi marks shapes whose whole aggregate reads one month per
	// period, so the hand SQL filters rows to it instead.
	Agg  map[string]string
	Semi map[string]string
	// Start and End are the first and last months of the data (or of the
	// range asked, when Ranged).
	Start, End time.Time
	// Ranged asks every query with an explicit range Start..End; otherwise
	// queries without a grain read the whole table.
	Ranged bool
	// Exclude is the segment the filtered variant leaves out.
	Exclude string
}

// Flat is the flat table of months customer-months from FlatStart.
func Flat(months int) Bank {
	return Bank{
		Name: "flat", From: "customer_month", Month: "month", Segment: "segment", Branch: "branch",
		Metric: map[string]string{"simple": "churned_customers", "ratio": "avg_balance", "first": "customers_at_start", "last": "balances",
			"churn": "churn_rate", "share": "balance_share", "cumulative": "cumulative_churned", "pop": "balance_growth"},
		Agg: map[string]string{
			"simple": "count(*) FILTER (WHERE churned)",
			"ratio":  "avg(balance)",
			"first":  "count(*) FILTER (WHERE active_at_start)",
			"last":   "sum(balance)",
			"churn":  "count(*) FILTER (WHERE churned) / count(*) FILTER (WHERE active_at_start AND {first})",
		},
		Semi:    map[string]string{"first": "{first}", "last": "{last}"},
		Start:   FlatStart,
		End:     FlatStart.AddDate(0, months-1, 0),
		Exclude: "young",
	}
}

// Demo is the demo bank's customer_months from start to end (whole months).
func Demo(start, end time.Time) Bank {
	return Bank{
		Name: "demo", From: "customer_months m JOIN branches b USING (branch_id)", Month: "m.month", Segment: "m.segment", Branch: "b.branch_name",
		Metric: map[string]string{"simple": "churned_customers", "ratio": "products_per_customer", "first": "customers_at_start", "last": "aum",
			"churn": "churn_rate", "share": "segment_contribution", "cumulative": "cumulative_churned_customers", "pop": "aum_growth"},
		Agg: map[string]string{
			"simple": "count(*) FILTER (WHERE m.churned)",
			"ratio":  "sum(m.products_held) FILTER (WHERE NOT m.churned) / count(*) FILTER (WHERE NOT m.churned)",
			"first":  "count(*) FILTER (WHERE m.active_at_start)",
			"last":   "sum(m.aum)",
			"churn":  "count(*) FILTER (WHERE m.churned) / count(*) FILTER (WHERE m.active_at_start AND {first})",
		},
		Semi:    map[string]string{"ratio": "{last}", "first": "{first}", "last": "{last}"},
		Start:   start,
		End:     end,
		Ranged:  true,
		Exclude: "年轻",
	}
}

// Cases are every shape at every grain in every variant.
func (b Bank) Cases() []Case {
	var out []Case
	for _, shape := range Shapes {
		for _, g := range Grains {
			for _, v := range Variants {
				if shape == "share" && v == "total" {
					continue // a share of the whole is 1
				}
				out = append(out, b.Case(shape, g, v))
			}
		}
	}
	return out
}

func grainName(g string) string {
	if g == "" {
		return "none"
	}
	return g
}

func date(t time.Time) string { return "DATE '" + t.Format("2006-01-02") + "'" }

var grainMonths = map[string]int{"month": 1, "quarter": 3, "year": 12}

// Case is one shape at one grain in one variant.
func (b Bank) Case(shape, grain, variant string) Case {
	c := Case{Name: fmt.Sprintf("%s/%s/%s/%s", b.Name, shape, grainName(grain), variant)}
	q := metrics.Query{Metrics: []string{b.Metric[shape]}, Limit: 100_000}
	start, end := b.Start, b.End
	ranged := b.Ranged || grain != ""
	if shape == "pop" && grain == "" && !b.Ranged {
		start, ranged = end.AddDate(0, -11, 0), true // the last twelve months against the twelve before
	}
	if grain != "" || ranged {
		q.Time = &metrics.TimeSpec{Grain: grain}
		if ranged {
			q.Time.Start, q.Time.End = start.Format("2006-01-02"), end.AddDate(0, 1, -1).Format("2006-01-02")
		}
	}
	var dim string
	var where []string
	switch variant {
	case "by_segment":
		q.Dimensions, dim = []string{"segment"}, b.Segment
	case "by_branch_filtered":
		q.Dimensions, dim = []string{"branch"}, b.Branch
		q.Filters = []metrics.Filter{{Dimension: "segment", Op: "neq", Value: b.Exclude}}
		where = append(where, b.Segment+" <> '"+b.Exclude+"'")
	}

	h := handWriter{b: b, grain: grain, dim: dim, where: where}
	switch shape {
	case "share":
		h.keys()
		part := ""
		if grain != "" {
			part = "PARTITION BY period"
		}
		c.Hand = fmt.Sprintf("SELECT %s, v / sum(v) OVER (%s) FROM (%s)", h.keyList(), part, h.aggregate(b.Agg["last"], b.Semi["last"], start, end, ranged))
	case "cumulative":
		inner := h.aggregate(b.Agg["simple"], "", start, end, ranged)
		if grain == "" {
			c.Hand = inner
			break
		}
		h.keys()
		part := ""
		if dim != "" {
			part = "PARTITION BY k "
		}
		c.Hand = fmt.Sprintf("SELECT %s, sum(v) OVER (%sORDER BY period) FROM (%s)", h.keyList(), part, inner)
	case "pop":
		c.Hand = h.pop(start, end)
	default:
		c.Hand = h.aggregate(b.Agg[shape], b.Semi[shape], start, end, ranged)
	}
	c.Query, c.Keys = q, len(h.keys())
	return c
}

// handWriter writes the hand SQL of one case.
type handWriter struct {
	b     Bank
	grain string
	dim   string
	where []string
}

// period is the period of a row at the grain.
func (h handWriter) period() string {
	return "CAST(date_trunc('" + h.grain + "', " + h.b.Month + ") AS DATE)"
}

func (h handWriter) keys() []string {
	var k []string
	if h.grain != "" {
		k = append(k, "period")
	}
	if h.dim != "" {
		k = append(k, "k")
	}
	return k
}

func (h handWriter) keyList() string { return strings.Join(h.keys(), ", ") }

// bounds replaces {first} and {last} with the condition picking the
// period's first or last month inside start..end.
func (h handWriter) bounds(s string, start, end time.Time) string {
	first, last := h.b.Month+" = "+date(start), h.b.Month+" = "+date(end)
	if n := grainMonths[h.grain]; n == 1 {
		first, last = "true", "true"
	} else if n > 1 {
		first = fmt.Sprintf("%s = greatest(%s, %s)", h.b.Month, h.period(), date(start))
		last = fmt.Sprintf("%s = least(CAST(%s + INTERVAL %d MONTH AS DATE), %s)", h.b.Month, h.period(), n-1, date(end))
	}
	return strings.NewReplacer("{first}", first, "{last}", last, " AND true", "").Replace(s)
}

// aggregate is SELECT keys, agg AS v over start..end, with semi (when set)
// as a row filter.
func (h handWriter) aggregate(agg, semi string, start, end time.Time, ranged bool) string {
	var sel, group []string
	if h.grain != "" {
		sel = append(sel, h.period()+" AS period")
	}
	if h.dim != "" {
		sel = append(sel, h.dim+" AS k")
	}
	for i := range sel {
		group = append(group, fmt.Sprint(i+1))
	}
	where := slices.Clone(h.where)
	if ranged {
		where = append(where, fmt.Sprintf("%s BETWEEN %s AND %s", h.b.Month, date(start), date(end)))
	}
	if semi != "" && h.bounds(semi, start, end) != "true" {
		where = append(where, h.bounds(semi, start, end))
	}
	sel = append(sel, h.bounds(agg, start, end)+" AS v")
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + h.b.From
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if len(group) > 0 {
		q += " GROUP BY " + strings.Join(group, ", ")
	}
	return q
}

// pop is the period-end value's change on the previous period: at a
// grain, each period against the one before over the range moved back by
// one period; with no grain, the range against the range of the same
// length before it.
func (h handWriter) pop(start, end time.Time) string {
	agg, semi := h.b.Agg["last"], h.b.Semi["last"]
	if h.grain != "" {
		n := grainMonths[h.grain]
		cur := h.aggregate(agg, semi, start, end, true)
		prev := h.aggregate(agg, semi, start.AddDate(0, -n, 0), end.AddDate(0, -n, 0), true)
		return fmt.Sprintf(`WITH cur AS (%s), prev AS (SELECT * REPLACE (CAST(period + INTERVAL %d MONTH AS DATE) AS period) FROM (%s))
SELECT %s, (cur.v - prev.v) / abs(prev.v) FROM cur LEFT JOIN prev USING (%s)`, cur, n, prev, h.keyList(), h.keyList())
	}
	prevEnd := start.AddDate(0, -1, 0)
	var sel, group []string
	if h.dim != "" {
		sel, group = append(sel, h.dim+" AS k"), append(group, "1")
	}
	cur := strings.ReplaceAll(agg, "*)", "*) FILTER (WHERE "+h.b.Month+" = "+date(end)+")")
	prev := strings.ReplaceAll(agg, "*)", "*) FILTER (WHERE "+h.b.Month+" = "+date(prevEnd)+")")
	if !strings.Contains(agg, "*)") {
		cur = strings.TrimSuffix(agg, ")") + ") FILTER (WHERE " + h.b.Month + " = " + date(end) + ")"
		prev = strings.TrimSuffix(agg, ")") + ") FILTER (WHERE " + h.b.Month + " = " + date(prevEnd) + ")"
	}
	where := append(slices.Clone(h.where), fmt.Sprintf("%s IN (%s, %s)", h.b.Month, date(end), date(prevEnd)))
	sel = append(sel, fmt.Sprintf("(%s - %s) / abs(%s)", cur, prev, prev))
	q := "SELECT " + strings.Join(sel, ", ") + " FROM " + h.b.From + " WHERE " + strings.Join(where, " AND ")
	if len(group) > 0 {
		q += " GROUP BY 1"
	}
	return q
}
