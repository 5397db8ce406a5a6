package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/clickhouse/clickhousetest"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The real binary serving from two real ClickHouse shards, end to end
// over HTTP: the test bank (with churn scores) is copied to the shards by
// `beacon load --engine clickhouse --all`, then `beacon serve --engine
// clickhouse` answers with the read-only user. Every number is checked
// against SQL written by hand and run on ClickHouse with the admin user.
// A second server runs with a user whose per-query limits are tight, to
// show a statement passing them refused with a 4xx naming the limit.
func TestServeOnClickHouse(t *testing.T) {
	ctx := context.Background()
	c := clickhousetest.StartFor(t, ctx, 2)

	dbPath := copyBank(t)
	scoreBank(t, dbPath)
	load := exec.Command(binary, "load", "--db", dbPath, "--engine", "clickhouse", "--all",
		"--clickhouse-dsn", c.Admin, "--clickhouse-shards", strings.Join(c.Shards, ","), "--clickhouse-cluster", c.Name)
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("beacon load --engine clickhouse: %v\n%s", err, out)
	}
	tightPath := dbPath + ".tight.duckdb"
	copyFile(t, dbPath, tightPath)

	const secret = "a-clickhouse-test-secret-of-at-least-32-bytes"
	p := start(t, dbPath, 0, "--engine", "clickhouse", "--clickhouse-dsn", c.Reader, "--jwt-secret", secret)
	tight := start(t, tightPath, 0, "--engine", "clickhouse", "--clickhouse-dsn", c.Tight, "--jwt-secret", secret)
	p.waitReady(t)
	tight.waitReady(t)
	admin := mint(t, secret, "admin", "")

	hand, err := c.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hand.Close() })

	t.Run("governed queries equal hand SQL", func(t *testing.T) { governedOverHTTP(t, p, admin, hand) })
	t.Run("ChatBI in Chinese and English", func(t *testing.T) { chatOverHTTP(t, p, admin, hand) })
	t.Run("free SQL guard and the user's limits", func(t *testing.T) { freeSQLOverHTTP(t, p, tight, admin, hand) })
	t.Run("a branch head sees only the branch", func(t *testing.T) { branchScopeOverHTTP(t, p, secret, admin, hand) })
}

// scoreBank gives the bank churn scores, which the server writes only
// over time, so that the metrics over them have numbers to check.
func scoreBank(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, path, warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := clickhousetest.FillRiskScores(ctx, db)
	if err != nil || n == 0 {
		t.Fatalf("scores: %d rows, %v", n, err)
	}
}

func mint(t *testing.T, secret, role, branches string) string {
	t.Helper()
	tok, err := mintToken(tokenOptions{secret: secret, role: role, branches: branches, ttl: time.Hour, now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call posts body to path with the bearer token and returns the status
// and the decoded JSON body.
func (p *proc) call(t *testing.T, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %d, not JSON: %.300s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, v
}

// handRows runs SQL written by hand on ClickHouse and returns its rows
// with numbers as float64 and dates as YYYY-MM-DD.
func handRows(t *testing.T, db *sql.DB, query string) [][]any {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("hand SQL: %v\n%s", err, query)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			vals[i] = plain(v)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// plain dereferences a Nullable value and normalises numbers and dates.
func plain(v any) any {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		v = rv.Elem().Interface()
	}
	switch x := v.(type) {
	case uint8:
		return float64(x)
	case uint16:
		return float64(x)
	case uint32:
		return float64(x)
	case int8:
		return float64(x)
	case int16:
		return float64(x)
	}
	return warehousetest.Normalize(v)
}

// resultRows are a JSON result's rows as lists in the order of cols.
func resultRows(t *testing.T, body map[string]any, cols []string) [][]any {
	t.Helper()
	rows, _ := body["rows"].([]any)
	out := make([][]any, len(rows))
	for i, r := range rows {
		obj, _ := r.(map[string]any)
		for _, c := range cols {
			v, ok := obj[c]
			if !ok {
				t.Fatalf("row %d has no column %s: %v", i, c, obj)
			}
			out[i] = append(out[i], v)
		}
	}
	return out
}

// sameCells compares rows: numbers within 1e-9 relative (sums of doubles
// in another order), everything else as text; both sorted by their text.
func sameCells(t *testing.T, what string, got, want [][]any) {
	t.Helper()
	sortRows := func(r [][]any) {
		slices.SortFunc(r, func(a, b []any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	}
	sortRows(got)
	sortRows(want)
	if len(want) == 0 {
		t.Fatalf("%s: the hand SQL returned no rows: the check would be empty", what)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows over HTTP, %d by hand\nhttp: %v\nhand: %v", what, len(got), len(want), got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s: row %d: http %v, hand %v", what, i, got[i], want[i])
		}
		for j := range want[i] {
			a, aok := got[i][j].(float64)
			b, bok := want[i][j].(float64)
			if aok && bok {
				if math.Abs(a-b) > 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b))) {
					t.Fatalf("%s: row %d column %d: http %v, hand %v", what, i, j, a, b)
				}
				continue
			}
			if fmt.Sprint(got[i][j]) != fmt.Sprint(want[i][j]) {
				t.Fatalf("%s: row %d column %d: http %v, hand %v", what, i, j, got[i][j], want[i][j])
			}
		}
	}
}

// The serve test bank's history ends in October 2026 (--as-of 2026-10-31),
// the current month: last_month is September, last_3_months July to
// September, this_month (the scores' default range) October.
func governedOverHTTP(t *testing.T, p *proc, token string, hand *sql.DB) {
	cases := []struct {
		name, body string
		cols       []string
		hand       string
	}{
		{"ratio with the first month's denominator: churn_rate by segment by quarter",
			`{"metrics":["churn_rate"],"dimensions":["segment"],"time":{"grain":"quarter","start":"2026-04-01","end":"2026-09-30"}}`,
			[]string{"period", "segment", "churn_rate"},
			`SELECT toString(toStartOfQuarter(month)) AS p, assumeNotNull(segment) AS seg,
				sum(churned) / sumIf(active_at_start, month = toStartOfQuarter(month))
			FROM beacon.customer_months WHERE month >= toDate('2026-04-01') AND month < toDate('2026-10-01')
			GROUP BY p, seg`},
		{"period end through a join: aum by region by quarter",
			`{"metrics":["aum"],"dimensions":["region"],"time":{"grain":"quarter","start":"2026-04-01","end":"2026-09-30"}}`,
			[]string{"period", "region", "aum"},
			`SELECT toString(toStartOfQuarter(month)) AS p, r, sum(aum)
			FROM (SELECT month, branch_id, aum FROM beacon.customer_months WHERE month IN (toDate('2026-06-01'), toDate('2026-09-01')))
			ANY LEFT JOIN (SELECT branch_id, assumeNotNull(region) AS r FROM beacon.branches) USING branch_id
			GROUP BY p, r`},
		{"simple sum by month: deposits, last 3 months",
			`{"metrics":["deposits"],"time":{"grain":"month","range":"last_3_months"}}`,
			[]string{"period", "deposits"},
			`SELECT toString(month) AS p, sum(deposits) FROM beacon.customer_months
			WHERE month >= toDate('2026-07-01') AND month < toDate('2026-10-01') GROUP BY p`},
		{"over the churn scores: expected_churn and high_risk_customers by tier, this month by default",
			`{"metrics":["expected_churn","high_risk_customers"],"dimensions":["risk_tier"]}`,
			[]string{"risk_tier", "expected_churn", "high_risk_customers"},
			`SELECT assumeNotNull(tier) AS t, sum(score), countIf(tier = 'high') FROM beacon.risk_scores
			WHERE month = toDate('2026-10-01') GROUP BY t`},
		{"cumulative: churned customers since the start of the year, by month",
			`{"metrics":["cumulative_churned_customers"],"time":{"grain":"month","start":"2026-01-01","end":"2026-06-30"}}`,
			[]string{"period", "cumulative_churned_customers"},
			`SELECT toString(m), sum(n) FROM
				(SELECT month AS m, 1 AS z FROM beacon.customer_months WHERE month >= toDate('2026-01-01') AND month < toDate('2026-07-01') GROUP BY m)
			ALL INNER JOIN
				(SELECT month AS bm, sum(churned) AS n, 1 AS z FROM beacon.customer_months WHERE month >= toDate('2026-01-01') AND month < toDate('2026-07-01') GROUP BY bm)
			USING z WHERE bm <= m GROUP BY m`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := p.call(t, "/api/v1/query", token, c.body)
			if status != 200 {
				t.Fatalf("%d %v", status, body)
			}
			if body["dialect"] != "clickhouse" || body["served_from"] != "base" {
				t.Errorf("dialect %v, served_from %v: want clickhouse from base tables", body["dialect"], body["served_from"])
			}
			sameCells(t, c.name, resultRows(t, body, c.cols), handRows(t, hand, c.hand))
		})
	}
	// A share divides each group by the total of all groups.
	status, body := p.call(t, "/api/v1/query", token, `{"metrics":["segment_contribution","aum"],"dimensions":["segment"],"time":{"range":"last_month"}}`)
	if status != 200 {
		t.Fatalf("share: %d %v", status, body)
	}
	want := handRows(t, hand, `SELECT assumeNotNull(segment) AS seg, sum(aum) FROM beacon.customer_months WHERE month = toDate('2026-09-01') GROUP BY seg`)
	total := 0.0
	for _, r := range want {
		total += r[1].(float64)
	}
	for i := range want {
		want[i] = append(want[i], want[i][1].(float64)/total)
	}
	sameCells(t, "segment_contribution", resultRows(t, body, []string{"segment", "aum", "segment_contribution"}), want)
}

func chatOverHTTP(t *testing.T, p *proc, token string, hand *sql.DB) {
	cases := []struct {
		question, metric, hand string
	}{
		{"上个月流失了多少客户", "churned_customers", `SELECT sum(churned) FROM beacon.customer_months WHERE month = toDate('2026-09-01')`},
		{"What was AUM last month?", "aum", `SELECT sum(aum) FROM beacon.customer_months WHERE month = toDate('2026-09-01')`},
	}
	for _, c := range cases {
		t.Run(c.question, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"question": c.question})
			status, ans := p.call(t, "/api/v1/chat", token, string(body))
			if status != 200 || ans["status"] != "answer" {
				t.Fatalf("%d %v", status, ans)
			}
			want := handRows(t, hand, c.hand)
			sameCells(t, c.question, resultRows(t, ans, []string{c.metric}), slices.Clone(want))
			text, _ := ans["answer"].(string)
			if !strings.Contains(fmt.Sprint(ans["sql"]), "customer_months") || text == "" {
				t.Errorf("answer %q from SQL %v", text, ans["sql"])
			}
			if n := want[0][0].(float64); c.metric == "churned_customers" && !strings.Contains(text, fmt.Sprint(n)) {
				t.Errorf("the answer %q does not state %v", text, n)
			}
		})
	}
}

func freeSQLOverHTTP(t *testing.T, p, tight *proc, token string, hand *sql.DB) {
	q := `{"sql":"SELECT segment, count(*) AS n FROM customers GROUP BY segment ORDER BY segment"}`
	status, body := p.call(t, "/api/v1/sql", token, q)
	if status != 200 || body["dialect"] != "clickhouse" {
		t.Fatalf("free SQL: %d %v", status, body)
	}
	sameCells(t, "free SQL", resultRows(t, body, []string{"segment", "n"}),
		handRows(t, hand, `SELECT assumeNotNull(segment) AS seg, count() FROM beacon.customers GROUP BY seg`))

	// Writes never reach ClickHouse: the guard refuses them (and the
	// read-only user would too; warehouse/clickhouse checks that fence).
	for _, w := range []string{"DROP TABLE customers", "INSERT INTO customers SELECT * FROM customers", "CREATE TABLE x AS SELECT 1 AS a"} {
		b, _ := json.Marshal(map[string]string{"sql": w})
		status, body := p.call(t, "/api/v1/sql", token, string(b))
		if status != 400 {
			t.Errorf("%s: %d %v, want 400", w, status, body)
		}
	}
	count := handRows(t, hand, `SELECT count() FROM beacon.customers`)[0][0].(float64)
	if count <= clickhousetest.TightRows {
		t.Fatalf("the bank has %v customers: too few to pass the tight user's %d rows", count, clickhousetest.TightRows)
	}
	// Past the user's max_result_rows: 413 naming the limit, not a 500.
	status, body = tight.call(t, "/api/v1/sql", token, `{"sql":"SELECT customer_id FROM customers"}`)
	if status != 413 || !strings.Contains(fmt.Sprint(body["error"]), "max_result_rows") {
		t.Errorf("past max_result_rows: %d %v, want 413 naming max_result_rows", status, body)
	}
	// Past the user's max_execution_time (1 s): a statement that sleeps
	// 3 s on each block it reads, returning one row.
	status, body = tight.call(t, "/api/v1/sql", token, `{"sql":"SELECT max(sleep(3)) AS s FROM customers"}`)
	if status != 413 || !strings.Contains(fmt.Sprint(body["error"]), "max_execution_time") {
		t.Errorf("past max_execution_time: %d %v, want 413 naming max_execution_time", status, body)
	}
	// Governed queries are held to the same limits: by branch, segment and
	// month over two years, the answer has more rows than the tight user
	// may read.
	status, body = tight.call(t, "/api/v1/query", token, `{"metrics":["churned_customers"],"dimensions":["branch","segment"],"time":{"grain":"month","start":"2024-11-01","end":"2026-10-31"},"limit":5000}`)
	if status != 413 || !strings.Contains(fmt.Sprint(body["error"]), "max_result_rows") {
		t.Errorf("governed query past max_result_rows: %d %v, want 413 naming max_result_rows", status, body)
	}
	// Within the limits the tight server answers.
	status, body = tight.call(t, "/api/v1/sql", token, q)
	if status != 200 {
		t.Errorf("within the limits: %d %v", status, body)
	}
}

func branchScopeOverHTTP(t *testing.T, p *proc, secret, admin string, hand *sql.DB) {
	branch := handRows(t, hand, `SELECT assumeNotNull(branch_name) FROM beacon.branches ORDER BY branch_id LIMIT 1`)[0][0].(string)
	head := mint(t, secret, "executive", branch)
	q := `{"metrics":["churned_customers","aum"],"dimensions":["segment"],"time":{"range":"last_quarter"}}`
	status, body := p.call(t, "/api/v1/query", head, q)
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	want := handRows(t, hand, fmt.Sprintf(`SELECT seg, sum(churned), sumIf(aum, month = toDate('2026-09-01'))
		FROM (SELECT assumeNotNull(segment) AS seg, churned, aum, month, branch_id FROM beacon.customer_months
			WHERE month >= toDate('2026-07-01') AND month < toDate('2026-10-01'))
		ANY INNER JOIN (SELECT branch_id FROM beacon.branches WHERE branch_name = '%s') USING branch_id
		GROUP BY seg`, branch))
	cols := []string{"segment", "churned_customers", "aum"}
	sameCells(t, "scoped to "+branch, resultRows(t, body, cols), want)
	_, all := p.call(t, "/api/v1/query", admin, q)
	if fmt.Sprint(resultRows(t, all, cols)) == fmt.Sprint(resultRows(t, body, cols)) {
		t.Fatal("the scope changed nothing: the test cannot tell")
	}
	// By branch, the head sees one row: their own.
	status, body = p.call(t, "/api/v1/query", head, `{"metrics":["churned_customers"],"dimensions":["branch"],"time":{"range":"last_quarter"}}`)
	if rows := resultRows(t, body, []string{"branch"}); status != 200 || len(rows) != 1 || rows[0][0] != branch {
		t.Fatalf("by branch: %d %v", status, rows)
	}
	// Free SQL cannot be held to a scope: refused.
	if status, body := p.call(t, "/api/v1/sql", head, `{"sql":"SELECT count(*) FROM customers"}`); status != 403 {
		t.Fatalf("free SQL with a scope: %d %v", status, body)
	}
}
