package risk

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var (
	keptOnce sync.Once
	keptDB   *warehouse.DB
	keptRep  KeepReport
	keptErr  error
)

// keptBank is a small bank whose scores were filled by EnsureScored: a
// model trained and the last three months scored. Tests only read it.
func keptBank(t *testing.T) (*warehouse.DB, KeepReport) {
	t.Helper()
	keptOnce.Do(func() {
		if keptDB, keptErr = warehousetest.OpenDemo(2000, 20); keptErr != nil {
			return
		}
		pb, err := ParsePlaybook(models.PlaybookFile, models.Playbook)
		if err != nil {
			keptErr = err
			return
		}
		keptRep, keptErr = EnsureScored(context.Background(), keptDB, KeepOptions{Train: quickOptions(), Playbook: pb, Backfill: 3,
			Now: func() time.Time { return time.Unix(0, 0) }})
	})
	if keptErr != nil {
		t.Fatal(keptErr)
	}
	return keptDB, keptRep
}

func TestEnsureScoredTrainsThenScoresOnlyNewMonths(t *testing.T) {
	db := keptBank2(t)
	ctx := context.Background()
	pb, _ := ParsePlaybook(models.PlaybookFile, models.Playbook)
	o := KeepOptions{Train: quickOptions(), Playbook: pb, Backfill: 3}
	rep, err := EnsureScored(ctx, db, o)
	if err != nil {
		t.Fatal(err)
	}
	// The newest month first, so that current answers are ready soonest.
	if rep.Trained == "" || len(rep.Scored) != 3 || rep.Scored[0].Month != "2026-11" || rep.Scored[2].Month != "2026-09" {
		t.Fatalf("first run: trained %q, scored %+v; want a model and 2026-11..2026-09", rep.Trained, rep.Scored)
	}
	got := warehousetest.Rows(t, db, `SELECT strftime(month, '%Y-%m'), count(*), count(DISTINCT model_version) FROM risk_scores GROUP BY 1 ORDER BY 1 DESC`)
	for i, r := range got {
		if r[0] != rep.Scored[i].Month || r[1].(float64) != float64(rep.Scored[i].Customers) || r[2].(float64) != 1 {
			t.Errorf("stored %v, reported %+v", r, rep.Scored[i])
		}
	}
	// Nothing new: nothing done.
	if rep, err = EnsureScored(ctx, db, o); err != nil || rep.Trained != "" || len(rep.Scored) != 0 {
		t.Fatalf("second run: %+v, %v; want nothing done", rep, err)
	}
	// A month added by a load (here: the latest month's scores removed) is
	// scored with the stored model, without training again.
	exec(t, db, `DELETE FROM risk_scores WHERE month = DATE '2026-11-01'`)
	rep, err = EnsureScored(ctx, db, o)
	if err != nil || rep.Trained != "" || len(rep.Scored) != 1 || rep.Scored[0].Month != "2026-11" {
		t.Fatalf("after a new month: %+v, %v; want 2026-11 scored with the stored model", rep, err)
	}
	// A backfill cut short (a restart after the newest month) resumes:
	// the missing older month is scored, the others are left alone.
	exec(t, db, `DELETE FROM risk_scores WHERE month = DATE '2026-10-01'`)
	rep, err = EnsureScored(ctx, db, o)
	if err != nil || len(rep.Scored) != 1 || rep.Scored[0].Month != "2026-10" {
		t.Fatalf("after an interrupted backfill: %+v, %v; want 2026-10 scored", rep, err)
	}
}

// keptBank2 is a fresh bank for the test that writes.
func keptBank2(t *testing.T) *warehouse.DB {
	t.Helper()
	db, err := warehousetest.OpenDemo(1500, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *warehouse.DB, q string) {
	t.Helper()
	ctx := context.Background()
	if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, q); return err }); err != nil {
		t.Fatal(err)
	}
}

// governedCase is a governed query and the hand SQL that answers it.
type governedCase struct {
	name    string
	query   metrics.Query
	scope   metrics.Scope
	keys    int      // leading key columns of result and hand SQL
	columns []string // result columns compared, in hand-SQL order after the keys
	hand    string
}

// The test bank ends on 2026-11-24: last_month is 2026-10, last_quarter
// 2026-07..09; the kept bank's scores cover 2026-09..2026-11.
func TestSignalAndRiskMetricsMatchHandSQL(t *testing.T) {
	db, _ := keptBank(t)
	e := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	branch := warehousetest.Rows(t, db, `SELECT b.branch_name FROM risk_scores s JOIN branches b USING (branch_id)
		WHERE s.tier = 'high' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`)[0][0].(string)
	last := func(q metrics.Query) metrics.Query {
		q.Time = &metrics.TimeSpec{Range: "last_month"}
		return q
	}
	band := `CASE WHEN tx_count = 0 THEN '无交易' WHEN tx_count <= 4 THEN '低活跃' WHEN tx_count <= 14 THEN '中活跃' ELSE '高活跃' END`
	cases := []governedCase{
		{name: "transaction_count by segment", query: last(metrics.Query{Metrics: []string{"transaction_count"}, Dimensions: []string{"segment"}}),
			keys: 1, columns: []string{"transaction_count"},
			hand: `SELECT segment, sum(tx_count) FROM customer_months WHERE month = DATE '2026-10-01' GROUP BY 1`},
		{name: "transaction_count agrees with the transactions table", query: last(metrics.Query{Metrics: []string{"transaction_count", "transaction_amount"}, Dimensions: []string{"branch"}}),
			keys: 1, columns: []string{"transaction_count", "transaction_amount"},
			hand: `SELECT b.branch_name, count(*), sum(t.amount) FROM transactions t JOIN branches b USING (branch_id)
				WHERE t.tx_date >= DATE '2026-10-01' AND t.tx_date < DATE '2026-11-01' GROUP BY 1`},
		{name: "app_logins by segment by month", query: metrics.Query{Metrics: []string{"app_logins"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_quarter"}},
			keys: 2, columns: []string{"app_logins"},
			hand: `SELECT month, segment, sum(app_logins) FROM customer_months WHERE month BETWEEN DATE '2026-07-01' AND DATE '2026-09-01' GROUP BY 1, 2`},
		{name: "complaint_cases by category", query: metrics.Query{Metrics: []string{"complaint_cases"}, Dimensions: []string{"complaint_category"}, Time: &metrics.TimeSpec{Range: "last_12_months"}},
			keys: 1, columns: []string{"complaint_cases"},
			hand: `SELECT category, count(*) FROM complaints WHERE complaint_date >= DATE '2025-11-01' AND complaint_date < DATE '2026-11-01' GROUP BY 1`},
		{name: "complaint_cases equals the monthly complaint count", query: metrics.Query{Metrics: []string{"complaint_cases"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Range: "last_quarter"}},
			keys: 1, columns: []string{"complaint_cases"},
			hand: `SELECT b.region, sum(m.complaints) FROM customer_months m JOIN branches b USING (branch_id)
				WHERE m.month BETWEEN DATE '2026-07-01' AND DATE '2026-09-01' GROUP BY 1 HAVING sum(m.complaints) > 0`},
		{name: "complaint_mix is each category's share", query: metrics.Query{Metrics: []string{"complaint_mix"}, Dimensions: []string{"complaint_category"}, Time: &metrics.TimeSpec{Range: "this_year"}},
			keys: 1, columns: []string{"complaint_mix"},
			hand: `SELECT category, count(*) / sum(count(*)) OVER () FROM complaints WHERE year(complaint_date) = 2026 GROUP BY 1`},
		{name: "customers and churn_rate by activity_band", query: last(metrics.Query{Metrics: []string{"customers", "churn_rate"}, Dimensions: []string{"activity_band"}}),
			keys: 1, columns: []string{"customers", "churn_rate"},
			hand: `SELECT ` + band + `, count(DISTINCT customer_id), count(*) FILTER (WHERE churned) / count(*) FILTER (WHERE active_at_start)
				FROM customer_months WHERE month = DATE '2026-10-01' GROUP BY 1`},
		{name: "customers by balance_change_band", query: last(metrics.Query{Metrics: []string{"customers"}, Dimensions: []string{"balance_change_band"}}),
			keys: 1, columns: []string{"customers"},
			// The previous month-end balance read from the previous row.
			hand: `WITH m AS (SELECT *, lag(balance) OVER (PARTITION BY customer_id ORDER BY month) AS prev,
					lag(month) OVER (PARTITION BY customer_id ORDER BY month) AS prev_month FROM customer_months)
				SELECT CASE WHEN prev IS NULL OR prev_month <> month - INTERVAL 1 MONTH OR prev <= 0 THEN '无上月余额'
					WHEN balance / prev - 1 <= -0.3 THEN '余额降30%以上' WHEN balance / prev - 1 <= -0.1 THEN '余额降10%-30%'
					WHEN balance / prev - 1 < 0.1 THEN '余额变动10%以内' ELSE '余额升10%以上' END, count(*)
				FROM m WHERE month = DATE '2026-10-01' GROUP BY 1`},
		{name: "expected_churn by month", query: metrics.Query{Metrics: []string{"expected_churn"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}},
			keys: 1, columns: []string{"expected_churn"},
			hand: `SELECT month, sum(score) FROM risk_scores WHERE month < DATE '2026-11-01' GROUP BY 1`},
		{name: "expected_churn of a quarter is its last scored month", query: metrics.Query{Metrics: []string{"expected_churn"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "this_quarter"}},
			keys: 1, columns: []string{"expected_churn"},
			hand: `SELECT segment, sum(score) FROM risk_scores WHERE month = DATE '2026-11-01' GROUP BY 1`},
		{name: "high_risk_customers by segment this month", query: metrics.Query{Metrics: []string{"high_risk_customers"}, Dimensions: []string{"segment"}, Time: &metrics.TimeSpec{Range: "this_month"}},
			keys: 1, columns: []string{"high_risk_customers"},
			hand: `SELECT segment, count(*) FROM risk_scores WHERE month = DATE '2026-11-01' AND tier = 'high' GROUP BY 1`},
		{name: "high_risk_customers for a branch head", query: metrics.Query{Metrics: []string{"high_risk_customers"}, Time: &metrics.TimeSpec{Range: "this_month"}},
			scope: metrics.Scope{"branch": {branch}}, keys: 0, columns: []string{"high_risk_customers"},
			hand: fmt.Sprintf(`SELECT count(*) FROM risk_scores s JOIN branches b USING (branch_id)
				WHERE s.month = DATE '2026-11-01' AND s.tier = 'high' AND b.branch_name = '%s'`, branch)},
		{name: "expected_churn by risk tier for a branch head", query: last(metrics.Query{Metrics: []string{"expected_churn"}, Dimensions: []string{"risk_tier"}}),
			scope: metrics.Scope{"branch": {branch}}, keys: 1, columns: []string{"expected_churn"},
			hand: fmt.Sprintf(`SELECT s.tier, sum(s.score) FROM risk_scores s JOIN branches b USING (branch_id)
				WHERE s.month = DATE '2026-10-01' AND b.branch_name = '%s' GROUP BY 1`, branch)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkGoverned(t, e, db, tc) })
	}
}

// checkGoverned runs tc's query and compares the columns it names with the
// hand SQL, row by row on the key columns.
func checkGoverned(t *testing.T, e *metrics.Engine, db *warehouse.DB, tc governedCase) {
	t.Helper()
	res, err := e.Run(context.Background(), tc.query, tc.scope)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	idx := make([]int, len(tc.columns))
	for i, name := range tc.columns {
		idx[i] = -1
		for j, c := range res.Columns {
			if c.Name == name {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			t.Fatalf("result has no column %s", name)
		}
	}
	key := func(r []any) string {
		parts := make([]string, tc.keys)
		for i := range parts {
			parts[i] = fmt.Sprint(warehousetest.Normalize(r[i]))
		}
		return strings.Join(parts, "|")
	}
	want := map[string][]any{}
	for _, r := range warehousetest.Rows(t, db, tc.hand) {
		want[key(r)] = r[tc.keys:]
	}
	got := map[string][]any{}
	for _, r := range res.Rows {
		got[key(r)] = r
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("got %d rows, want %d (hand SQL)\n%s", len(got), len(want), res.SQL)
	}
	for k, w := range want {
		row, ok := got[k]
		if !ok {
			t.Fatalf("missing row %s; got %v", k, res.Rows)
		}
		for i, name := range tc.columns {
			g, _ := warehousetest.Normalize(row[idx[i]]).(float64)
			h, _ := warehousetest.Normalize(w[i]).(float64)
			if math.Abs(g-h) > 1e-6*math.Max(1, math.Abs(h)) {
				t.Errorf("%s %s: got %v, hand SQL %v", k, name, row[idx[i]], w[i])
			}
		}
	}
}
