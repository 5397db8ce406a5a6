package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// run evaluates an expression that returns a promise, in the page.
func run[T any](tb testing.TB, tt *tab, expr string) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tt.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatalf("%s: %v", expr, err)
	}
	return v
}

// The front's own modules, as the browser loads them: the API's refusals
// in Chinese keeping what they name, and percent changes that say nothing
// shown as amounts.
func TestFrontPieces(t *testing.T) {
	ctxB := newBrowser(t)
	b := startBeacon(t, "")
	tt := openTab(t, ctxB, "")
	tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))

	t.Run("API errors in the page's language", func(t *testing.T) {
		type out struct {
			Heading  string `json:"heading"`
			Detail   string `json:"detail"`
			APIWords bool   `json:"apiWords"`
		}
		cases := []struct {
			name, lang string
			status     int
			body       map[string]any
			want       out
		}{
			{"a JSON kind", "zh", 400, map[string]any{"code": "invalid", "message": "cost: expected a number, got a string", "field": "cost"},
				out{"请求有误", "cost：应为数字，收到的是文本", false}},
			{"an unknown word", "zh", 400, map[string]any{"code": "invalid", "message": `unknown metric "churn_rat"`},
				out{"请求有误", `未知的指标："churn_rat"`, false}},
			{"a period outside the data", "zh", 400, map[string]any{"code": "invalid", "message": "this_month (2026-12-01 – 2026-12-31) lies outside the data, which runs from 2024-12-01 to 2026-11-30: there is nothing to count there; ask for a period within it"},
				out{"请求有误", "所选期间 this_month (2026-12-01 – 2026-12-31) 超出数据范围（数据从 2024-12-01 到 2026-11-30），请选择该范围内的期间", false}},
			{"a bad cron", "zh", 400, map[string]any{"code": "invalid", "message": `"every monday" is not a cron expression: expected exactly 5 fields, found 2`},
				out{"请求有误", `"every monday" 不是有效的 cron 表达式（五段：分 时 日 月 周，例如 0 9 * * 1）`, false}},
			{"no Chinese form: the server's words", "zh", 403, map[string]any{"code": "forbidden", "message": "free SQL is not available to tokens with a row scope; use /api/v1/query"},
				out{"没有权限", "free SQL is not available to tokens with a row scope; use /api/v1/query", true}},
			{"English", "en", 400, map[string]any{"code": "invalid", "message": "cost: expected a number, got a string"},
				out{"The request is not valid", "cost: expected a number, got a string", false}},
			{"scores computing", "zh", 503, map[string]any{"code": "computing", "message": "Churn risk scores are being computed", "scoring": map[string]any{"state": "scoring", "months_done": 3, "months_total": 12}},
				out{"流失风险评分正在计算", "计算中 3/12 个月", false}},
			{"no code: by status", "zh", 404, nil, out{"未找到", "", false}},
		}
		for _, tc := range cases {
			arg, _ := json.Marshal(map[string]any{"status": tc.status, "body": tc.body})
			raw := run[string](t, tt, fmt.Sprintf(`import('/assets/app/errors.js').then(m => JSON.stringify(m.errorText(%s, %q)))`, arg, tc.lang))
			var got out
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			}
		}
		// A fetch that never reached the server.
		if h := run[string](t, tt, `import('/assets/app/errors.js').then(m => m.errorText(new TypeError('Failed to fetch'), 'zh').heading)`); h != "无法连接服务器" {
			t.Errorf("a network failure reads %q", h)
		}
	})

	t.Run("percent changes that say nothing", func(t *testing.T) {
		cases := []struct {
			name     string
			row      map[string]any
			metric   string
			format   string
			text     string
			isAmount bool
		}{
			// Net inflow after an outflow: the base is negative.
			{"negative base", map[string]any{"net_inflow": 3.53e8, "net_inflow_delta": 3.87e8, "net_inflow_pct_change": 11.296}, "net_inflow", "currency", "+3.87亿元", true},
			// +7378% from a month near zero.
			{"tiny base", map[string]any{"net_inflow": 7.5e6, "net_inflow_delta": 7.4e6, "net_inflow_pct_change": 74}, "net_inflow", "currency", "+740万元", true},
			{"ordinary", map[string]any{"aum": 110.0, "aum_delta": 10.0, "aum_pct_change": 0.1}, "aum", "currency", "+10.0%", false},
			{"a rate, in points", map[string]any{"churn_rate": 0.0072, "churn_rate_delta": -0.0038, "churn_rate_pct_change": -0.345}, "churn_rate", "percent", "-0.38 个百分点", false},
		}
		for _, tc := range cases {
			row, _ := json.Marshal(tc.row)
			raw := run[string](t, tt, fmt.Sprintf(`Promise.all([import('/assets/app/format.js'), import('/assets/app/i18n.js')]).then(([f, i]) =>
				JSON.stringify(f.change(%s, %q, %q, 'zh', i.translator('zh'))))`, row, tc.metric, tc.format))
			var got struct {
				Text   string `json:"text"`
				Amount bool   `json:"amount"`
			}
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatal(err)
			}
			if got.Text != tc.text || got.Amount != tc.isAmount {
				t.Errorf("%s: %+v, want %q (amount %v)", tc.name, got, tc.text, tc.isAmount)
			}
		}
		// In a table the cell of such a percent is "—", with a note.
		cell := run[string](t, tt, `import('/assets/app/format.js').then(f => f.cell(11.296, {name: 'net_inflow_pct_change', role: 'comparison'}, 'zh', null, '',
			{net_inflow: 3.53e8, net_inflow_previous: -3.4e7, net_inflow_pct_change: 11.296}))`)
		if cell != "—" {
			t.Errorf("a percent change from a negative base reads %q in a table, want —", cell)
		}
	})

	// Alerts and Subscriptions write every instant in the server's zone
	// (the one the header names), whatever the browser's zone (UTC here).
	t.Run("instants in the server's zone", func(t *testing.T) {
		cases := []struct{ iso, zone, want string }{
			{"2026-11-29T19:39:12Z", "Asia/Shanghai", "2026-11-30 03:39"},
			{"2026-11-30T01:00:00Z", "Asia/Shanghai", "2026-11-30 09:00"},
			{"2026-11-29T16:00:00Z", "Asia/Shanghai", "2026-11-30 00:00"},
			{"2026-11-29T19:39:12Z", "UTC", "2026-11-29 19:39"},
			{"not a time", "Asia/Shanghai", "not a time"},
		}
		for _, tc := range cases {
			got := run[string](t, tt, fmt.Sprintf(`import('/assets/app/format.js').then(f => f.instant(%q, %q))`, tc.iso, tc.zone))
			if got != tc.want {
				t.Errorf("instant(%s, %s) = %q, want %q", tc.iso, tc.zone, got, tc.want)
			}
		}
	})

	// An English sample question lowers a label's first word, not an acronym.
	t.Run("sample questions keep acronyms", func(t *testing.T) {
		for l, want := range map[string]string{"AUM": "What was the AUM last month?", "Churn rate": "What was the churn rate last month?"} {
			if got := run[string](t, tt, fmt.Sprintf(`import('/assets/app/i18n.js').then(i => i.translator('en')('askAbout', %q))`, l)); got != want {
				t.Errorf("askAbout(%q) = %q, want %q", l, got, want)
			}
		}
	})

	// A scoped caller's catalog lists no values of region (read from the
	// data): a filter's option takes the English label the values API gave.
	t.Run("filter options in English", func(t *testing.T) {
		cat := `{dims: {region: {}, segment: {values: [{value: '高净值', label: {zh: '高净值', en: 'High net worth'}}]}}}`
		cases := []struct{ dim, v, lang, want string }{
			{"region", `{value: '华东', label: {en: 'East China'}}`, "en", "East China"},
			{"region", `{value: '华东', label: {en: 'East China'}}`, "zh", "华东"},
			{"region", `{value: '华北'}`, "en", "华北"},
			{"segment", `{value: '高净值'}`, "en", "High net worth"},
		}
		for _, tc := range cases {
			got := run[string](t, tt, fmt.Sprintf(`import('/assets/app/chart.js').then(c => c.optionLabel(%s, %q, %s, %q))`, cat, tc.dim, tc.v, tc.lang))
			if got != tc.want {
				t.Errorf("optionLabel(%s, %s, %s) = %q, want %q", tc.dim, tc.v, tc.lang, got, tc.want)
			}
		}
	})
}

// tableColumn is one column of a result table as the page draws it: its
// heading, its unit (data-unit: "", 万, 亿, K, M, B) and its cells' text
// and raw values.
type tableColumn struct {
	Heading string   `json:"heading"`
	Unit    *string  `json:"unit"`
	Texts   []string `json:"texts"`
	Values  []string `json:"values"`
}

// tableColumns reads every column of the first table under scope.
func tableColumns(tb testing.TB, tt *tab, scope string) map[string]tableColumn {
	tb.Helper()
	raw := eval[string](tb, tt, fmt.Sprintf(`JSON.stringify(Object.fromEntries([...document.querySelectorAll(%q)].map(th => [th.dataset.col, {
		heading: th.textContent, unit: th.dataset.unit === undefined ? null : th.dataset.unit,
		texts: [...th.closest('table').querySelectorAll('td[data-col="' + th.dataset.col + '"]')].map(td => td.textContent),
		values: [...th.closest('table').querySelectorAll('td[data-col="' + th.dataset.col + '"]')].map(td => td.dataset.value)}])))`, scope+" table th[data-col]"))
	var cols map[string]tableColumn
	if err := json.Unmarshal([]byte(raw), &cols); err != nil {
		tb.Fatal(err)
	}
	return cols
}

// unitDivisor is what a unit divides a figure by.
var unitDivisor = map[string]float64{"": 1, "万": 1e4, "亿": 1e8, "K": 1e3, "M": 1e6, "B": 1e9}

// checkOneUnit fails unless every cell of a column with a unit is a bare
// figure (no 万, 亿, K, M or B of its own) that, times the heading's unit,
// is the cell's raw value to the shown decimals.
func checkOneUnit(tb testing.TB, name string, c tableColumn) {
	tb.Helper()
	if c.Unit == nil {
		return
	}
	div, ok := unitDivisor[*c.Unit]
	if !ok {
		tb.Errorf("column %s: unknown unit %q", name, *c.Unit)
		return
	}
	for i, text := range c.Texts {
		if c.Values[i] == "" {
			continue
		}
		if strings.ContainsAny(text, "万亿KMB元¥") {
			tb.Errorf("column %s (heading %q): cell %q carries a unit of its own", name, c.Heading, text)
			continue
		}
		shown, err := strconv.ParseFloat(strings.ReplaceAll(text, ",", ""), 64)
		if err != nil {
			tb.Errorf("column %s: cell %q is not a figure", name, text)
			continue
		}
		raw, _ := strconv.ParseFloat(c.Values[i], 64)
		if math.Abs(shown*div-raw) > 0.005*div+1e-9 {
			tb.Errorf("column %s (heading %q): cell %q × %v is not %v", name, c.Heading, text, div, raw)
		}
	}
}

// A result table writes each column in one unit, named once in its
// heading: never 1.19亿元 above 219.44万元.
func TestTableColumnUnits(t *testing.T) {
	ctxB := newBrowser(t)
	b := startBeacon(t, "")
	tt := openTab(t, ctxB, "")
	tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))
	res := map[string]any{
		"columns": []map[string]any{
			{"name": "segment", "role": "dimension", "type": "string", "label": map[string]string{"zh": "客群", "en": "Segment"}},
			{"name": "aum", "role": "metric", "type": "number", "format": "currency", "label": map[string]string{"zh": "管理资产", "en": "AUM"}},
			{"name": "aum_delta", "role": "comparison", "type": "number", "format": "currency", "label": map[string]string{"zh": "变化", "en": "Change"}},
			{"name": "aum_previous", "role": "comparison", "type": "number", "format": "currency", "label": map[string]string{"zh": "对比期", "en": "Previous"}},
			{"name": "churned", "role": "metric", "type": "number", "format": "number", "label": map[string]string{"zh": "流失客户数", "en": "Churned"}},
			{"name": "churn_rate", "role": "metric", "type": "number", "format": "percent", "label": map[string]string{"zh": "流失率", "en": "Churn rate"}},
		},
		"rows": []map[string]any{
			{"segment": "大众", "aum": 2.7756e10, "aum_delta": 1.19e8, "aum_previous": 2.7637e10, "churned": 40000, "churn_rate": 0.0072},
			{"segment": "高净值", "aum": 1.19e8, "aum_delta": 2.1944e6, "aum_previous": 1.168e8, "churned": 18, "churn_rate": 0.0022},
			{"segment": "富裕", "aum": 5.2e9, "aum_delta": -3.4e7, "aum_previous": 5.234e9, "churned": 291, "churn_rate": 0},
		},
	}
	arg, _ := json.Marshal(res)
	// The heading each column should carry: the median's unit, or a smaller
	// one where the smallest figure would read below 0.1 of it.
	want := map[string]map[string]string{
		"zh": {"aum": "管理资产（亿元）", "aum_delta": "变化（万元）", "churned": "流失客户数", "churn_rate": "流失率"},
		"en": {"aum": "AUM (¥B)", "aum_delta": "Change (¥M)", "churned": "Churned", "churn_rate": "Churn rate"},
	}
	for _, lang := range []string{"zh", "en"} {
		run[bool](t, tt, fmt.Sprintf(`Promise.all([import('/assets/vendor/preact-htm.js'), import('/assets/app/parts.js'), import('/assets/app/i18n.js')]).then(([p, parts, i]) => {
			let el = document.getElementById('unit-test');
			if (!el) { el = document.createElement('div'); el.id = 'unit-test'; document.body.append(el); }
			p.render(p.h(parts.ResultTable, {res: %s, lang: %q, t: i.translator(%q), catalog: null}), el);
			return true; })`, arg, lang, lang))
		cols := tableColumns(t, tt, "#unit-test")
		for name, heading := range want[lang] {
			if cols[name].Heading != heading {
				t.Errorf("%s: column %s is headed %q, want %q", lang, name, cols[name].Heading, heading)
			}
		}
		for name, c := range cols {
			checkOneUnit(t, lang+" "+name, c)
		}
		if got := cols["aum_delta"].Texts; lang == "zh" && strings.Join(got, " ") != "+11,900.00 +219.44 -3,400.00" {
			t.Errorf("the change column reads %q", got)
		}
		// The previous period's figures are amounts, not changes: no sign.
		if got := cols["aum_previous"].Texts; lang == "zh" && strings.Join(got, " ") != "276.37 1.17 52.34" {
			t.Errorf("the previous period's column reads %q", got)
		}
	}
	// The smallest figure decides against the median: 3亿, 2亿 and 100万
	// are written in 万.
	u := run[string](t, tt, `import('/assets/app/format.js').then(f => f.columnUnit([3e8, 2e8, 1e6, null, 0], {name: 'aum', type: 'number', format: 'currency'}, 'zh').header)`)
	if u != "（万元）" {
		t.Errorf("3亿, 2亿 and 100万 are headed %q, want （万元）", u)
	}
}

// While the churn scores a dashboard panel reads are still computed (the
// API answers 503 computing with the scoring state), the panel says how
// far the scoring is ("3/12") and asks again by itself; once the scores
// are in, it shows the figure, with no error on the page.
func TestComputingProgress(t *testing.T) {
	ctxB := newBrowser(t)
	var refused atomic.Int32
	st := risk.ScoringStatus{State: "scoring", MonthsTotal: 12, MonthsDone: 3, Current: "2026-11", RetryAfter: 1}
	gate := func(ctx context.Context, table string, from, to time.Time) error {
		if table == "risk_scores" && refused.Load() < 3 {
			refused.Add(1)
			return risk.ComputingError(st, "", "en")
		}
		return nil
	}
	b := startBeaconOn(t, bank, metricstest.DemoEngine(t, bank, metrics.EngineConfig{Gate: gate}), "")
	tt := openTab(t, ctxB, shotsDir(t))
	tt.do(t, chromedp.Navigate(b.url+"/dashboards/executive_retention"))
	tt.wait(t, `(document.querySelector('[data-computing]') || {}).dataset?.computing === '3/12'`)
	text := eval[string](t, tt, `document.querySelector('[data-computing]').textContent`)
	if !strings.Contains(text, "计算中 3/12 个月") || !strings.Contains(text, "自动重试") {
		t.Errorf("the waiting panel says %q, want the scoring's progress and that it retries", text)
	}
	tt.shot(t, "dashboard-computing")
	tt.wait(t, `document.querySelector('.kpi-value[data-metric=high_risk_customers]') !== null`)
	hr := warehousetest.Rows(t, bank, `SELECT count(*) FROM risk_scores WHERE tier = 'high' AND month = (SELECT max(month) FROM risk_scores)`)
	if got, w := eval[float64](t, tt, `Number(document.querySelector('.kpi-value[data-metric=high_risk_customers]').dataset.value)`), hr[0][0].(float64); got != w || w == 0 {
		t.Errorf("after the wait, the high-risk KPI shows %v; the scores table %v", got, w)
	}
	if n := refused.Load(); n < 3 {
		t.Errorf("the server refused %d times; the test meant 3", n)
	}
	if n := eval[int](t, tt, `document.querySelectorAll('.panel .error').length`); n != 0 {
		t.Errorf("%d panels show an error after waiting for the scores", n)
	}
}
