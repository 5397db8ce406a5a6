package queries

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
)

// datasetPlanner loads a data set of testdata/datasets (one CSV per table
// and its model) and returns the planner and engine over it, today being
// the given date.
func datasetPlanner(t *testing.T, name, today string) (*Offline, *metrics.Engine, HandSQL, *EvalSet) {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, "", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dir := filepath.Join("testdata", "datasets", name)
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	for _, f := range files {
		if _, err := db.Load(ctx, warehouse.LoadOptions{Table: strings.TrimSuffix(filepath.Base(f), ".csv"), Path: f}); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile(filepath.Join(dir, "model.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cat := metricstest.Catalog(t, db, "model.yaml", src)
	set := &EvalSet{Model: name, Today: today}
	now, err := set.Now(cat.Location)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	engine, err := metrics.NewEngine(db, cat, metrics.EngineConfig{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	return NewOffline(cat, clock).WithDataTime(engine), engine, db.Rows, set
}

// Rules read from speech over data sets the planner was not written for,
// each checked by its rows against hand SQL over the CSV tables.
func TestUnseenRulesAnswerLikeHandSQL(t *testing.T) {
	june := `m.month = DATE '2026-06-01'`
	joined := `FROM investor_months m JOIN investors i USING (investor_id) WHERE `
	sets := []struct {
		dataset, today string
		cases          []struct{ question, sql string }
	}{
		{"wealth", "2026-11-29", []struct{ question, sql string }{
			// an amount with its size, over a field kept in 万元
			{"总资产100万元以上的客户有多少", `SELECT count(DISTINCT m.investor_id) ` + joined + june + ` AND i.total_assets >= 100`},
			{"How many investors have total assets above 10 million yuan?", `SELECT count(DISTINCT m.investor_id) ` + joined + june + ` AND i.total_assets > 1000`},
			{"总资产超过500的投资者有多少", `SELECT count(DISTINCT m.investor_id) ` + joined + june + ` AND i.total_assets > 500`},
			// a status said with a period is the event's count
			{"How many investors left in 2025?", `SELECT sum(left_flag::INT) FROM investor_months WHERE year(month) = 2025`},
			{"2025年流失了多少客户", `SELECT sum(left_flag::INT) FROM investor_months WHERE year(month) = 2025`},
			{"2025年有多少客户流失", `SELECT sum(left_flag::INT) FROM investor_months WHERE year(month) = 2025`},
			// an exclusion asked as one figure
			{"除了私人银行渠道以外，其他客户的AUM合计是多少", `SELECT sum(m.aum) ` + joined + june + ` AND i.channel <> 'private_banker'`},
			{"Total AUM in every product except money market funds", `SELECT sum(aum) FROM investor_months m WHERE ` + june + ` AND product_type <> 'money_fund'`},
			// a ranked move is ranked by its change, not by its value
			{"2026年6月AUM下降最多的渠道", `WITH c AS (SELECT i.channel, sum(m.aum) FILTER (WHERE m.month = DATE '2026-06-01') AS cur, sum(m.aum) FILTER (WHERE m.month = DATE '2026-05-01') AS prev ` +
				`FROM investor_months m JOIN investors i USING (investor_id) GROUP BY 1) SELECT channel, cur, prev, cur - prev, (cur - prev) / prev FROM c ORDER BY cur - prev LIMIT 1`},
			{"which risk level's AUM rose the most in June 2026?", `WITH c AS (SELECT i.risk_level, sum(m.aum) FILTER (WHERE m.month = DATE '2026-06-01') AS cur, sum(m.aum) FILTER (WHERE m.month = DATE '2026-05-01') AS prev ` +
				`FROM investor_months m JOIN investors i USING (investor_id) GROUP BY 1) SELECT risk_level, cur, prev, cur - prev, (cur - prev) / prev FROM c ORDER BY cur - prev DESC LIMIT 1`},
			{"除了货币基金以外，其他产品的AUM各是多少", `SELECT product_type, sum(aum) FROM investor_months m WHERE ` + june + ` AND product_type <> 'money_fund' GROUP BY 1`},
		}},
		{"airline", "2025-08-12", []struct{ question, sql string }{
			// a label split by a particle and a question word
			{"2025年2月兑换了多少里程", `SELECT sum(miles_redeemed) FROM member_months WHERE month = DATE '2025-02-01'`},
			{"2025年2月累积了多少里程", `SELECT sum(miles_earned) FROM member_months WHERE month = DATE '2025-02-01'`},
		}},
		{"cards", "2026-11-24", []struct{ question, sql string }{
			// a metric word holding a ranking word, split by 的
			{"各卡等级只还最低还款的占比是多少", `SELECT h.card_tier, avg(min_paid_only::INT) FROM card_months m JOIN cardholders h USING (card_id) WHERE month = DATE '2025-10-01' GROUP BY 1`},
		}},
	}
	ctx := context.Background()
	for _, s := range sets {
		o, engine, hand, _ := datasetPlanner(t, s.dataset, s.today)
		for _, tc := range s.cases {
			t.Run(s.dataset+"/"+tc.question, func(t *testing.T) { answersLikeHandSQL(ctx, t, o, engine, hand, tc.question, tc.sql) })
		}
	}
}
