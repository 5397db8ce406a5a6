package server_test

import (
	"bytes"
	"encoding/json"
	"html"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/xuri/excelize/v2"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// newReportServer is a server over the shared bank offering the demo reports.
func newReportServer(tb testing.TB, auth server.AuthConfig) *server.Server {
	tb.Helper()
	eng := metricstest.DemoEngine(tb, bank, metrics.EngineConfig{})
	set, err := reports.Demo(eng)
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Auth: auth, Logger: quietLogger(), Reports: set})
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

var dataValueRE = regexp.MustCompile(`data-value="([^"]*)"`)

// pageValues are the numbers behind the figures of a page's tables.
func pageValues(tb testing.TB, page string) []float64 {
	tb.Helper()
	var out []float64
	for _, m := range dataValueRE.FindAllStringSubmatch(page, -1) {
		f, err := strconv.ParseFloat(html.UnescapeString(m[1]), 64)
		if err != nil {
			tb.Fatalf("data-value %q is not a number", m[1])
		}
		out = append(out, f)
	}
	return out
}

func containsNumber(vals []float64, want float64) bool {
	for _, v := range vals {
		if math.Abs(v-want) <= 1e-9*math.Max(1, math.Abs(want)) {
			return true
		}
	}
	return false
}

// The weekly report's page holds, for each section, the numbers the query
// API gives for the same query; it is served under a strict CSP and loads
// ECharts from Beacon.
func TestReportPageFiguresMatchTheQueryAPI(t *testing.T) {
	srv := newReportServer(t, server.AuthConfig{})
	for _, lang := range []string{"zh", "en"} {
		r := do(t, srv, "GET", "/reports/weekly_retention?lang="+lang, nil)
		if r.status != 200 {
			t.Fatalf("status %d: %.300s", r.status, r.body)
		}
		if csp := r.header.Get("Content-Security-Policy"); csp != "default-src 'self'" {
			t.Errorf("CSP %q", csp)
		}
		html := string(r.body)
		if !strings.Contains(html, `src="../assets/vendor/echarts.min.js"`) || strings.Contains(html, "https://") {
			t.Errorf("%s page does not load ECharts from Beacon alone", lang)
		}
		vals := pageValues(t, html)
		for _, q := range []string{
			`{"metrics":["churn_rate"],"dimensions":["segment"],"time":{"range":"last_month"},"compare":"previous_period"}`,
			`{"metrics":["complaint_rate"],"dimensions":["region"],"time":{"range":"last_month"},"compare":"previous_period"}`,
			`{"metrics":["aum"],"time":{"range":"last_month"},"compare":"previous_period"}`,
			`{"metrics":["renewal_rate"],"dimensions":["segment"],"time":{"range":"last_quarter"}}`,
		} {
			api := do(t, srv, "POST", "/api/v1/query", []byte(q))
			rows := rowsOf(t, api)
			if len(rows) == 0 {
				t.Fatalf("%s: no rows", q)
			}
			for _, row := range rows {
				for k, v := range row {
					f, ok := v.(float64)
					if !ok || strings.HasSuffix(k, "_previous") {
						continue
					}
					if !containsNumber(vals, f) {
						t.Errorf("%s page lacks %s = %v of %s", lang, k, f, q)
					}
				}
			}
		}
		// The SQL and the definitions are shown too.
		if !strings.Contains(html, "SELECT") || !strings.Contains(html, "churn_rate") {
			t.Errorf("%s page shows no SQL or definitions", lang)
		}
	}
}

// A branch-scoped reader's report shows only their branch: the top-movers
// section lists it alone, and no figure is the bank's.
func TestScopedReportSeesOnlyItsBranches(t *testing.T) {
	srv := newReportServer(t, server.AuthConfig{Secret: secret})
	branches := warehousetest.Rows(t, bank, "SELECT branch_name FROM branches ORDER BY branch_id")
	mine, other := branches[0][0].(string), branches[len(branches)-1][0].(string)
	tok := token(t, jwt.SigningMethodHS256, secret, claims("executive", map[string]any{"branches": []string{mine}}))

	if r := do(t, srv, "GET", "/reports/weekly_retention", nil); r.status != 401 || r.json(t)["error"] == nil {
		t.Fatalf("without a token: %d %.200s", r.status, r.body)
	}
	for name, r := range map[string]response{
		"header":       do(t, srv, "GET", "/reports/weekly_retention", nil, "Authorization", "Bearer "+tok),
		"access_token": do(t, srv, "GET", "/reports/weekly_retention?access_token="+url.QueryEscape(tok), nil),
	} {
		if r.status != 200 {
			t.Fatalf("%s: status %d: %.300s", name, r.status, r.body)
		}
		html := string(r.body)
		if !strings.Contains(html, mine) || strings.Contains(html, other) {
			t.Errorf("%s: a reader scoped to %s sees other branches (has mine %v, has %s %v)", name, mine, strings.Contains(html, mine), other, strings.Contains(html, other))
		}
		if r.header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", name, r.header.Get("Referrer-Policy"))
		}
		// The scoped AUM is the branch's, as the API gives it under the same token.
		api := rowsOf(t, do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["aum"],"time":{"range":"last_month"}}`), "Authorization", "Bearer "+tok))
		bankWide := rowsOf(t, do(t, newServer(t, bank, server.AuthConfig{}), "POST", "/api/v1/query", []byte(`{"metrics":["aum"],"time":{"range":"last_month"}}`)))
		vals := pageValues(t, html)
		if !containsNumber(vals, api[0]["aum"].(float64)) || containsNumber(vals, bankWide[0]["aum"].(float64)) {
			t.Errorf("%s: the page's AUM is not the branch's %v", name, api[0]["aum"])
		}
	}
}

// Bad report requests are JSON errors that name what is wrong.
func TestReportErrors(t *testing.T) {
	srv := newReportServer(t, server.AuthConfig{})
	cases := []struct {
		method, path, body string
		status             int
		code, field        string
	}{
		{"GET", "/reports/no_such_report", "", 404, "not_found", "name"},
		{"GET", "/reports/weekly_retention?lang=fr", "", 400, "invalid", "lang"},
		{"GET", "/reports/weekly_retention?format=pdf", "", 400, "invalid", "format"},
		{"GET", "/reports/query", "", 400, "invalid", "metric"},
		{"GET", "/reports/query?metric=churn_rat", "", 400, "invalid", "metrics[0]"},
		{"GET", "/reports/query?metric=churn_rate&chart=line", "", 400, "invalid", "chart"},
		{"POST", "/reports/query", `{"metrics":["churn_rate"],"bogus":1}`, 400, "invalid", "bogus"},
	}
	for _, tc := range cases {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		r := do(t, srv, tc.method, tc.path, body)
		if r.status != tc.status {
			t.Errorf("%s %s: status %d, want %d: %.300s", tc.method, tc.path, r.status, tc.status, r.body)
			continue
		}
		e, _ := r.json(t)["error"].(map[string]any)
		if e == nil || e["code"] != tc.code || (tc.field != "" && e["field"] != tc.field) {
			t.Errorf("%s %s: error %v, want code %s field %s", tc.method, tc.path, e, tc.code, tc.field)
		}
	}
}

// The report of any query, by GET and by POST, holds the API's numbers.
func TestQueryReport(t *testing.T) {
	srv := newReportServer(t, server.AuthConfig{})
	api := rowsOf(t, do(t, srv, "GET", "/api/v1/metrics/churn_rate?by=segment&range=last_quarter", nil))
	for _, r := range []response{
		do(t, srv, "GET", "/reports/query?metric=churn_rate&by=segment&range=last_quarter&lang=en", nil),
		do(t, srv, "POST", "/reports/query?lang=en", []byte(`{"metrics":["churn_rate"],"dimensions":["segment"],"time":{"range":"last_quarter"}}`)),
	} {
		if r.status != 200 {
			t.Fatalf("status %d: %.300s", r.status, r.body)
		}
		vals := pageValues(t, string(r.body))
		for _, row := range api {
			if !containsNumber(vals, row["churn_rate"].(float64)) {
				t.Errorf("report lacks %v of %v", row["churn_rate"], row["segment"])
			}
		}
		if !strings.Contains(string(r.body), "High net worth") {
			t.Error("the English report does not label segments in English")
		}
	}
}

// openXLSX reads a workbook answer back.
func openXLSX(tb testing.TB, r response) *excelize.File {
	tb.Helper()
	if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") {
		tb.Fatalf("status %d %s: %.300s", r.status, r.header.Get("Content-Type"), r.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

// rawNumber reads a cell as the number it holds, failing if it is text.
func rawNumber(tb testing.TB, f *excelize.File, sheet, cell string) float64 {
	tb.Helper()
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		tb.Fatal(err)
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
		tb.Fatalf("%s!%s is %q of type %v, want a number", sheet, cell, v, typ)
	}
	return x
}

// A flat query as xlsx: a Chinese sheet name, typed numbers equal to the
// JSON answer with money's number format, a governed 合计 row, a frozen header.
func TestQueryXLSXFlat(t *testing.T) {
	srv := newReportServer(t, server.AuthConfig{})
	q := `{"metrics":["aum","churn_rate"],"dimensions":["segment"],"time":{"range":"last_month"},"order":[{"by":"segment"}]}`
	rows := rowsOf(t, do(t, srv, "POST", "/api/v1/query", []byte(q)))
	total := rowsOf(t, do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["aum","churn_rate"],"time":{"range":"last_month"}}`)))[0]
	f := openXLSX(t, do(t, srv, "POST", "/api/v1/query?format=xlsx", []byte(q)))
	sheet := f.GetSheetName(0)
	if sheet != "管理资产、客户流失率" {
		t.Errorf("sheet name %q", sheet)
	}
	if h, _ := f.GetCellValue(sheet, "B3"); h != "管理资产（元）" {
		t.Errorf("header B3 %q, want 管理资产（元）", h)
	}
	for i, row := range rows {
		n := strconv.Itoa(4 + i)
		seg, _ := f.GetCellValue(sheet, "A"+n)
		if seg != row["segment"] {
			t.Errorf("row %d segment %q, want %v", i, seg, row["segment"])
		}
		// Excel keeps 15 significant digits.
		if got := rawNumber(t, f, sheet, "B"+n); math.Abs(got-row["aum"].(float64)) > 1e-14*row["aum"].(float64) {
			t.Errorf("row %d aum %v, want %v", i, got, row["aum"])
		}
		if got := rawNumber(t, f, sheet, "C"+n); math.Abs(got-row["churn_rate"].(float64)) > 1e-12 {
			t.Errorf("row %d churn %v, want %v", i, got, row["churn_rate"])
		}
		shown, _ := f.GetCellValue(sheet, "C"+n)
		if !strings.HasSuffix(shown, "%") {
			t.Errorf("churn shows as %q, want a percent format", shown)
		}
	}
	n := strconv.Itoa(4 + len(rows))
	if w, _ := f.GetCellValue(sheet, "A"+n); w != "合计" {
		t.Errorf("total row label %q", w)
	}
	if got := rawNumber(t, f, sheet, "C"+n); math.Abs(got-total["churn_rate"].(float64)) > 1e-12 {
		t.Errorf("total churn %v, want the governed %v (not a sum of rows)", got, total["churn_rate"])
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 3 {
		t.Errorf("panes %+v %v, want the header frozen", panes, err)
	}
}

// Two breakdowns as xlsx: a cross table under a two-level header (the
// second dimension's value over each metric), subtotals from the query by
// one dimension, and the total, each equal to the JSON answer.
func TestQueryXLSXCrossTable(t *testing.T) {
	srv := newReportServer(t, server.AuthConfig{})
	q := `{"metrics":["churn_rate","churned_customers"],"dimensions":["segment","gender"],"time":{"range":"last_quarter"},"order":[{"by":"segment"},{"by":"gender"}]}`
	rows := rowsOf(t, do(t, srv, "POST", "/api/v1/query", []byte(q)))
	bySeg := rowsOf(t, do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["churn_rate","churned_customers"],"dimensions":["segment"],"time":{"range":"last_quarter"}}`)))
	byGender := rowsOf(t, do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["churn_rate","churned_customers"],"dimensions":["gender"],"time":{"range":"last_quarter"}}`)))
	f := openXLSX(t, do(t, srv, "POST", "/api/v1/query?format=xlsx&lang=zh", []byte(q)))
	sheet := f.GetSheetName(0)
	grid, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	top, sub := grid[2], grid[3] // rows 3 and 4: the two header levels
	col := map[string]int{}      // "gender/metric label" → column
	g := ""
	for j := 1; j < len(sub); j++ {
		if j < len(top) && top[j] != "" { // a merged cell's value sits in its first column
			g = top[j]
		}
		col[g+"/"+sub[j]] = j
	}
	if _, ok := col["男/客户流失率"]; !ok {
		t.Fatalf("headers %q / %q: want gender over each metric", top, sub)
	}
	if merged, _ := f.GetMergeCells(sheet); len(merged) < 2 {
		t.Errorf("merged header cells %v, want the second dimension's values merged over their metrics", merged)
	}
	rowOf := map[string][]string{}
	for _, r := range grid[4:] {
		if len(r) > 0 {
			rowOf[r[0]] = r
		}
	}
	num := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	for _, r := range rows {
		line := rowOf[r["segment"].(string)]
		j := col[r["gender"].(string)+"/客户流失率"]
		if line == nil || j == 0 || math.Abs(num(line[j])-r["churn_rate"].(float64)) > 1e-12 {
			t.Errorf("%v %v: cell %v, want %v", r["segment"], r["gender"], line, r["churn_rate"])
		}
	}
	for _, r := range bySeg {
		line := rowOf[r["segment"].(string)]
		j := col["合计/客户流失率"]
		if line == nil || j == 0 {
			t.Fatalf("no row for %v or no 合计 column: %v", r["segment"], col)
		}
		if math.Abs(num(line[j])-r["churn_rate"].(float64)) > 1e-12 {
			t.Errorf("subtotal of %v: %v, want %v", r["segment"], line[j], r["churn_rate"])
		}
	}
	totalRow := rowOf["合计"]
	for _, r := range byGender {
		j := col[r["gender"].(string)+"/客户流失率"]
		if totalRow == nil || math.Abs(num(totalRow[j])-r["churn_rate"].(float64)) > 1e-12 {
			t.Errorf("subtotal of %v: %v, want %v", r["gender"], totalRow, r["churn_rate"])
		}
	}
	panes, _ := f.GetPanes(sheet)
	if !panes.Freeze || panes.YSplit != 4 || panes.XSplit != 1 {
		t.Errorf("panes %+v: want two header rows and the first column frozen", panes)
	}
}

// A report as xlsx: a sheet per section, named by the section's title.
func TestReportXLSX(t *testing.T) {
	srv := newReportServer(t, server.AuthConfig{})
	f := openXLSX(t, do(t, srv, "GET", "/reports/weekly_retention?format=xlsx", nil))
	names := f.GetSheetList()
	if len(names) != 10 || names[1] != "各客群流失率" {
		t.Fatalf("sheets %q", names)
	}
	var js map[string]any
	if err := json.Unmarshal(do(t, srv, "GET", "/reports/no_such?format=xlsx", nil).body, &js); err != nil || js["error"] == nil {
		t.Errorf("unknown report as xlsx: %v", js)
	}
}
