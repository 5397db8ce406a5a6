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
	gymJoined := `FROM member_month mm JOIN members m USING (member_id) WHERE `
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
		{"gym", "2026-11-24", []struct{ question, sql string }{
			// a label split by a total, or by 多少 before its last rune
			{"2025年6月会员到店总次数", `SELECT sum(visits) FROM member_month WHERE month = DATE '2025-06-01'`},
			{"2025年第一季度月卡会员流失了多少人", `SELECT sum(mm.cancelled::INT) ` + gymJoined + `mm.month BETWEEN DATE '2025-01-01' AND DATE '2025-03-01' AND m.plan = 'monthly'`},
			// a metric-and-field word before a number is the field
			{"2025年4月到店次数在5到8次之间的会员有多少", `SELECT count(*) FROM member_month WHERE month = DATE '2025-04-01' AND visits BETWEEN 5 AND 8`},
			// 是否 / whether before a yes-or-no value: a breakdown
			{"2025年6月按城市和是否有私教分的在籍会员数", `SELECT m.city, m.personal_training, count(*) ` + gymJoined + `mm.month = DATE '2025-06-01' GROUP BY 1, 2`},
			{"members on book in June 2025 by whether they have PT", `SELECT m.personal_training, count(*) ` + gymJoined + `mm.month = DATE '2025-06-01' GROUP BY 1`},
			// a value whose word is a grain: beside another value, before what is counted
			{"churn rate monthly vs annual members, Q1 2025", `SELECT m.plan, sum(mm.cancelled::INT)::DOUBLE / sum(mm.active_at_start::INT) FILTER (WHERE mm.month = DATE '2025-01-01') ` +
				gymJoined + `mm.month BETWEEN DATE '2025-01-01' AND DATE '2025-03-01' AND m.plan IN ('monthly', 'annual') GROUP BY 1`},
			{"How many members were on monthly plans in June 2025?", `SELECT count(*) ` + gymJoined + `mm.month = DATE '2025-06-01' AND m.plan = 'monthly'`},
			// a year told with its event is a value of the field holding that year
			{"2024年入会的会员在2025年6月的流失率", `SELECT sum(mm.cancelled::INT)::DOUBLE / sum(mm.active_at_start::INT) ` + gymJoined + `mm.month = DATE '2025-06-01' AND year(m.join_date) = 2024`},
			{"For members who joined in 2023, what was the churn rate in Q1 2025?", `SELECT sum(mm.cancelled::INT)::DOUBLE / sum(mm.active_at_start::INT) FILTER (WHERE mm.month = DATE '2025-01-01') ` +
				gymJoined + `mm.month BETWEEN DATE '2025-01-01' AND DATE '2025-03-01' AND year(m.join_date) = 2023`},
			// per month that is the metric's own unit
			{"average visits per member per month by plan, Q2 2025", `SELECT m.plan, avg(mm.visits) ` + gymJoined + `mm.month BETWEEN DATE '2025-04-01' AND DATE '2025-06-01' GROUP BY 1`},
			// a label said with a relative clause
			{"share of registered members who have cancelled, by plan", `SELECT plan, avg((status = 'cancelled')::INT) FROM members GROUP BY 1`},
			// a status with a period beside another value: the event's count
			{"Number of churned pay-per-visit members per club in Q1 2025", `SELECT m.club, sum(mm.cancelled::INT) ` + gymJoined + `mm.month BETWEEN DATE '2025-01-01' AND DATE '2025-03-01' AND m.plan = 'pay_per_visit' GROUP BY 1`},
		}},
		{"edu", "2026-11-24", []struct{ question, sql string }{
			// a yes-or-no field named with its holders, or after 用
			{"用平板学习的学员2025年12月的流失率", `SELECT sum(m.lapsed::INT)::DOUBLE / sum(m.active_at_start::INT) FROM learner_month m JOIN learners l USING (learner_id) WHERE m.month = DATE '2025-12-01' AND l.uses_tablet`},
			{"Average lessons per learner for tablet users in December 2025", `SELECT avg(m.lessons) FROM learner_month m JOIN learners l USING (learner_id) WHERE m.month = DATE '2025-12-01' AND l.uses_tablet`},
			// a span of quarters, one row each
			{"Lessons completed for each quarter from Q2 2024 to Q1 2025", `SELECT date_trunc('quarter', month)::DATE, sum(lessons) FROM learner_month WHERE month BETWEEN DATE '2024-04-01' AND DATE '2025-03-01' GROUP BY 1`},
			{"2024年第二季度到2025年第一季度的完成课时数", `SELECT sum(lessons) FROM learner_month WHERE month BETWEEN DATE '2024-04-01' AND DATE '2025-03-01'`},
			// people under a bare number are of an age
			{"Number of learners under 18, by gender", `SELECT gender, count(*) FROM learners WHERE age < 18 GROUP BY 1`},
			// two quarters set against each other, the contrast word closing the pair
			{"2025年第四季度和第三季度相比，收入下降最多的两个渠道", `WITH c AS (SELECT l.channel_code, sum(m.amount_paid) FILTER (WHERE m.month BETWEEN DATE '2025-10-01' AND DATE '2025-12-01') AS cur, ` +
				`sum(m.amount_paid) FILTER (WHERE m.month BETWEEN DATE '2025-07-01' AND DATE '2025-09-01') AS prev FROM learner_month m JOIN learners l USING (learner_id) GROUP BY 1) ` +
				`SELECT channel_code, cur, prev, cur - prev, (cur - prev) / prev FROM c ORDER BY cur - prev LIMIT 2`},
		}},
		{"mobile", "2026-11-24", []struct{ question, sql string }{
			// an English label with the article speech puts in
			{"users active at the start of September 2025", `SELECT sum(active_at_start::INT) FROM user_month WHERE month = DATE '2025-09-01'`},
			// a period restated (当月), order words, a count of places as a grouping word
			{"2025年9月当月登录超过20次的用户转账金额是多少", `SELECT sum(transfer_amount) FROM user_month WHERE month = DATE '2025-09-01' AND logins > 20`},
			{"2025年第二季度各区域投诉量，按从高到低排列", `SELECT p.region, sum(m.complaints) FROM user_month m JOIN app_users a USING (user_id) JOIN provinces p USING (province_code) WHERE m.month BETWEEN DATE '2025-04-01' AND DATE '2025-06-01' GROUP BY 1`},
			{"上海、北京、广东三地用户2025年9月的人均登录次数", `SELECT a.province_code, sum(m.logins)::DOUBLE / count(*) FROM user_month m JOIN app_users a USING (user_id) WHERE m.month = DATE '2025-09-01' AND a.province_code IN ('SH', 'BJ', 'GD') GROUP BY 1`},
		}},
		{"ecom", "2025-10-15", []struct{ question, sql string }{
			// a flag whose values are on and off, named with its verb
			{"2025年3月开了自动续费的会员有多少", `SELECT count(DISTINCT member_id) FROM member_months WHERE month = DATE '2025-03-01' AND auto_renew`},
			// a dimension word that names what the one before it sorts
			{"2025年3月各线级城市的会员数", `SELECT c.city_tier, count(DISTINCT mm.member_id) FROM member_months mm JOIN members m USING (member_id) JOIN cities c USING (city_id) WHERE mm.month = DATE '2025-03-01' GROUP BY 1`},
		}},
		{"clinic", "2025-06-20", []struct{ question, sql string }{
			// the subject of a total is pooled, not broken down
			{"牙椅8张以上的门店2023年合计就诊次数", `SELECT sum(q.visits) FROM patient_quarters q JOIN clinics c USING (clinic_id) WHERE year(q.quarter_start) = 2023 AND c.chairs >= 8`},
			// an amount asked with the verb of its label
			{"2023年医保患者一共消费了多少钱", `SELECT sum(q.spend) FROM patient_quarters q JOIN patients p USING (patient_id) WHERE year(q.quarter_start) = 2023 AND p.insurance_type = '医保'`},
			// a one-character modifier joins the label it stands before
			{"2023年新来了多少患者", `SELECT count(*) FROM patients WHERE year(first_visit_date) = 2023`},
			// the ranked noun is the dimension, though a count bears its name
			// no period over a quarterly source: its last quarter
			{"流失患者有多少", `SELECT sum(CAST(lapsed AS INT)) FROM patient_quarters WHERE quarter_start = DATE '2024-10-01'`},
			// a year of two digits before its quarter
			{"24年3季度的就诊次数", `SELECT sum(visits) FROM patient_quarters WHERE quarter_start = DATE '2024-07-01'`},
			// people over a number, named as a count of people names them, are of an age
			{"Spend per patient for patients over 60 in 2023", `SELECT sum(q.spend) / count(DISTINCT q.patient_id) FILTER (WHERE q.visits > 0) FROM patient_quarters q JOIN patients p USING (patient_id) WHERE year(q.quarter_start) = 2023 AND p.age > 60`},
			// the count labelled with the noun counted
			{"我们一共有多少家门店", `SELECT count(*) FROM clinics`},
			{"Top 3 clinics by visits in 2023", `SELECT c.clinic_name, sum(q.visits) FROM patient_quarters q JOIN clinics c USING (clinic_id) WHERE year(q.quarter_start) = 2023 GROUP BY 1 ORDER BY 2 DESC LIMIT 3`},
		}},
		{"broker", "2026-04-10", []struct{ question, sql string }{
			// the count after a Chinese superlative
			{"2024年末资产规模最小的两个省份", `SELECT b.province, sum(m.assets_wan) FROM account_months m JOIN accounts a USING (account_id) JOIN branches b USING (branch_id) WHERE m.month = DATE '2024-12-01' GROUP BY 1 ORDER BY 2 LIMIT 2`},
			// the year of a count of new ones is its period; the creation verb echoes it
			{"How many new accounts were opened in 2025?", `SELECT count(*) FROM account_months WHERE year(month) = 2025 AND tenure_months = 0`},
			// the noun of a value is its dimension, not another field's value
			{"Commission in 2025 except the Shenzhen Futian branch", `SELECT sum(m.commission) FROM account_months m JOIN accounts a USING (account_id) JOIN branches b USING (branch_id) WHERE year(m.month) = 2025 AND b.branch_name <> '深圳福田营业部'`},
			// money with its size, over a field kept in 万元
			{"How many open accounts had more than 1.5 million yuan at the end of 2024?", `SELECT count(*) FROM account_months WHERE month = DATE '2024-12-01' AND closed = 0 AND transferred_out = 0 AND assets_wan > 150`},
		}},
		{"hotel", "2026-01-20", []struct{ question, sql string }{
			// the noun a condition sorts is taken together
			{"星级4星以上的酒店2025年8月的客房收入", `SELECT sum(mm.room_revenue) FROM member_months mm LEFT JOIN hotels h USING (hotel_id) WHERE h.star_rating >= 4 AND mm.month = DATE '2025-08-01'`},
		}},
		{"payroll", "2025-12-05", []struct{ question, sql string }{
			// a count asked with its measure word: companies, not people paid
			{"签约代发的企业有多少家", `SELECT count(*) FROM companies`},
			// an amount with its size next to the metric kept per row in 万元
			{"2025年4月代发金额低于20万的企业手续费收入", `SELECT sum(fee_yuan) FROM company_months WHERE month = DATE '2025-04-01' AND payroll_wan < 20`},
			// a flag named after a word of its own label
			{"Termination rate in 2023 for companies without a corporate loan", `SELECT sum(m.terminated::INT)::DOUBLE / count(*) FROM company_months m JOIN companies c USING (company_id) WHERE NOT c.has_loan AND year(m.month) = 2023`},
			// IT in capitals is the industry
			{"fee income of IT companies in Q2 2025", `SELECT sum(m.fee_yuan) FROM company_months m JOIN companies c USING (company_id) WHERE c.industry = '信息技术' AND m.month BETWEEN DATE '2025-04-01' AND DATE '2025-06-01'`},
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

// Follow-ups that move the period of the question before: 前一个季度,
// the quarter before, 上上个月; each last turn checked against hand SQL.
func TestFollowUpPeriodsAnswerLikeHandSQL(t *testing.T) {
	churn := func(first, last string) string {
		return `SELECT sum(cancelled::INT)::DOUBLE / sum(active_at_start::INT) FILTER (WHERE month = DATE '` + first + `') FROM member_month WHERE month BETWEEN DATE '` + first + `' AND DATE '` + last + `'`
	}
	cases := []struct {
		dataset, today string
		turns          []string
		sql            string
	}{
		{"gym", "2026-11-24", []string{"2025年第一季度的会员流失率", "那前一个季度呢"}, churn("2024-10-01", "2024-12-01")},
		{"gym", "2026-11-24", []string{"churn rate in Q2 2025", "and the quarter before?"}, churn("2025-01-01", "2025-03-01")},
		{"gym", "2026-11-24", []string{"churn rate in Q2 2025", "what about the previous quarter?"}, churn("2025-01-01", "2025-03-01")},
		{"gym", "2026-11-24", []string{"2025年3月的会员流失率", "那一年前呢"}, churn("2024-03-01", "2024-03-01")},
		{"gym", "2026-11-24", []string{"churn rate in 2025", "and the year before?"}, churn("2024-01-01", "2024-12-01")},
		{"edu", "2026-11-24", []string{"2025年11月男学员的流失率", "那上一个月呢"}, `SELECT sum(m.lapsed::INT)::DOUBLE / sum(m.active_at_start::INT) FROM learner_month m JOIN learners l USING (learner_id) WHERE m.month = DATE '2025-10-01' AND l.gender = 'M'`},
		{"clinic", "2025-06-20", []string{"2023年南京鼓楼店的就诊次数", "和杭州西湖店比一下"}, `SELECT c.clinic_name, sum(q.visits) FROM patient_quarters q JOIN clinics c USING (clinic_id) WHERE year(q.quarter_start) = 2023 AND c.clinic_name IN ('南京鼓楼店', '杭州西湖店') GROUP BY 1`},
		{"clinic", "2025-06-20", []string{"2023年各支付方式的就诊次数", "再按性别拆一下"}, `SELECT p.insurance_type, p.gender, sum(q.visits) FROM patient_quarters q JOIN patients p USING (patient_id) WHERE year(q.quarter_start) = 2023 GROUP BY 1, 2`},
		{"hotel", "2026-01-20", []string{"2025年第二季度锦程品牌的客房收入", "compare that with Q2 2024"}, `SELECT sum(mm.room_revenue) FILTER (WHERE mm.month BETWEEN DATE '2025-04-01' AND DATE '2025-06-01'), sum(mm.room_revenue) FILTER (WHERE mm.month BETWEEN DATE '2024-04-01' AND DATE '2024-06-01') FROM member_months mm LEFT JOIN hotels h USING (hotel_id) WHERE h.brand = '锦程'`},
		{"payroll", "2025-12-05", []string{"fee income of IT companies in Q1 2025", "break it down by region"}, `SELECT t.region, sum(m.fee_yuan) FROM company_months m JOIN companies c USING (company_id) JOIN teams t USING (team_id) WHERE c.industry = '信息技术' AND m.month BETWEEN DATE '2025-01-01' AND DATE '2025-03-01' GROUP BY 1`},
		{"airline", "2025-08-12", []string{"上上个月兑换了多少里程"}, `SELECT sum(miles_redeemed) FROM member_months WHERE month = DATE '2025-06-01'`},
		{"airline", "2025-08-12", []string{"miles redeemed the month before last"}, `SELECT sum(miles_redeemed) FROM member_months WHERE month = DATE '2025-06-01'`},
	}
	ctx := context.Background()
	type planner struct {
		o      *Offline
		engine *metrics.Engine
		hand   HandSQL
	}
	loaded := map[string]planner{}
	for _, tc := range cases {
		if _, ok := loaded[tc.dataset]; !ok {
			o, engine, hand, _ := datasetPlanner(t, tc.dataset, tc.today)
			loaded[tc.dataset] = planner{o, engine, hand}
		}
		o, engine, hand := loaded[tc.dataset].o, loaded[tc.dataset].engine, loaded[tc.dataset].hand
		t.Run(strings.Join(tc.turns, " / "), func(t *testing.T) {
			var prev Turn
			for _, q := range tc.turns[:len(tc.turns)-1] {
				p := o.PlanAfter(q, prev)
				if p.Status != "answer" {
					t.Fatalf("%s: %s %s", q, p.Status, p.Message)
				}
				prev = Turn{Query: &p.Query}
			}
			p := o.PlanAfter(tc.turns[len(tc.turns)-1], prev)
			if p.Status != "answer" {
				t.Fatalf("status %s: %s", p.Status, p.Message)
			}
			got, err := engine.Run(ctx, p.Query, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := hand(ctx, tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			if !matchRows(got.Rows, want) {
				t.Errorf("query %s\ngot  %v\nwant %v", compact(p.Query), firstRows(got.Rows), firstRows(want))
			}
		})
	}
}

// Readings the planner must not guess on data it was not written for:
// each is asked back, naming the words it could not settle.
func TestUnseenQuestionsAskedBack(t *testing.T) {
	cases := []struct{ dataset, question, word string }{
		{"edu", "已流失的学员一共有多少人", "一共"},
		{"edu", "2025年每季度收入下降最多的渠道", "变化最大"},
		{"gym", "这两种卡的流失率分别是多少", "这两种"},
		{"gym", "churn rate monthly in 2025", "monthly"},
		{"gym", "churn rate a year earlier", "a year earlier"},
		// an amount asked of a figure that is no amount
		{"clinic", "静安区的患者2023年一共花了多少钱", "多少钱"},
		// a cohort's year with no other period: cohort or period?
		{"broker", "2024年开户的客户的佣金", "2024年开户"},
		// all the others, with neither a total nor each said
		{"payroll", "Payroll amount in March 2025 for all industries other than catering", "in total"},
	}
	planners := map[string]*Offline{}
	for _, tc := range cases {
		if planners[tc.dataset] == nil {
			planners[tc.dataset], _, _, _ = datasetPlanner(t, tc.dataset, "2026-11-24")
		}
		p := planners[tc.dataset].Plan(tc.question, nil)
		if p.Status != "clarify" || !strings.Contains(p.Message, tc.word) {
			t.Errorf("%s: %s %q, want clarify naming %q", tc.question, p.Status, p.Message, tc.word)
		}
	}
}
