package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// behaviourBank is the size the behaviour checks run at: big enough for
// stable rates, small enough for seconds. Its as-of date is a month end so
// that every month is complete.
var behaviourBank = GenerateOptions{
	Customers:    20_000,
	Months:       24,
	Seed:         7,
	AsOf:         time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
	Transactions: true,
}

func mustGenerate(tb testing.TB, db *DB, opts GenerateOptions) GenerateStats {
	tb.Helper()
	stats, err := Generate(context.Background(), db, opts)
	if err != nil {
		tb.Fatalf("generate %d customers x %d months: %v", opts.Customers, opts.Months, err)
	}
	return stats
}

// queryFloats runs a query that returns one row of numbers.
func queryFloats(tb testing.TB, db *DB, query string, args ...any) []float64 {
	tb.Helper()
	var out []float64
	err := db.Read(context.Background(), func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(context.Background(), query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		if !rows.Next() {
			return errors.New("no rows")
		}
		vals := make([]sql.NullFloat64, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for _, v := range vals {
			if !v.Valid {
				return errors.New("NULL result")
			}
			out = append(out, v.Float64)
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatalf("query %s: %v", query, err)
	}
	return out
}

func TestGenerateBehaviour(t *testing.T) {
	db := mustOpen(t)
	mustGenerate(t, db, behaviourBank)

	between := func(lo, hi float64) func(v float64) bool {
		return func(v float64) bool { return v >= lo && v <= hi }
	}
	atLeast := func(lo float64) func(v float64) bool { return func(v float64) bool { return v >= lo } }
	atMost := func(hi float64) func(v float64) bool { return func(v float64) bool { return v <= hi } }

	type check struct {
		name  string
		query string
		want  []func(float64) bool // one per column
		desc  string
	}
	checks := []check{}

	// Monthly churn, averaged over the months of history, near the segment
	// target: within 15%, or three standard errors for small segments.
	for _, s := range []struct {
		segment string
		share   float64
		target  float64
	}{{"高净值", 0.05, 0.004}, {"大众富裕", 0.15, 0.006}, {"退休", 0.15, 0.005}, {"普通", 0.35, 0.010}, {"年轻", 0.20, 0.015}, {"潜在", 0.10, 0.018}} {
		expected := float64(behaviourBank.Customers) * s.share * 0.85 * float64(behaviourBank.Months) * s.target
		tol := max(0.15, 3/math.Sqrt(expected))
		checks = append(checks, check{
			name: "monthly churn " + s.segment,
			query: fmt.Sprintf(`SELECT avg(rate) FROM (
				SELECT month, count(*) FILTER (churned) / count(*) FILTER (active_at_start) AS rate
				FROM customer_months WHERE segment = '%s' GROUP BY month)`, s.segment),
			want: []func(float64) bool{between(s.target*(1-tol), s.target*(1+tol))},
			desc: fmt.Sprintf("%.2f%% ± %.0f%%", s.target*100, tol*100),
		})
	}
	checks = append(checks,
		check{
			name: "churn peaks at Chinese New Year and quarter ends",
			query: `WITH m AS (
				SELECT month(month) AS moy, count(*) FILTER (churned) AS churned, count(*) FILTER (active_at_start) AS active
				FROM customer_months GROUP BY month)
			SELECT (sum(churned) FILTER (moy IN (1, 2)) / sum(active) FILTER (moy IN (1, 2)))
					/ (sum(churned) FILTER (moy IN (4, 5, 7, 8, 10, 11)) / sum(active) FILTER (moy IN (4, 5, 7, 8, 10, 11))),
				(sum(churned) FILTER (moy IN (3, 6, 9, 12)) / sum(active) FILTER (moy IN (3, 6, 9, 12)))
					/ (sum(churned) FILTER (moy IN (4, 5, 7, 8, 10, 11)) / sum(active) FILTER (moy IN (4, 5, 7, 8, 10, 11)))
			FROM m`,
			want: []func(float64) bool{atLeast(1.25), atLeast(1.15)},
			desc: "Jan/Feb and quarter-end churn above ordinary months",
		},
		check{
			name: "transactions fall and balances drain before churn",
			query: `WITH c AS (
				SELECT customer_id, date_trunc('month', close_date)::DATE AS close_month FROM customers
				WHERE close_date >= DATE '2023-11-01' AND onboard_date < DATE '2023-07-01'),
			x AS (
				SELECT datediff('month', cm.month, c.close_month) AS before, cm.tx_count, cm.balance
				FROM customer_months cm JOIN c USING (customer_id))
			SELECT sum(tx_count) FILTER (before = 1) / sum(tx_count) FILTER (before = 4),
				sum(balance) FILTER (before = 1) / sum(balance) FILTER (before = 4)
			FROM x`,
			want: []func(float64) bool{between(0.4, 0.6), between(0.35, 0.65)},
			desc: "transactions fall 40-60% and balances about halve from 4 months to 1 month before churn",
		},
		check{
			name: "complaints several times more likely before churn",
			query: `WITH c AS (SELECT customer_id, date_trunc('month', close_date)::DATE AS close_month FROM customers)
			SELECT avg(cm.complaints) FILTER (c.close_month IS NOT NULL AND datediff('month', cm.month, c.close_month) BETWEEN 1 AND 3)
				/ avg(cm.complaints) FILTER (c.close_month IS NULL)
			FROM customer_months cm JOIN c USING (customer_id)`,
			want: []func(float64) bool{atLeast(3)},
			desc: "churners' complaint rate over the 3 months before leaving at least 3x non-churners'",
		},
		check{
			name: "withdrawals peak at Chinese New Year and quarter ends",
			query: `SELECT avg(withdrawals) FILTER (month(month) IN (1, 2)) / avg(withdrawals) FILTER (month(month) IN (4, 5, 7, 8, 10, 11)),
				avg(withdrawals) FILTER (month(month) IN (3, 6, 9, 12)) / avg(withdrawals) FILTER (month(month) IN (4, 5, 7, 8, 10, 11))
			FROM customer_months`,
			want: []func(float64) bool{atLeast(1.25), atLeast(1.15)},
			desc: "average withdrawals higher in Jan/Feb and quarter-end months",
		},
		check{
			name: "AUM per customer grows gently",
			query: `WITH m AS (SELECT month, avg(aum) AS aum FROM customer_months GROUP BY month)
			SELECT last(aum ORDER BY month) / first(aum ORDER BY month) FROM m`,
			want: []func(float64) bool{between(1.02, 1.35)},
			desc: "average AUM up 2-35% over two years",
		},
		check{
			name: "balances by segment",
			query: `SELECT median(balance) FILTER (segment = '高净值'), median(aum) FILTER (segment = '高净值'),
				median(balance) FILTER (segment = '潜在')
			FROM customer_months WHERE NOT churned`,
			want: []func(float64) bool{between(1e6, 1e7), between(3e6, 3e7), between(1000, 10000)},
			desc: "high net worth hold millions, potential customers a few thousand",
		},
		check{
			name: "cost and revenue by segment",
			query: `WITH s AS (SELECT segment, avg(revenue) AS revenue, avg(cost_to_serve) AS cost FROM customer_months GROUP BY segment)
			SELECT (SELECT revenue / cost FROM s WHERE segment = '高净值'),
				(SELECT count(*) FROM s WHERE cost > (SELECT cost FROM s WHERE segment = '高净值')),
				(SELECT count(*) FROM s WHERE revenue < (SELECT revenue FROM s WHERE segment = '潜在')),
				(SELECT count(*) FROM s WHERE cost < (SELECT cost FROM s WHERE segment = '潜在'))`,
			want: []func(float64) bool{atLeast(3), atMost(0), atMost(0), atMost(0)},
			desc: "高净值 costs most and earns several times its cost; 潜在 earns and costs least",
		},
		check{
			name: "renewal rate",
			query: `SELECT (SELECT avg(renewed::INT) FROM contracts WHERE renewed IS NOT NULL), min(rate), max(rate)
			FROM (SELECT segment, avg(renewed::INT) AS rate FROM contracts WHERE renewed IS NOT NULL GROUP BY segment)`,
			want: []func(float64) bool{between(0.72, 0.83), atLeast(0.68), atMost(0.87)},
			desc: "70-85% of maturities renewed, in every segment",
		},
		check{
			name: "renewal falls with rates",
			query: `SELECT avg(renewed::INT) FILTER (maturity_date < DATE '2024-07-01')
				- avg(renewed::INT) FILTER (maturity_date >= DATE '2025-01-01')
			FROM contracts WHERE renewed IS NOT NULL`,
			want: []func(float64) bool{atLeast(0.04)},
			desc: "renewal over the last six months at least 4 points below the first year",
		},
		check{
			name: "churners do not renew",
			query: `SELECT avg(k.renewed::INT) FROM contracts k JOIN customers c USING (customer_id)
			WHERE k.maturity_date > c.close_date - 92 AND k.maturity_date <= c.close_date`,
			want: []func(float64) bool{atMost(0.1)},
			desc: "contracts maturing within 3 months before churn are almost never renewed",
		},
		check{
			name:  "maturities per customer",
			query: `SELECT count(*) FILTER (maturity_date <= DATE '2025-06-30') / (SELECT count(*) FROM customers) FROM contracts`,
			want:  []func(float64) bool{between(1, 2.5)},
			desc:  "about 1-2 maturities per customer over the history",
		},
		check{
			name:  "win-back rate",
			query: `SELECT avg(stayed_90d::INT), count(*) FILTER (stayed_90d IS NOT NULL) FROM retention_actions`,
			want:  []func(float64) bool{between(0.27, 0.40), atLeast(500)},
			desc:  "about a third of contacted customers stay 90 days",
		},
		check{
			name:  "customers joined before and during the history",
			query: `SELECT avg((onboard_date < DATE '2023-07-01')::INT), (min(onboard_date) < DATE '2020-07-01')::INT FROM customers`,
			want:  []func(float64) bool{between(0.67, 0.73), atLeast(1)},
			desc:  "about 70% joined years before the history",
		},
	)
	for _, s := range segments {
		checks = append(checks, check{
			name:  "segment share " + s.name,
			query: fmt.Sprintf(`SELECT avg((segment = '%s')::INT) FROM customers`, s.name),
			want:  []func(float64) bool{between(s.share-0.015, s.share+0.015)},
			desc:  fmt.Sprintf("about %.0f%% of customers", s.share*100),
		})
	}

	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			got := queryFloats(t, db, c.query)
			t.Logf("got %v", got)
			if len(got) != len(c.want) {
				t.Fatalf("got %d columns, want %d", len(got), len(c.want))
			}
			for i, ok := range c.want {
				if !ok(got[i]) {
					t.Errorf("column %d: got %.4g, want %s (all: %v)", i+1, got[i], c.desc, got)
				}
			}
		})
	}
}

// invariantQueries each count rows that break a rule of the schema; all
// must be zero. $1 is the as-of date, $2 the first month of history.
var invariantQueries = []struct {
	name  string
	query string
}{
	{"no customer-months after churn or before joining", `
		SELECT count(*) FROM customer_months cm JOIN customers c USING (customer_id)
		WHERE cm.month > coalesce(c.close_date, $1::DATE) OR cm.month < date_trunc('month', c.onboard_date)`},
	{"one row per customer per month, no gaps", `
		SELECT count(*) FROM customers c
		LEFT JOIN (SELECT customer_id, count(*) AS n, count(DISTINCT month) AS d FROM customer_months GROUP BY ALL) x USING (customer_id)
		WHERE x.n IS DISTINCT FROM x.d OR x.n IS DISTINCT FROM datediff('month',
			greatest(date_trunc('month', c.onboard_date), $2::DATE), coalesce(c.close_date, $1::DATE)) + 1`},
	{"exactly one churned row per closed customer, in the close month", `
		SELECT count(*) FROM customers c
		LEFT JOIN (SELECT customer_id, count(*) FILTER (churned) AS n, max(month) FILTER (churned) AS m FROM customer_months GROUP BY ALL) x USING (customer_id)
		WHERE (c.close_date IS NULL AND x.n <> 0)
			OR (c.close_date IS NOT NULL AND (x.n <> 1 OR x.m <> date_trunc('month', c.close_date)))`},
	{"active at start means joined before the month", `
		SELECT count(*) FROM customer_months cm JOIN customers c USING (customer_id)
		WHERE cm.active_at_start <> (c.onboard_date < cm.month)`},
	{"closed accounts end with nothing", `
		SELECT count(*) FROM customer_months WHERE churned AND (balance <> 0 OR aum <> 0)`},
	{"net inflow equals the balance change", `
		SELECT count(*) FROM (
			SELECT deposits - withdrawals AS net, balance - lag(balance) OVER (PARTITION BY customer_id ORDER BY month) AS change
			FROM customer_months)
		WHERE abs(net - change) > 0.01`},
	{"segment and branch match the customer", `
		SELECT (SELECT count(*) FROM customer_months cm JOIN customers c USING (customer_id)
			WHERE cm.segment <> c.segment OR cm.branch_id <> c.branch_id)
		+ (SELECT count(*) FROM customers WHERE branch_id NOT IN (SELECT branch_id FROM branches))`},
	{"transaction rows match tx_count and tx_amount", `
		SELECT count(*) FROM customer_months cm
		FULL JOIN (SELECT customer_id, date_trunc('month', tx_date)::DATE AS month, count(*) AS n, sum(amount) AS amount
			FROM transactions GROUP BY ALL) t USING (customer_id, month)
		WHERE coalesce(cm.tx_count, 0) <> coalesce(t.n, 0) OR abs(coalesce(cm.tx_amount, 0) - coalesce(t.amount, 0)) > 0.005`},
	{"transactions dated while a customer", `
		SELECT count(*) FROM transactions t JOIN customers c USING (customer_id)
		WHERE t.tx_date < c.onboard_date OR t.tx_date > coalesce(c.close_date, $1::DATE) OR t.tx_date > $1::DATE
			OR t.branch_id <> c.branch_id OR t.direction NOT IN ('in', 'out') OR t.amount <= 0`},
	{"ids are 1..n", `
		SELECT sum(bad::INT) FROM (
			SELECT count(*) <> count(DISTINCT tx_id) OR coalesce(max(tx_id), 0) <> count(*) AS bad FROM transactions
			UNION ALL SELECT count(*) <> count(DISTINCT contract_id) OR coalesce(max(contract_id), 0) <> count(*) FROM contracts
			UNION ALL SELECT count(*) <> count(DISTINCT complaint_id) OR coalesce(max(complaint_id), 0) <> count(*) FROM complaints
			UNION ALL SELECT count(*) <> count(DISTINCT action_id) OR coalesce(max(action_id), 0) <> count(*) FROM retention_actions
			UNION ALL SELECT count(*) <> count(DISTINCT customer_id) OR coalesce(max(customer_id), 0) <> count(*) FROM customers)`},
	{"complaint rows match complaints", `
		SELECT count(*) FROM customer_months cm
		FULL JOIN (SELECT customer_id, date_trunc('month', complaint_date)::DATE AS month, count(*) AS n
			FROM complaints GROUP BY ALL) x USING (customer_id, month)
		WHERE coalesce(cm.complaints, 0) <> coalesce(x.n, 0)`},
	{"complaints dated while a customer", `
		SELECT count(*) FROM complaints x JOIN customers c USING (customer_id)
		WHERE x.complaint_date < c.onboard_date OR x.complaint_date > coalesce(c.close_date, $1::DATE)
			OR x.category NOT IN ('服务态度', '费用争议', '利率', '系统故障', '排队时间')`},
	{"renewed is NULL exactly for future maturities", `
		SELECT count(*) FROM contracts WHERE (renewed IS NULL) <> (maturity_date > $1::DATE)`},
	{"contracts are consistent", `
		SELECT count(*) FROM contracts k JOIN customers c USING (customer_id) JOIN products p USING (product_id)
		WHERE k.maturity_date <= k.start_date OR k.start_date > $1::DATE OR k.start_date >= coalesce(c.close_date, DATE '9999-12-31')
			OR k.maturity_date > coalesce(c.close_date, DATE '9999-12-31') OR k.product_type <> p.product_type
			OR k.segment <> c.segment OR k.amount <= 0 OR k.rate <= 0`},
	{"stayed_90d is NULL exactly for recent actions", `
		SELECT count(*) FROM retention_actions
		WHERE (stayed_90d IS NULL) <> (action_date > $1::DATE - 90)
			OR outcome <> CASE WHEN stayed_90d IS NULL THEN 'pending' WHEN stayed_90d THEN 'retained' ELSE 'churned' END`},
	{"stayed_90d agrees with the close date", `
		SELECT count(*) FROM retention_actions a JOIN customers c USING (customer_id)
		WHERE a.stayed_90d <> (c.close_date IS NULL OR c.close_date > a.action_date + 90)`},
	{"actions taken while a customer", `
		SELECT count(*) FROM retention_actions a JOIN customers c USING (customer_id)
		WHERE a.action_date < c.onboard_date OR a.action_date > coalesce(c.close_date, $1::DATE) OR a.action_date > $1::DATE
			OR a.action_date < $2::DATE OR a.cost <= 0 OR a.segment <> c.segment
			OR a.action_type NOT IN ('客户经理回访', '利率优惠', '费用减免', '专属理财')`},
	{"categorical values", `
		SELECT count(*) FROM customers
		WHERE segment NOT IN ('高净值', '大众富裕', '年轻', '退休', '普通', '潜在')
			OR channel NOT IN ('网点', '手机银行', '网上银行', '客户经理') OR gender NOT IN ('男', '女')
			OR age_band NOT IN ('18-29', '30-44', '45-59', '60+')
			OR (segment = '年轻' AND age_band <> '18-29') OR (segment = '退休' AND age_band <> '60+')
			OR onboard_date > $1::DATE OR close_date > $1::DATE OR close_date <= onboard_date`},
}

func TestGenerateInvariants(t *testing.T) {
	banks := []GenerateOptions{
		{Customers: 3_000, Months: 6, Seed: 3, AsOf: time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC), Transactions: true},
		{Customers: 5_000, Months: 30, Seed: 11, AsOf: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), Transactions: true},
	}
	for _, opts := range banks {
		asOf := opts.AsOf.Format(time.DateOnly)
		t.Run(fmt.Sprintf("%dx%d to %s", opts.Customers, opts.Months, asOf), func(t *testing.T) {
			db := mustOpen(t)
			stats := mustGenerate(t, db, opts)
			start := time.Date(opts.AsOf.Year(), opts.AsOf.Month()-time.Month(opts.Months-1), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			for _, q := range invariantQueries {
				t.Run(q.name, func(t *testing.T) {
					if got := queryFloats(t, db, q.query, asOf, start); got[0] != 0 {
						t.Errorf("got %v rows breaking the rule, want 0", got[0])
					}
				})
			}
			t.Run("stats count the rows", func(t *testing.T) {
				got := queryFloats(t, db, `SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM customer_months),
					(SELECT count(*) FROM contracts), (SELECT count(*) FROM transactions),
					(SELECT count(*) FROM complaints), (SELECT count(*) FROM retention_actions)`)
				want := []int64{stats.Customers, stats.CustomerMonths, stats.Contracts, stats.Transactions, stats.Complaints, stats.RetentionActions}
				for i := range want {
					if int64(got[i]) != want[i] || want[i] == 0 {
						t.Errorf("table %d: got %v rows, stats say %d (want equal and non-zero)", i+1, got[i], want[i])
					}
				}
				if int64(opts.Customers) != stats.Customers {
					t.Errorf("got %d customers, want %d", stats.Customers, opts.Customers)
				}
			})
		})
	}
}

func TestGenerateSchema(t *testing.T) {
	db := mustOpen(t)
	mustGenerate(t, db, GenerateOptions{Customers: 200, Months: 3, Seed: 1, AsOf: time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC)})
	want := map[string]string{
		"branches":          "branch_id INTEGER, branch_name VARCHAR, branch_name_en VARCHAR, city VARCHAR, city_en VARCHAR, region VARCHAR, region_en VARCHAR",
		"customers":         "customer_id BIGINT, segment VARCHAR, branch_id INTEGER, channel VARCHAR, gender VARCHAR, age_band VARCHAR, onboard_date DATE, close_date DATE",
		"products":          "product_id INTEGER, product_name VARCHAR, product_type VARCHAR, term_months INTEGER, rate DOUBLE",
		"contracts":         "contract_id BIGINT, customer_id BIGINT, branch_id INTEGER, segment VARCHAR, product_id INTEGER, product_type VARCHAR, amount DOUBLE, rate DOUBLE, start_date DATE, maturity_date DATE, renewed BOOLEAN",
		"customer_months":   "month DATE, customer_id BIGINT, segment VARCHAR, branch_id INTEGER, balance DOUBLE, aum DOUBLE, deposits DOUBLE, withdrawals DOUBLE, tx_count INTEGER, tx_amount DOUBLE, app_logins INTEGER, complaints INTEGER, products_held INTEGER, revenue DOUBLE, cost_to_serve DOUBLE, active_at_start BOOLEAN, churned BOOLEAN",
		"transactions":      "tx_id BIGINT, customer_id BIGINT, branch_id INTEGER, tx_date DATE, amount DOUBLE, direction VARCHAR, channel VARCHAR",
		"complaints":        "complaint_id BIGINT, customer_id BIGINT, branch_id INTEGER, complaint_date DATE, category VARCHAR",
		"retention_actions": "action_id BIGINT, customer_id BIGINT, branch_id INTEGER, segment VARCHAR, action_date DATE, action_type VARCHAR, cost DOUBLE, outcome VARCHAR, stayed_90d BOOLEAN",
		"beacon_meta":       "key VARCHAR, value VARCHAR",
		// Empty until scored (risk/), so that the demo model's risk metrics load.
		"risk_models": "version VARCHAR, kind VARCHAR, trained_at TIMESTAMP, train_from VARCHAR, train_to VARCHAR, test_from VARCHAR, test_to VARCHAR, test_auc DOUBLE, model_json VARCHAR",
		"risk_scores": "month DATE, customer_id BIGINT, branch_id INTEGER, segment VARCHAR, model_version VARCHAR, score DOUBLE, tier VARCHAR, months_inactive INTEGER, reasons VARCHAR, action_code VARCHAR, action_zh VARCHAR, action_en VARCHAR, scored_at TIMESTAMP",
	}
	tables, err := db.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name, cols := range tables {
		var got []string
		for _, c := range cols {
			got = append(got, c.Name+" "+c.Type)
		}
		if want[name] == "" {
			t.Errorf("unexpected table %s left behind", name)
		} else if g := strings.Join(got, ", "); g != want[name] {
			t.Errorf("table %s:\n got  %s\n want %s", name, g, want[name])
		}
	}
	for name := range want {
		if _, ok := tables[name]; !ok {
			t.Errorf("table %s missing", name)
		}
	}
	got := queryFloats(t, db, `SELECT (SELECT count(*) FROM branches), (SELECT count(DISTINCT city) FROM branches),
		(SELECT count(*) FROM products WHERE product_type = '定期存款'), (SELECT count(*) FROM products WHERE product_type = '理财'),
		(SELECT count(*) FROM transactions)`)
	if got[0] < 30 || got[1] != 12 || got[2] < 5 || got[3] < 1 || got[4] != 0 {
		t.Errorf("got %v branches, %v cities, %v deposit and %v wealth products, %v transactions; want ~36, 12, >=5, >=1, 0 (transactions off)",
			got[0], got[1], got[2], got[3], got[4])
	}
}

// fingerprint summarises every generated table, row order included.
func fingerprint(tb testing.TB, db *DB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, table := range []string{"branches", "customers", "products", "contracts", "customer_months", "transactions", "complaints", "retention_actions"} {
		v := queryFloats(tb, db, fmt.Sprintf(`SELECT count(*), (sum(hash(rowid, t)) %% 1000000007)::DOUBLE FROM %s t`, table))
		out[table] = fmt.Sprint(v)
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	opts := GenerateOptions{Customers: 2_000, Months: 12, Seed: 42, AsOf: time.Date(2025, 5, 20, 0, 0, 0, 0, time.UTC), Transactions: true}
	// One thread against several: the data must not depend on scheduling.
	single, err := Open(context.Background(), "", Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer single.Close()
	many, err := Open(context.Background(), "", Options{Threads: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer many.Close()
	other := mustOpen(t)

	mustGenerate(t, single, opts)
	mustGenerate(t, many, opts)
	reseeded := opts
	reseeded.Seed = 43
	mustGenerate(t, other, reseeded)

	a, b, c := fingerprint(t, single), fingerprint(t, many), fingerprint(t, other)
	for table := range a {
		if a[table] != b[table] {
			t.Errorf("%s: same seed gave %s with 1 thread and %s with 4", table, a[table], b[table])
		}
		changes := table != "branches" && table != "products"
		if changes && a[table] == c[table] {
			t.Errorf("%s: seeds 42 and 43 gave the same data %s", table, a[table])
		}
	}
	for key, want := range map[string]string{
		MetaDemoSeed: "42", MetaDemoCustomers: "2000", MetaDemoMonths: "12", MetaDemoAsOf: "2025-05-20",
		MetaDemoHistoryStart: "2024-06-01", MetaDemoTransactions: "true",
	} {
		got, ok, err := single.Meta(context.Background(), key)
		if err != nil || !ok || got != want {
			t.Errorf("meta %s: got %q (present %v, err %v), want %q", key, got, ok, err, want)
		}
	}
	if _, ok, _ := single.Meta(context.Background(), MetaDemoGeneratedAt); !ok {
		t.Errorf("meta %s missing", MetaDemoGeneratedAt)
	}
}

func TestGenerateRejectsInvalidOptions(t *testing.T) {
	asOf := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		opts    GenerateOptions
		mention string
	}{
		{"no customers", GenerateOptions{Customers: 0, Months: 24, AsOf: asOf}, "customers"},
		{"negative customers", GenerateOptions{Customers: -5, Months: 24, AsOf: asOf}, "customers"},
		{"too many customers", GenerateOptions{Customers: 5_000_001, Months: 24, AsOf: asOf}, "customers"},
		{"too few months", GenerateOptions{Customers: 10, Months: 2, AsOf: asOf}, "months"},
		{"too many months", GenerateOptions{Customers: 10, Months: 121, AsOf: asOf}, "months"},
		{"no as-of date", GenerateOptions{Customers: 10, Months: 24}, "as-of"},
	}
	db := mustOpen(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(context.Background(), db, tt.opts)
			if !errors.Is(err, ErrInvalidOptions) {
				t.Fatalf("got error %v, want ErrInvalidOptions", err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("got %q, want it to name %q", err, tt.mention)
			}
		})
	}
	tables, err := db.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tables["customers"]; ok {
		t.Error("invalid options still created tables")
	}
}

func TestGenerateIsAllOrNothing(t *testing.T) {
	db := mustOpen(t)
	first := GenerateOptions{Customers: 1_000, Months: 6, Seed: 1, AsOf: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), Transactions: true}
	mustGenerate(t, db, first)
	before := fingerprint(t, db)
	version := db.Version()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	second := first
	second.Seed = 2
	second.Progress = func(step string, done, total int) {
		if step == "customer_months" {
			cancel() // the next statement fails; everything so far must roll back
		}
	}
	if _, err := Generate(ctx, db, second); err == nil {
		t.Fatal("generation survived a cancelled context")
	}
	if after := fingerprint(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a failed generation changed the data:\n before %v\n after  %v", before, after)
	}
	if db.Version() != version {
		t.Errorf("a failed generation bumped the data version from %d to %d", version, db.Version())
	}
	if seed, _, _ := db.Meta(context.Background(), MetaDemoSeed); seed != "1" {
		t.Errorf("meta demo.seed is %q after a failed generation, want 1", seed)
	}
}

func TestGenerateReportsProgress(t *testing.T) {
	db := mustOpen(t)
	var steps []string
	last := 0
	opts := GenerateOptions{Customers: 100, Months: 3, Seed: 1, AsOf: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		Progress: func(step string, done, total int) {
			if done != last+1 || done > total {
				t.Errorf("progress %s: done %d after %d of %d", step, done, last, total)
			}
			last = done
			steps = append(steps, step)
		}}
	mustGenerate(t, db, opts)
	if got := strings.Join(steps, ","); !strings.Contains(got, "customers") || !strings.Contains(got, "transactions") || !strings.HasSuffix(got, "meta") {
		t.Errorf("got steps %s, want customers, transactions, ... meta", got)
	}
}

func BenchmarkGenerate(b *testing.B) {
	opts := GenerateOptions{Customers: 50_000, Months: 24, Seed: 1, AsOf: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC), Transactions: true}
	for b.Loop() {
		db, err := Open(context.Background(), "", Options{})
		if err != nil {
			b.Fatal(err)
		}
		stats, err := Generate(context.Background(), db, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(stats.Transactions), "transactions")
		db.Close()
	}
}
