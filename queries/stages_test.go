package queries

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
)

// membersSQL builds 4,000 members deterministically: ages 18-80, tenure
// 0-119 months, 1-4 products, churn likelier for the old and the inactive.
const membersSQL = `CREATE TABLE members AS
SELECT i AS id,
  ['FR','DE','ES'][(1 + hash(i, 'c') % 3)::BIGINT] AS country,
  ['M','F'][(1 + hash(i, 'g') % 2)::BIGINT] AS gender,
  (hash(i, 'a') % 2)::INTEGER AS active,
  (hash(i, 'n') % 3 = 0)::INTEGER AS newsletter,
  (18 + hash(i, 'age') % 63)::INTEGER AS age,
  (hash(i, 't') % 120)::INTEGER AS tenure_months,
  (1 + hash(i, 'p') % 4)::INTEGER AS products,
  round((hash(i, 'b') % 2000000) / 10.0, 2)::DOUBLE AS balance,
  CASE WHEN hash(i, 'x') % 100 < 10 + (18 + hash(i, 'age') % 63) / 4 + 10 * (1 - hash(i, 'a') % 2) THEN 1 ELSE 0 END AS exited
FROM range(4000) t(i)`

// membersPlanner returns the planner and engine over the members model.
func membersPlanner(t testing.TB) (*Offline, *metrics.Engine, HandSQL) {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, membersSQL); return err }); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/stages/model.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cat := metricstest.Catalog(t, db, "model.yaml", src)
	now := func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, cat.Location) }
	engine, err := metrics.NewEngine(db, cat, metrics.EngineConfig{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return NewOffline(cat, now), engine, db.Rows
}

// Every stage's grammar, checked by the rows it answers against hand SQL:
// a question is right only if its number is.
func TestStagesAnswerLikeHandSQL(t *testing.T) {
	o, engine, hand := membersPlanner(t)
	rate := `avg(exited::DOUBLE)`
	cases := []struct{ question, sql string }{
		// lists and contrasts: one row per value
		{"法国和德国的流失率", `SELECT country, ` + rate + ` FROM members WHERE country IN ('FR','DE') GROUP BY 1`},
		{"France vs Germany churn rate", `SELECT country, ` + rate + ` FROM members WHERE country IN ('FR','DE') GROUP BY 1`},
		{"男性、女性的流失率分别是多少", `SELECT gender, ` + rate + ` FROM members GROUP BY 1`},
		{"活跃会员和非活跃会员的流失率对比", `SELECT active, ` + rate + ` FROM members GROUP BY 1`},
		{"compare churn rate for active and inactive members", `SELECT active, ` + rate + ` FROM members GROUP BY 1`},
		{"法国和德国合计的流失率", `SELECT ` + rate + ` FROM members WHERE country IN ('FR','DE')`},
		// exclusion
		{"德国以外的流失率", `SELECT ` + rate + ` FROM members WHERE country <> 'DE'`},
		{"除了德国之外的会员数", `SELECT count(*) FROM members WHERE country <> 'DE'`},
		{"除德国外各国家的流失率", `SELECT country, ` + rate + ` FROM members WHERE country <> 'DE' GROUP BY 1`},
		{"churn rate excluding Germany", `SELECT ` + rate + ` FROM members WHERE country <> 'DE'`},
		{"churn rate for members outside Germany", `SELECT ` + rate + ` FROM members WHERE country <> 'DE'`},
		{"非活跃会员的流失率", `SELECT ` + rate + ` FROM members WHERE active = 0`},
		// numeric conditions, with units and both kinds of bound
		{"50岁以上会员的流失率", `SELECT ` + rate + ` FROM members WHERE age >= 50`},
		{"年龄超过50岁的流失率", `SELECT ` + rate + ` FROM members WHERE age > 50`},
		{"churn rate for members over 50", `SELECT ` + rate + ` FROM members WHERE age > 50`},
		{"churn rate for members older than 60", `SELECT ` + rate + ` FROM members WHERE age > 60`},
		{"churn rate for members aged 30 or younger", `SELECT ` + rate + ` FROM members WHERE age <= 30`},
		{"30到40岁会员的流失率", `SELECT ` + rate + ` FROM members WHERE age BETWEEN 30 AND 40`},
		{"churn rate for ages between 30 and 40", `SELECT ` + rate + ` FROM members WHERE age BETWEEN 30 AND 40`},
		{"在网至少36个月的会员数", `SELECT count(*) FROM members WHERE tenure_months >= 36`},
		{"members with tenure of at least 36 months", `SELECT count(*) FROM members WHERE tenure_months >= 36`},
		{"churn rate for members with tenure under 2 years", `SELECT ` + rate + ` FROM members WHERE tenure_months < 24`},
		{"余额超过10万的会员数", `SELECT count(*) FROM members WHERE balance > 100000`},
		{"churn rate for members with 2 products", `SELECT ` + rate + ` FROM members WHERE products = 2`},
		{"持有3个产品数的会员流失率", `SELECT ` + rate + ` FROM members WHERE products = 3`},
		// a condition on a summed column, about each row, unless it picks groups
		{"存款超过15万的会员数", `SELECT count(*) FROM members WHERE balance > 150000`},
		{"how many members have deposits of at least 150k", `SELECT count(*) FROM members WHERE balance >= 150000`},
		{"members with 2 to 3 products", `SELECT count(*) FROM members WHERE products BETWEEN 2 AND 3`},
		{"countries with deposits above 130 million", `SELECT country, sum(balance) FROM members GROUP BY 1 HAVING sum(balance) > 130e6`},
		{"存款超过1.3亿的国家", `SELECT country, sum(balance) FROM members GROUP BY 1 HAVING sum(balance) > 130e6`},
		// a verb of having a feature, before a flag's name: the flag is on
		{"订阅了电子报的会员流失率", `SELECT ` + rate + ` FROM members WHERE newsletter = 1`},
		{"churn rate for members subscribed to the newsletter", `SELECT ` + rate + ` FROM members WHERE newsletter = 1`},
		// "their" after the question's own subject is that subject
		{"how many members over 60 have their balance above 150000", `SELECT count(*) FROM members WHERE age > 60 AND balance > 150000`},
		{"churn rate for women over 40", `SELECT ` + rate + ` FROM members WHERE gender = 'F' AND age > 40`},
		{"德国50岁以上女性的流失率", `SELECT ` + rate + ` FROM members WHERE country = 'DE' AND age >= 50 AND gender = 'F'`},
		// grouping words and two breakdowns
		{"不同国家的流失率", `SELECT country, ` + rate + ` FROM members GROUP BY 1`},
		{"各国家各性别的流失率", `SELECT country, gender, ` + rate + ` FROM members GROUP BY 1, 2`},
		{"churn rate per country and gender", `SELECT country, gender, ` + rate + ` FROM members GROUP BY 1, 2`},
		{"churn rate by gender group and country", `SELECT gender, country, ` + rate + ` FROM members GROUP BY 1, 2`},
		{"各国家的性别类别流失率", `SELECT country, gender, ` + rate + ` FROM members GROUP BY 1, 2`},
		// counts of the entity
		{"how many members are there", `SELECT count(*) FROM members`},
		// a status count asked with the status as the verb
		{"德国流失了多少会员", `SELECT count(*) FROM members WHERE exited = 1 AND country = 'DE'`},
		{"how many members exited in each country", `SELECT country, count(*) FROM members WHERE exited = 1 GROUP BY 1`},
		// conditions on a metric's value keep the groups that meet them
		{"流失率不低于30%的国家和性别有哪些", `SELECT country, gender, ` + rate + ` FROM members GROUP BY 1, 2 HAVING ` + rate + ` >= 0.3`},
		{"which countries and genders have a churn rate of at least 25%", `SELECT country, gender, ` + rate + ` FROM members GROUP BY 1, 2 HAVING ` + rate + ` >= 0.25`},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.question, func(t *testing.T) { answersLikeHandSQL(ctx, t, o, engine, hand, tc.question, tc.sql) })
	}
}

// answersLikeHandSQL plans a question and checks its rows against hand SQL.
func answersLikeHandSQL(ctx context.Context, t *testing.T, o *Offline, engine *metrics.Engine, hand HandSQL, question, handSQL string) {
	t.Helper()
	p := o.Plan(question, nil)
	if p.Status != "answer" {
		t.Fatalf("status %s: %s", p.Status, p.Message)
	}
	got, err := engine.Run(ctx, p.Query, nil)
	if err != nil {
		t.Fatalf("run %s: %v", compact(p.Query), err)
	}
	want, err := hand(ctx, handSQL)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) > 0 && len(got.Columns) != len(want[0]) || !matchRows(got.Rows, want) {
		t.Errorf("query %s\ngot  %v\nwant %v", compact(p.Query), firstRows(got.Rows), firstRows(want))
	}
}

// Questions the planner must not answer with a number: a word or number it
// did not use, a why, the future, time words over data without time.
func TestStagesNeverDropAWord(t *testing.T) {
	o, _, _ := membersPlanner(t)
	cases := []struct{ question, status, names string }{
		// A why of a level, not of a move between periods, is asked back.
		{"为什么德国的流失率高", "clarify", "为什么"},
		{"why is churn higher in Germany", "clarify", "why"},
		{"下个月流失率会是多少", "refuse", "下个月"},
		{"forecast churn rate next quarter", "refuse", "forecast"},
		{"上个月的流失率", "clarify", "上个月"},
		{"churn rate last quarter", "clarify", "last quarter"},
		{"流失率超过20%", "clarify", "20"},
		{"countries with churn rate above 20", "clarify", "above 20"},
		{"churn rate for the 3 countries", "clarify", "3"},
		{"50岁的流失率", "clarify", "50"},
		{"德国和火星的流失率", "refuse", "火星"},
		{"churn rate of members with pets", "refuse", "pets"},
	}
	for _, tc := range cases {
		p := o.Plan(tc.question, nil)
		if p.Status != tc.status {
			t.Errorf("%s: status %s (%s), want %s", tc.question, p.Status, p.Message, tc.status)
			continue
		}
		if !strings.Contains(strings.ToLower(p.Message), strings.ToLower(tc.names)) {
			t.Errorf("%s: message %q does not name %q", tc.question, p.Message, tc.names)
		}
	}
}
