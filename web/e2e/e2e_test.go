package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/alerts"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/notify/webhook"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/reports"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// bank is the demo bank every test here reads.
var bank *warehouse.DB

func TestMain(m *testing.M) {
	if chromiumPath() == "" && os.Getenv("BEACON_REQUIRE_CHROMIUM") == "" {
		os.Exit(m.Run()) // every browser test skips, saying why; no bank is needed
	}
	db, err := warehousetest.OpenDemo(3_000, 24)
	if err == nil {
		err = scoreRisk(db)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "test bank:", err)
		os.Exit(1)
	}
	bank = db
	code := m.Run()
	db.Close()
	os.Exit(code)
}

// scoreRisk trains a small churn model and scores the last month, so the
// watch list has customers.
func scoreRisk(db *warehouse.DB) error {
	ctx := context.Background()
	o := risk.DefaultTrainOptions()
	o.TrainMonths, o.Params.GBDT.Trees, o.Baseline = 6, 40, false
	cm, err := risk.TrainBank(ctx, db, o, time.Unix(0, 0))
	if err != nil {
		return err
	}
	if err := risk.SaveModel(ctx, db, cm); err != nil {
		return err
	}
	pb, err := risk.ParsePlaybook(models.PlaybookFile, models.Playbook)
	if err != nil {
		return err
	}
	_, err = risk.Score(ctx, db, cm, pb, time.Time{}, time.Unix(0, 0))
	return err
}

const secret = "e2e-secret-that-is-at-least-32-bytes-long!"

// chromiumPath is the browser's path, or "" where none is installed.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromium finds the browser, or skips (fails where CI requires it).
func chromium(tb testing.TB) string {
	tb.Helper()
	if p := chromiumPath(); p != "" {
		return p
	}
	if os.Getenv("BEACON_REQUIRE_CHROMIUM") != "" {
		tb.Fatal("BEACON_REQUIRE_CHROMIUM is set but no chromium is on PATH: run `make browser` (as root) to install it")
	}
	tb.Skip("no chromium on PATH: the browser tests need Debian's chromium (`make browser` installs it as root); set BEACON_REQUIRE_CHROMIUM=1 to fail instead")
	return ""
}

// assetsBuilt skips where the front's vendored scripts were not built.
func assetsBuilt(tb testing.TB) {
	tb.Helper()
	for _, f := range []string{"../static/vendor/echarts.min.js", "../static/vendor/preact-htm.js"} {
		if _, err := os.Stat(f); err != nil {
			if os.Getenv("BEACON_REQUIRE_ASSETS") != "" || os.Getenv("BEACON_REQUIRE_CHROMIUM") != "" {
				tb.Fatalf("%s missing: run `make assets`", f)
			}
			tb.Skip("browser assets not built: run `make assets` (make test does)")
		}
	}
}

// beacon is a running server on 127.0.0.1, with an alert scheduler whose
// one channel (ops-hook) posts to a webhook receiver on 127.0.0.1.
type beacon struct {
	url    string
	alerts *alerts.Scheduler
	hook   *hookReceiver
}

// hookReceiver counts the messages the ops-hook channel delivers.
type hookReceiver struct {
	mu    sync.Mutex
	count int
	last  []byte
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.count++
	h.last = body
	h.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (h *hookReceiver) received() (int, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.count, string(h.last)
}

// alertScheduler is a scheduler over db with the ops-hook channel; it is
// not started: rules are evaluated when a test steps it or test-sends one.
func alertScheduler(tb testing.TB, db *warehouse.DB, eng *metrics.Engine, reps *reports.Set) (*alerts.Scheduler, *hookReceiver) {
	tb.Helper()
	rc := &hookReceiver{}
	hook := httptest.NewServer(rc)
	tb.Cleanup(hook.Close)
	reg := alerts.NewRegistry(map[string]alerts.Factory{webhook.Channel: func(s map[string]any, _ []string) (notify.Notifier, error) {
		return webhook.New(webhook.Config{URL: s["url"].(string), Secret: s["secret"].(string)}, notify.Options{})
	}})
	if err := reg.Add(alerts.ChannelConfig{Name: "ops-hook", Type: webhook.Channel,
		Settings: map[string]any{"url": hook.URL, "secret": "e2e-hook-secret-0123456789"}}); err != nil {
		tb.Fatal(err)
	}
	store, err := alerts.OpenStore(context.Background(), db)
	if err != nil {
		tb.Fatal(err)
	}
	sc, err := alerts.New(alerts.Config{Store: store, Querier: eng, Channels: reg, Reports: reps, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	return sc, rc
}

// startBeacon serves the test bank with its dashboards on 127.0.0.1:0;
// with a secret, authentication is on.
func startBeacon(tb testing.TB, secret string) beacon {
	tb.Helper()
	return startBeaconOn(tb, bank, metricstest.DemoEngine(tb, bank, metrics.EngineConfig{}), secret)
}

// startBeaconOn serves db through eng.
func startBeaconOn(tb testing.TB, db *warehouse.DB, eng *metrics.Engine, secret string) beacon {
	tb.Helper()
	ds, err := models.DemoDashboards()
	if err != nil {
		tb.Fatal(err)
	}
	// The browser tests share the machine with every other test package: a
	// query may wait longer for a turn than a quiet server would let it.
	adm := server.DefaultAdmission()
	adm.MaxWait = time.Minute
	// The demo bank's declared reports: their pages, and the subscriptions
	// that send them.
	reps, err := reports.Demo(eng)
	if err != nil {
		tb.Fatal(err)
	}
	sc, hook := alertScheduler(tb, db, eng, reps)
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Dashboards: ds, Admission: adm, Alerts: sc, Reports: reps,
		Chat: queries.NewChat(eng, queries.ChatConfig{DB: db}), Auth: server.AuthConfig{Secret: []byte(secret)},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(ln)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return beacon{url: "http://" + ln.Addr().String(), alerts: sc, hook: hook}
}

// token signs a token the way `beacon token` does.
func token(tb testing.TB, role string, branches ...string) string {
	tb.Helper()
	c := jwt.MapClaims{"sub": "e2e-" + role, "role": role, "exp": time.Now().Add(time.Hour).Unix()}
	if len(branches) > 0 {
		c["branches"] = branches
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// query runs a metric query through the API, as an independent check of
// what the page shows.
func (b beacon) query(tb testing.TB, tok string, q map[string]any, format string) []byte {
	tb.Helper()
	body, _ := json.Marshal(q)
	u := b.url + "/api/v1/query"
	if format != "" {
		u += "?format=" + format
	}
	req, _ := http.NewRequest("POST", u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		tb.Fatalf("POST /api/v1/query %s: %d %s", body, resp.StatusCode, out)
	}
	return out
}

func (b beacon) rows(tb testing.TB, tok string, q map[string]any) []map[string]any {
	tb.Helper()
	var r struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(b.query(tb, tok, q, ""), &r); err != nil {
		tb.Fatal(err)
	}
	return r.Rows
}

// tab is a browser tab whose console errors and requests are watched.
type tab struct {
	ctx context.Context
	mu  sync.Mutex
	// problems are console errors, exceptions and requests to other hosts.
	problems []string
	// allowNetErrors tolerates HTTP error statuses the browser logs (a sign-in
	// page probes the API without a token and gets 401).
	allowNetErrors bool
	// refusing tolerates 400 answers the browser logs while a test sends
	// bad input on purpose, to see the API's refusal beside its field.
	refusing bool
	shots    string
}

// refused runs steps that send bad input on purpose: the API's 400
// answers are expected then, and only then.
func (tt *tab) refused(steps func()) {
	tt.mu.Lock()
	tt.refusing = true
	tt.mu.Unlock()
	defer func() {
		tt.mu.Lock()
		tt.refusing = false
		tt.mu.Unlock()
	}()
	steps()
}

// newBrowser starts headless Chromium; tabs opened from the returned
// context share it.
func newBrowser(tb testing.TB) context.Context {
	tb.Helper()
	exe := chromium(tb)
	assetsBuilt(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 860), chromedp.Flag("lang", "zh-CN"),
		// No background traffic to other hosts: every request must go to 127.0.0.1.
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider"))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	tb.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(alloc)
	tb.Cleanup(cancel2)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int]("1")); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// openTab opens a tab that records every console error, uncaught exception
// and request to a host other than 127.0.0.1 as a problem.
func openTab(tb testing.TB, browserCtx context.Context, shots string) *tab {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	tb.Cleanup(cancel)
	tt := &tab{ctx: ctx, shots: shots}
	console := chromedp.Console(ctx)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
				continue
			}
			tt.mu.Lock()
			// A 503 is load shedding: the page waits as Retry-After says and
			// asks again, so it is not an error of the page.
			shed := m.Source == "network" && strings.Contains(m.Text, "status of 503")
			refusal := tt.refusing && m.Source == "network" && strings.Contains(m.Text, "status of 400")
			if !shed && !refusal && !(tt.allowNetErrors && m.Source == "network") {
				tt.problems = append(tt.problems, fmt.Sprintf("console %s: %s (%s)", m.Type, m.Text, m.URL))
			}
			tt.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			u, perr := url.Parse(ev.Request.URL)
			if perr != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Hostname() != "127.0.0.1") {
				tt.mu.Lock()
				tt.problems = append(tt.problems, "request to another host: "+ev.Request.URL)
				tt.mu.Unlock()
			}
		}
	}()
	tb.Cleanup(func() { tt.check(tb) })
	return tt
}

// check fails the test on any problem seen so far.
func (tt *tab) check(tb testing.TB) {
	tb.Helper()
	tt.mu.Lock()
	defer tt.mu.Unlock()
	for _, p := range tt.problems {
		tb.Error(p)
	}
	tt.problems = nil
}

func (tt *tab) do(tb testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tt.ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tt.shot(tb, "failed-"+strings.ReplaceAll(tb.Name(), "/", "-"))
		tb.Fatal(err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](tb testing.TB, tt *tab, expr string) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tt.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.Fatalf("%s: %v", expr, err)
	}
	return v
}

// wait polls a JavaScript condition until it holds.
func (tt *tab) wait(tb testing.TB, cond string) {
	tb.Helper()
	tt.do(tb, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(75*time.Second))(ctx, t)
		if err != nil {
			state, _ := chromedp.Evaluate[string](pageState)(ctx, t)
			return fmt.Errorf("waiting for %s: %w\npage state:\n%s", cond, err, state)
		}
		return nil
	}))
}

// pageState sums up each card of the page (waiting, an error and its text,
// a chart drawn or not), so that a wait that times out says what it saw.
const pageState = `[...document.querySelectorAll('article')].map(a => {
	const err = a.querySelector('.error');
	const what = err ? 'error: ' + err.textContent.trim()
		: a.querySelector('.panel-wait, [aria-busy=true]') ? 'waiting'
		: a.querySelector('.chart') ? (a.querySelector('.chart canvas') ? 'chart drawn' : 'chart not drawn')
		: a.innerText.replace(/\s+/g, ' ').slice(0, 120);
	return (a.getAttribute('aria-label') || a.className) + ': ' + what;
}).join('\n') || document.body.innerText.slice(0, 2000)`

// shot saves a screenshot of the viewport as NAME.png.
func (tt *tab) shot(tb testing.TB, name string) {
	tb.Helper()
	if tt.shots == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tt.ctx, 60*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(tt.shots, name+".png"), png, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// shotAt scrolls the element sel into view (its bottom at the window's
// bottom with end, else its top at the top) and takes a screenshot.
func (tt *tab) shotAt(tb testing.TB, name, sel string, end bool) {
	tb.Helper()
	eval[bool](tb, tt, fmt.Sprintf(`(document.querySelector(%q).scrollIntoView({block: %q}), true)`, sel, map[bool]string{true: "end", false: "start"}[end]))
	tt.shot(tb, name)
	eval[bool](tb, tt, `(scrollTo(0, 0), true)`)
}

// shotsDir is where screenshots go: BEACON_SCREENSHOTS or a temp folder.
func shotsDir(tb testing.TB) string {
	if d := os.Getenv("BEACON_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
		return d
	}
	return tb.TempDir()
}

// ask types a question into the Ask page and waits for its answer.
func (tt *tab) ask(tb testing.TB, question string, n int) {
	tb.Helper()
	tt.do(tb, chromedp.SendKeys(chromedp.ID("ask-input"), question),
		chromedp.Click(chromedp.CSS(".ask-form button[type=submit]")))
	tt.wait(tb, fmt.Sprintf(`document.querySelectorAll('article.answer[data-state=done]').length === %d`, n))
}

// cellValue reads the raw value of a result cell of the n-th answer.
func cellValue(tb testing.TB, tt *tab, scope, col string) float64 {
	tb.Helper()
	return eval[float64](tb, tt, fmt.Sprintf(`Number(document.querySelector(%q).querySelector('td[data-col=%s]').dataset.value)`, scope, col))
}

// layoutShift is the page's cumulative layout shift so far, not counting
// shifts right after the user's own input (as browsers score it).
func layoutShift(tb testing.TB, tt *tab) float64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tt.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`new Promise(done => {
		const o = new PerformanceObserver(list => {
			done(list.getEntries().filter(e => !e.hadRecentInput).reduce((a, e) => a + e.value, 0));
			o.disconnect();
		});
		o.observe({type: 'layout-shift', buffered: true});
		setTimeout(() => done(0), 300);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func pct(v float64) string { return fmt.Sprintf("%.2f%%", v*100) }

// statesPct says whether a sentence gives v as a percent, to two decimals
// (Chinese answers) or one (English ones).
func statesPct(sentence string, v float64) bool {
	return strings.Contains(sentence, pct(v)) || strings.Contains(sentence, fmt.Sprintf("%.1f%%", v*100))
}

// TestFront walks the pages as an executive would, with authentication
// off (loopback), checking each figure shown against the query API.
func TestFront(t *testing.T) {
	ctxB := newBrowser(t)
	b := startBeacon(t, "")
	shots := shotsDir(t)
	tt := openTab(t, ctxB, shots)
	t.Logf("screenshots in %s", shots)

	t.Run("ask in Chinese", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))
		// A monthly history reaches through its last month: 2026-11, not a
		// first day that reads as stale.
		if got := eval[string](t, tt, `document.querySelector('[data-data-to]').textContent`); !regexp.MustCompile(`^\d{4}-\d{2}（月度快照）$`).MatchString(got) {
			t.Errorf("the header says the data reaches %q, want its last month", got)
		}
		if got := eval[string](t, tt, `document.querySelector('[data-session]').dataset.session`); got != "off" {
			t.Errorf("session badge says %q, want off (auth is off on loopback)", got)
		}
		if z := eval[string](t, tt, `document.querySelector('[data-zone]').textContent`); z != "Asia/Shanghai" {
			t.Errorf("time zone shown %q, want Asia/Shanghai", z)
		}
		tt.ask(t, "上个月高净值客户流失率是多少？", 1)
		// One figure is shown as a figure, not as an empty chart box.
		tt.wait(t, `document.querySelector('article.answer:nth-child(1) [data-kpi]') !== null`)
		if n := eval[int](t, tt, `document.querySelectorAll('article.answer:nth-child(1) .chart').length`); n != 0 {
			t.Errorf("a one-figure answer draws %d chart boxes", n)
		}
		want := b.rows(t, "", map[string]any{"metrics": []string{"churn_rate"},
			"filters": []map[string]any{{"dimension": "segment", "op": "eq", "value": "高净值"}}, "time": map[string]any{"range": "last_month"}})
		if len(want) != 1 {
			t.Fatalf("query API gave %d rows, want 1", len(want))
		}
		w := want[0]["churn_rate"].(float64)
		if got := cellValue(t, tt, "article.answer:nth-child(1)", "churn_rate"); !near(got, w) {
			t.Errorf("answer table shows churn_rate %v, the query API %v", got, w)
		}
		sentence := eval[string](t, tt, `document.querySelector('article.answer:nth-child(1) .sentence').textContent`)
		if !strings.Contains(sentence, pct(w)) {
			t.Errorf("sentence %q does not state %s", sentence, pct(w))
		}
		if kpi := eval[string](t, tt, `document.querySelector('article.answer:nth-child(1) [data-kpi]').textContent`); kpi != pct(w) {
			t.Errorf("the answer's figure reads %q, want %s", kpi, pct(w))
		}
		rng := eval[string](t, tt, `document.querySelector('article.answer:nth-child(1) [data-reading=range]').textContent`)
		if !strings.Contains(rng, "2026-10-01 – 2026-10-31") || !strings.Contains(rng, "Asia/Shanghai") {
			t.Errorf("reading of the range %q lacks its dates and zone", rng)
		}
		if f := eval[string](t, tt, `document.querySelector('article.answer:nth-child(1) [data-reading=filters]').textContent`); !strings.Contains(f, "高净值") {
			t.Errorf("reading of the filters %q lacks 高净值", f)
		}
		if sql := eval[string](t, tt, `document.querySelector('article.answer:nth-child(1) details.sql pre').textContent`); !strings.Contains(sql, "SELECT") {
			t.Errorf("folded SQL missing: %q", sql)
		}
		tt.shot(t, "ask")
		if cls := layoutShift(t, tt); cls >= 0.1 {
			t.Errorf("Ask: cumulative layout shift %.3f while the answer loaded; want < 0.1", cls)
		}
	})

	t.Run("follow-up", func(t *testing.T) {
		tt.ask(t, "那上海呢？", 2)
		f := eval[string](t, tt, `document.querySelector('article.answer:nth-child(2) [data-reading=filters]').textContent`)
		if !strings.Contains(f, "高净值") || !strings.Contains(f, "上海") {
			t.Fatalf("follow-up reading %q should keep 高净值 and add 上海", f)
		}
		want := b.rows(t, "", map[string]any{"metrics": []string{"churn_rate"}, "time": map[string]any{"range": "last_month"},
			"filters": []map[string]any{{"dimension": "segment", "op": "eq", "value": "高净值"}, {"dimension": "city", "op": "eq", "value": "上海"}}})
		if got, w := cellValue(t, tt, "article.answer:nth-child(2)", "churn_rate"), want[0]["churn_rate"].(float64); !near(got, w) {
			t.Errorf("follow-up shows %v, the query API %v", got, w)
		}
	})

	t.Run("refusal suggests metrics", func(t *testing.T) {
		tt.ask(t, "上个月的天气怎么样？", 3)
		if n := eval[int](t, tt, `document.querySelectorAll('article.answer:nth-child(3) button[data-metric]').length`); n == 0 {
			st := eval[string](t, tt, `document.querySelector('article.answer:nth-child(3)').dataset.status`)
			t.Errorf("a %s answer shows no suggested metrics as buttons", st)
		}
	})

	t.Run("English", func(t *testing.T) {
		tt.do(t, chromedp.Click(chromedp.ID("lang-switch")))
		tt.wait(t, `document.documentElement.lang === 'en' && document.querySelector('[data-nav=ask]').textContent === 'Ask'`)
		tt.do(t, chromedp.Click(chromedp.CSS(".ask-form button[type=button]"))) // a new conversation
		tt.ask(t, "What was the renewal rate last quarter?", 1)
		want := b.rows(t, "", map[string]any{"metrics": []string{"renewal_rate"}, "time": map[string]any{"range": "last_quarter"}})
		w := want[0]["renewal_rate"].(float64)
		if got := cellValue(t, tt, "article.answer:nth-child(1)", "renewal_rate"); !near(got, w) {
			t.Errorf("English answer shows %v, the query API %v", got, w)
		}
		sentence := eval[string](t, tt, `document.querySelector('article.answer:nth-child(1) .sentence').textContent`)
		if !statesPct(sentence, w) || !strings.Contains(strings.ToLower(sentence), "renewal") {
			t.Errorf("English sentence %q does not state the renewal rate %s", sentence, pct(w))
		}
		tt.shot(t, "ask-en")
		tt.do(t, chromedp.Click(chromedp.ID("lang-switch")))
		tt.wait(t, `document.documentElement.lang === 'zh-CN'`)
	})

	t.Run("routed answer: why-question shows its drivers", func(t *testing.T) {
		tt.do(t, chromedp.Click(chromedp.CSS(".ask-form button[type=button]"))) // a new conversation
		tt.ask(t, "为什么上个月流失率上升了？", 1)
		tt.wait(t, `document.querySelector('article.answer:nth-child(1) [data-route=explain] .drivers .chart canvas') !== null`)
		// The same explanation, asked of the explain API directly: the
		// route's documented defaults (last month against the month
		// before, by segment and region).
		st, body := b.api(t, "POST", "/explain", "", `{"metric":"churn_rate","dimensions":["segment","region"],"current":{"range":"last_month"}}`)
		var ex struct {
			CurrentValue float64 `json:"current_value"`
			Change       float64 `json:"change"`
			Breakdowns   []struct {
				Dimension string `json:"dimension"`
				Drivers   []struct {
					Value        string   `json:"value"`
					Contribution float64  `json:"contribution"`
					Share        *float64 `json:"share"`
				} `json:"drivers"`
			} `json:"breakdowns"`
		}
		if st != 200 || json.Unmarshal(body, &ex) != nil || len(ex.Breakdowns) != 2 {
			t.Fatalf("POST /api/v1/explain: %d %.300s", st, body)
		}
		const ans = "article.answer:nth-child(1) [data-route=explain]"
		for _, bd := range ex.Breakdowns {
			shown := eval[map[string]float64](t, tt, fmt.Sprintf(`Object.fromEntries([...document.querySelectorAll('%s [data-breakdown=%s]:not([data-drill]) tbody tr[data-driver]')]
				.map(tr => [tr.dataset.driver, Number(tr.querySelector('td[data-col=contribution]').dataset.value)]))`, ans, bd.Dimension))
			if len(shown) != len(bd.Drivers) {
				t.Errorf("by %s the page lists %d drivers, the explain API %d", bd.Dimension, len(shown), len(bd.Drivers))
			}
			for _, d := range bd.Drivers {
				if got, ok := shown[d.Value]; !ok || !near(got, d.Contribution) {
					t.Errorf("by %s, %s: the page shows contribution %v, the explain API %v", bd.Dimension, d.Value, got, d.Contribution)
				}
			}
		}
		if got := eval[float64](t, tt, `Number(document.querySelector('`+ans+` [data-figure=current_value]').dataset.value)`); !near(got, ex.CurrentValue) {
			t.Errorf("current value shown %v, the explain API %v", got, ex.CurrentValue)
		}
		if got := eval[float64](t, tt, `Number(document.querySelector('`+ans+` [data-figure=change]').dataset.value)`); !near(got, ex.Change) {
			t.Errorf("change shown %v, the explain API %v", got, ex.Change)
		}
		// The reading names the periods with their dates and zone.
		if cur := eval[string](t, tt, `document.querySelector('`+ans+` [data-reading=current]').textContent`); !strings.Contains(cur, "2026-10-01 – 2026-10-31") || !strings.Contains(cur, "Asia/Shanghai") {
			t.Errorf("the reading's current period %q lacks its dates and zone", cur)
		}
		if n := eval[int](t, tt, `document.querySelectorAll('`+ans+` .drivers .chart').length`); n < 2 {
			t.Errorf("%d contribution charts, want one per breakdown", n)
		}
		tt.shot(t, "ask-explain")
	})

	t.Run("metrics catalog", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/metrics/churn_rate"), chromedp.WaitVisible(chromedp.ID("metric-search")))
		tt.wait(t, `document.querySelector('.spark-box canvas') !== null`)
		tt.shot(t, "metrics")
		// The definition is in the page's language: the model's
		// description_zh in Chinese, its description in English.
		_, body := b.api(t, "GET", "/metrics/churn_rate/definition", "", "")
		var def struct {
			Description   string `json:"description"`
			DescriptionZH string `json:"description_zh"`
		}
		if err := json.Unmarshal(body, &def); err != nil || def.DescriptionZH == "" || def.Description == "" {
			t.Fatalf("churn_rate's definition lacks a language: %s", body)
		}
		if got := eval[string](t, tt, `document.querySelector('[data-definition]').textContent`); got != def.DescriptionZH {
			t.Errorf("the Chinese page defines churn_rate as %q, want the model's description_zh %q", got, def.DescriptionZH)
		}
		tt.do(t, chromedp.Click(chromedp.ID("lang-switch")))
		tt.wait(t, fmt.Sprintf(`(document.querySelector('[data-definition]') || {}).textContent === %q`, def.Description))
		tt.do(t, chromedp.Click(chromedp.ID("lang-switch")))
		tt.wait(t, fmt.Sprintf(`(document.querySelector('[data-definition]') || {}).textContent === %q`, def.DescriptionZH))
		tt.do(t, chromedp.SendKeys(chromedp.ID("metric-search"), "renewal"))
		tt.wait(t, `document.querySelectorAll('.metric-list li').length === 1`)
		if got := eval[string](t, tt, `document.querySelector('.metric-list li').textContent`); !strings.Contains(got, "续约率") {
			t.Errorf("searching renewal lists %q, want 续约率", got)
		}
	})

	t.Run("explore and download CSV", func(t *testing.T) {
		dl := t.TempDir()
		if _, err := chromedp.CallBrowser(tt.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dl}); err != nil {
			t.Fatal(err)
		}
		// A link with a mistyped metric shows another one, and says so.
		tt.do(t, chromedp.Navigate(b.url+"/explore?m=churn_rat&by=branch"))
		tt.wait(t, `document.querySelector('[data-unknown-metric]') !== null && location.search.includes('m=churn_rate')`)
		if s := eval[string](t, tt, `document.querySelector('[data-unknown-metric]').textContent`); !strings.Contains(s, `"churn_rat"`) || !strings.Contains(s, "churn_rate") {
			t.Errorf("the notice for an unknown metric reads %q, want it to name churn_rat and the metric shown", s)
		}
		tt.do(t, chromedp.Navigate(b.url+"/explore?m=aum&by=segment&grain=&range=last_quarter&compare=previous_period"))
		tt.wait(t, `document.querySelector('.result[aria-busy=false] table') !== null && document.querySelector('.chart canvas') !== null`)
		if eval[bool](t, tt, `document.querySelector('[data-unknown-metric]') !== null`) {
			t.Error("a link with a known metric shows the unknown-metric notice")
		}
		q := map[string]any{"metrics": []string{"aum"}, "dimensions": []string{"segment"}, "time": map[string]any{"range": "last_quarter"},
			"compare": "previous_period", "limit": 5000}
		want := b.rows(t, "", q)
		if n := eval[int](t, tt, `document.querySelectorAll('.result tbody tr').length`); n != len(want) {
			t.Errorf("explore shows %d rows, the query API %d", n, len(want))
		}
		got := eval[[]string](t, tt, `[...document.querySelectorAll('.result td[data-col=aum]')].map(td => td.dataset.value)`)
		for i, r := range want {
			if i >= len(got) || fmt.Sprint(r["aum"]) != fmt.Sprint(mustFloat(t, got[i])) {
				t.Errorf("row %d: aum %v on the page, %v from the API", i, got, r["aum"])
				break
			}
		}
		// Each column in one unit, named in its heading.
		cols := tableColumns(t, tt, ".result")
		if cols["aum"].Unit == nil || cols["aum_delta"].Unit == nil {
			t.Errorf("explore's AUM columns carry no unit: %+v", cols)
		}
		for name, c := range cols {
			checkOneUnit(t, "explore "+name, c)
		}
		if loc := eval[string](t, tt, `location.search`); !strings.Contains(loc, "m=aum") || !strings.Contains(loc, "by=segment") || !strings.Contains(loc, "compare=previous_period") {
			t.Errorf("the URL %q does not hold the state", loc)
		}
		tt.shotAt(t, "explore", ".result table", true)
		tt.do(t, chromedp.Click(chromedp.CSS("button[data-download=csv]")))
		file := downloaded(dl, "*.csv", func(b []byte) bool { return bytes.HasSuffix(b, []byte("\n")) })
		if file == nil {
			t.Fatal("no CSV was downloaded")
		}
		if wantCSV := b.query(t, "", q, "csv"); !bytes.Equal(file, wantCSV) {
			t.Errorf("downloaded CSV differs from the API's:\n%s\nwant:\n%s", file, wantCSV)
		}
		// XLSX, from the report renderer: a zip (Office Open XML) file.
		tt.do(t, chromedp.Click(chromedp.CSS("button[data-download=xlsx]")))
		xlsx := downloaded(dl, "*.xlsx", func(b []byte) bool { return len(b) >= 100 && bytes.Contains(b[len(b)-100:], []byte("PK\x05\x06")) })
		if len(xlsx) < 100 || !bytes.HasPrefix(xlsx, []byte("PK")) {
			t.Errorf("no XLSX was downloaded (%d bytes)", len(xlsx))
		}

		// A filter: the row added stays while its values are picked, then
		// the result is the query API's with that filter.
		tt.do(t, chromedp.Click(chromedp.CSS("button[data-add-filter]")))
		tt.wait(t, `document.querySelector('.filter-row select#ex-fd-0') !== null`)
		setField(t, tt, "#ex-fd-0", "segment")
		// The options are drawn from the catalog, then again from the
		// dimension's values: pick one in the same turn as finding it.
		tt.wait(t, `(() => { const s = document.querySelector('#ex-fv-0'); const o = s && s.querySelector('option[value="高净值"]'); if (!o) return false;
			o.selected = true; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
		tt.wait(t, `location.search.includes('f=segment') && document.querySelector('.result[aria-busy=false]') !== null && document.querySelectorAll('.result tbody tr').length === 1`)
		fq := map[string]any{"metrics": []string{"aum"}, "dimensions": []string{"segment"}, "time": map[string]any{"range": "last_quarter"},
			"compare": "previous_period", "filters": []map[string]any{{"dimension": "segment", "op": "eq", "value": "高净值"}}}
		fw := b.rows(t, "", fq)
		if len(fw) != 1 || fmt.Sprint(fw[0]["aum"]) != fmt.Sprint(cellValue(t, tt, ".result", "aum")) {
			t.Errorf("filtered explore shows aum %v, the query API %v", cellValue(t, tt, ".result", "aum"), fw)
		}
	})

	t.Run("dashboard", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/dashboards/executive_retention"))
		// Six KPI cards with a value and five charts drawn, no error card.
		tt.wait(t, `document.querySelectorAll('.panel').length > 0 && document.querySelectorAll('.panel .panel-wait, .panel .error').length === 0 &&
			document.querySelectorAll('.kpi-value[data-metric]').length === 7 &&
			[...document.querySelectorAll('.panel .chart')].filter(c => c.querySelector('canvas')).length === 5`)
		want := b.rows(t, "", map[string]any{"metrics": []string{"churn_rate"}, "time": map[string]any{"range": "last_month"}, "compare": "previous_period"})
		got := eval[float64](t, tt, `Number(document.querySelector('.kpi-value[data-metric=churn_rate]').dataset.value)`)
		if w := want[0]["churn_rate"].(float64); !near(got, w) {
			t.Errorf("churn KPI %v, the query API %v", got, w)
		}
		// High-risk customers: the latest scored month's high tier, as the
		// scores table counts it.
		hr := warehousetest.Rows(t, bank, `SELECT count(*) FROM risk_scores WHERE tier = 'high' AND month = (SELECT max(month) FROM risk_scores)`)
		if got, w := eval[float64](t, tt, `Number(document.querySelector('.kpi-value[data-metric=high_risk_customers]').dataset.value)`), hr[0][0].(float64); got != w || w == 0 {
			t.Errorf("high-risk KPI %v, the scores table %v", got, w)
		}
		if cls := layoutShift(t, tt); cls >= 0.1 {
			t.Errorf("dashboard: cumulative layout shift %.3f while its panels loaded; want < 0.1", cls)
		}
		tt.do(t, chromedp.ScrollIntoView(chromedp.CSS("h1")))
		tt.shot(t, "dashboard")
		// On a tablet the page fits its width: nothing scrolls sideways.
		tt.do(t, chromedp.EmulateViewport(820, 1180))
		// Charts redraw at the new width when their resize observers fire,
		// which a loaded machine may delay: wait for the layout to settle.
		tt.wait(t, `document.documentElement.scrollWidth <= innerWidth`)
		tt.shot(t, "dashboard-tablet")
		tt.do(t, chromedp.EmulateViewport(1280, 860))
		// A shared filter reaches every panel it can cut.
		tt.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('db-f-segment');
			s.value = '高净值'; s.dispatchEvent(new Event('change', {bubbles: true})); })()`))
		want = b.rows(t, "", map[string]any{"metrics": []string{"churn_rate"}, "time": map[string]any{"range": "last_month"}, "compare": "previous_period",
			"filters": []map[string]any{{"dimension": "segment", "op": "eq", "value": "高净值"}}})
		w := want[0]["churn_rate"].(float64)
		tt.wait(t, fmt.Sprintf(`location.search.includes('segment=') && Math.abs(Number(document.querySelector('.kpi-value[data-metric=churn_rate]').dataset.value) - %v) < 1e-12`, w))
	})

	t.Run("watch list", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))
		tt.do(t, chromedp.Click(chromedp.CSS("[data-nav=watchlist]")))
		tt.wait(t, `document.querySelector('.watch table tbody tr') !== null`)
		n := eval[int](t, tt, `document.querySelectorAll('.watch tbody tr').length`)
		tiers := eval[[]string](t, tt, `[...new Set([...document.querySelectorAll('.watch tbody .tier')].map(e => e.className))]`)
		want := warehousetest.Rows(t, bank, `SELECT count(*) FROM risk_scores WHERE tier = 'high' AND month = (SELECT max(month) FROM risk_scores)`)
		if w := int(want[0][0].(float64)); n != min(w, 100) || len(tiers) != 1 || tiers[0] != "tier tier-high" {
			t.Errorf("watch list shows %d rows of tiers %v; the scores table has %d high-risk customers", n, tiers, w)
		}
		tt.shot(t, "watchlist")

		// Record the action taken for the first customer: a cost that is not
		// a number is refused beside the field, then the action is stored.
		customer := eval[string](t, tt, `document.querySelector('.watch tbody tr td').textContent`)
		tt.do(t, chromedp.Click(chromedp.CSS(".watch tbody tr:first-child button")))
		tt.wait(t, `document.querySelector('form.record #ra-cost') !== null`)
		tt.refused(func() {
			setField(t, tt, "#ra-cost", "一百")
			tt.do(t, chromedp.Click(chromedp.CSS("form.record button[type=submit]")))
			tt.wait(t, `document.querySelector('form.record [data-field=cost] .field-error') !== null`)
			// The API's "cost: expected a number, got a string", in Chinese,
			// still naming the field.
			if e := eval[string](t, tt, `document.querySelector('form.record [data-field=cost] .field-error').textContent`); e != "cost：应为数字，收到的是文本" {
				t.Errorf("the error beside the cost reads %q, want it in Chinese naming cost", e)
			}
		})
		setField(t, tt, "#ra-cost", "120")
		setField(t, tt, "#ra-channel", "wechat")
		setField(t, tt, "#ra-note", "e2e 回访")
		tt.do(t, chromedp.Click(chromedp.CSS("form.record button[type=submit]")))
		tt.wait(t, `document.querySelector('form.record [data-recorded]') !== null`)
		tt.shot(t, "watchlist-record")
		got := warehousetest.Rows(t, bank, `SELECT count(*), any_value(cost), any_value(channel), any_value(recorded_by) FROM `+risk.RecordedActionsTable+
			` WHERE customer_id = `+customer+` AND note = 'e2e 回访'`)
		if len(got) != 1 || got[0][0].(float64) != 1 || got[0][1].(float64) != 120 || got[0][2] != "wechat" || got[0][3] != "local" {
			t.Errorf("the recorded action for customer %s: %v", customer, got)
		}
	})

	t.Run("alerts: create, edit, test-send, silence, delete", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))
		tt.do(t, chromedp.Click(chromedp.CSS("[data-nav=alerts]")))
		tt.wait(t, `document.querySelector('.alerts [data-new-rule]') !== null && document.querySelector('.alerts .progress') === null`)
		tt.do(t, chromedp.Click(chromedp.CSS("[data-new-rule]")))
		tt.wait(t, `document.querySelector('.rule-form input[name=channel]') !== null`)
		setField(t, tt, "#rf-id", "e2e-branch-churn")
		setField(t, tt, "#rf-name", "支行月流失率过高")
		setField(t, tt, "#rf-dim", "branch")
		setField(t, tt, "#rf-above", "3%")
		tt.do(t, chromedp.Click(chromedp.CSS(".rule-form input[name=channel][value=ops-hook]")))
		// The API's refusals appear beside the fields they name.
		tt.refused(func() {
			tt.do(t, chromedp.Click(chromedp.CSS(".rule-form button[type=submit]")))
			tt.wait(t, `document.querySelector('[data-field=above] .field-error') !== null`)
			if e := fieldError(t, tt, "above"); !strings.Contains(e, "above") {
				t.Errorf("the error beside above says %q", e)
			}
			setField(t, tt, "#rf-above", "0.01")
			setField(t, tt, "#rf-cron", "every morning")
			tt.do(t, chromedp.Click(chromedp.CSS(".rule-form button[type=submit]")))
			tt.wait(t, `document.querySelector('[data-field=cron] .field-error') !== null && document.querySelector('[data-field=above] .field-error') === null`)
			tt.shot(t, "alerts-edit")
		})
		setField(t, tt, "#rf-cron", "0 9 * * *")
		tt.do(t, chromedp.Click(chromedp.CSS(".rule-form button[type=submit]")))
		tt.wait(t, `document.querySelector('.rule-form') === null && document.querySelector('[data-rule=e2e-branch-churn]') !== null`)
		rule := func() map[string]any {
			st, body := b.api(t, "GET", "/alerts/e2e-branch-churn", "", "")
			var r map[string]any
			if st != 200 || json.Unmarshal(body, &r) != nil {
				t.Fatalf("GET the rule: %d %s", st, body)
			}
			return r
		}
		r := rule()
		if q, c := r["query"].(map[string]any), r["condition"].(map[string]any); fmt.Sprint(q["dimensions"]) != "[branch]" || c["above"] != 0.01 || c["kind"] != "threshold" {
			t.Errorf("the rule saved: query %v, condition %v", q, c)
		}

		// Edit: the threshold changes, the rest stays.
		tt.do(t, chromedp.Click(chromedp.CSS("[data-rule=e2e-branch-churn] [data-edit]")))
		tt.wait(t, `document.querySelector('.rule-form #rf-above') !== null`)
		if v := eval[string](t, tt, `document.querySelector('#rf-above').value`); v != "0.01" {
			t.Errorf("the edit form shows above %q, want 0.01", v)
		}
		setField(t, tt, "#rf-above", "0.02")
		tt.do(t, chromedp.Click(chromedp.CSS(".rule-form button[type=submit]")))
		tt.wait(t, `document.querySelector('.rule-form') === null && document.querySelector('[data-rule=e2e-branch-churn] [data-condition]').textContent.includes('> 2.00%')`)
		if r := rule(); r["condition"].(map[string]any)["above"] != 0.02 || r["name"] != "支行月流失率过高" {
			t.Errorf("after editing: %v", r)
		}

		// Test send: one message reaches the receiver.
		before, _ := b.hook.received()
		tt.do(t, chromedp.Click(chromedp.CSS("[data-rule=e2e-branch-churn] [data-test-send]")))
		tt.wait(t, `document.querySelector('[data-rule=e2e-branch-churn] [data-test-result] [data-delivery]') !== null`)
		if st := eval[string](t, tt, `document.querySelector('[data-test-result] [data-delivery]').dataset.delivery`); st != "sent" {
			t.Errorf("test send delivery: %s", st)
		}
		if n, last := b.hook.received(); n != before+1 || !strings.Contains(last, "支行月流失率过高") {
			t.Errorf("the receiver got %d messages (had %d), the last %.200s", n, before, last)
		}
		tt.shot(t, "alerts")

		// Silence the rule: a time already past is refused beside "until".
		tt.do(t, chromedp.Click(chromedp.CSS("[data-rule=e2e-branch-churn] [data-silence-rule]")))
		tt.wait(t, `document.querySelector('.silence-form #sf-until') !== null`)
		if v := eval[string](t, tt, `document.querySelector('#sf-rule').value`); v != "e2e-branch-churn" {
			t.Errorf("the silence form names rule %q", v)
		}
		tt.refused(func() {
			setField(t, tt, "#sf-until", "2020-01-01T09:00")
			tt.do(t, chromedp.Click(chromedp.CSS(".silence-form button[type=submit]")))
			tt.wait(t, `document.querySelector('[data-field=until] .field-error') !== null`)
			if e := fieldError(t, tt, "until"); !strings.Contains(e, "静默结束时间") || !strings.Contains(e, "2020-01-01") {
				t.Errorf("the error beside until reads %q, want it in Chinese with the time named", e)
			}
		})
		setField(t, tt, "#sf-until", time.Now().Add(48*time.Hour).Format("2006-01-02T15:04"))
		setField(t, tt, "#sf-reason", "月末批处理")
		tt.do(t, chromedp.Click(chromedp.CSS(".silence-form button[type=submit]")))
		tt.wait(t, `document.querySelector('.silence-form') === null && document.querySelectorAll('[data-silence]').length === 1`)
		st, body := b.api(t, "GET", "/silences", "", "")
		var sl struct {
			Silences []struct{ ID, Rule, Reason string } `json:"silences"`
		}
		if json.Unmarshal(body, &sl); st != 200 || len(sl.Silences) != 1 || sl.Silences[0].Rule != "e2e-branch-churn" || sl.Silences[0].Reason != "月末批处理" {
			t.Fatalf("silences after adding one: %d %s", st, body)
		}
		tt.do(t, chromedp.Click(chromedp.CSS("[data-end-silence]")))
		tt.wait(t, `document.querySelector('[data-no-silences]') !== null`)
		if _, body := b.api(t, "GET", "/silences", "", ""); !strings.Contains(string(body), `"silences":[]`) {
			t.Errorf("after ending the silence: %s", body)
		}

		// Delete, confirmed.
		tt.do(t, chromedp.Click(chromedp.CSS("[data-rule=e2e-branch-churn] [data-delete]")))
		tt.do(t, chromedp.Click(chromedp.CSS("[data-rule=e2e-branch-churn] [data-confirm-delete]")))
		tt.wait(t, `document.querySelector('[data-rule=e2e-branch-churn]') === null`)
		if st, _ := b.api(t, "GET", "/alerts/e2e-branch-churn", "", ""); st != 404 {
			t.Errorf("after deleting, GET the rule: %d", st)
		}
	})

	t.Run("subscriptions: create, edit, test-send, history, delete", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))
		tt.do(t, chromedp.Click(chromedp.CSS("[data-nav=subscriptions]")))
		tt.wait(t, `document.querySelector('.subscriptions [data-new-sub]') !== null && document.querySelector('[data-no-subs]') !== null`)
		// The declared report links to its page, which opens.
		href := eval[string](t, tt, `document.querySelector('[data-report=weekly_retention] a').getAttribute('href')`)
		if href != "/reports/weekly_retention?lang=zh" {
			t.Errorf("the report's link is %q", href)
		}
		if resp, err := http.Get(b.url + href); err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", href, resp, err)
		} else {
			resp.Body.Close()
		}

		tt.do(t, chromedp.Click(chromedp.CSS("[data-new-sub]")))
		tt.wait(t, `document.querySelector('[data-sub-form] input[name=channel]') !== null`)
		if id := eval[string](t, tt, `document.activeElement.id`); id != "sf2-id" {
			t.Errorf("the new form puts the focus on %q, want its first field", id)
		}
		setField(t, tt, "#sf2-id", "e2e-weekly")
		setField(t, tt, "#sf2-name", "每周留存周报（测试）")
		setField(t, tt, "#sf2-report", "weekly_retention")
		tt.do(t, chromedp.Click(chromedp.CSS("[data-sub-form] input[name=channel][value=ops-hook]")))
		tt.refused(func() {
			setField(t, tt, "#sf2-cron", "every monday")
			tt.do(t, chromedp.Click(chromedp.CSS("[data-sub-form] button[type=submit]")))
			tt.wait(t, `document.querySelector('[data-field=cron] .field-error') !== null`)
			if e := fieldError(t, tt, "cron"); !strings.Contains(e, `"every monday" 不是有效的 cron 表达式`) {
				t.Errorf("the error beside the schedule says %q, want it in Chinese naming what was typed", e)
			}
			tt.shot(t, "subscriptions-edit")
		})
		setField(t, tt, "#sf2-cron", "0 9 * * 1")
		tt.do(t, chromedp.Click(chromedp.CSS("[data-sub-form] button[type=submit]")))
		tt.wait(t, `document.querySelector('[data-sub-form]') === null && document.querySelector('[data-sub=e2e-weekly]') !== null`)
		sub := func() map[string]any {
			st, body := b.api(t, "GET", "/subscriptions/e2e-weekly", "", "")
			var r map[string]any
			if st != 200 || json.Unmarshal(body, &r) != nil {
				t.Fatalf("GET the subscription: %d %s", st, body)
			}
			return r
		}
		if r := sub(); r["report"] != "weekly_retention" || r["schedule"].(map[string]any)["cron"] != "0 9 * * 1" ||
			fmt.Sprint(r["channels"]) != "[map[name:ops-hook]]" || r["name"] != "每周留存周报（测试）" {
			t.Errorf("the subscription saved: %v", r)
		}
		if a := eval[string](t, tt, `document.querySelector('[data-sub=e2e-weekly] [data-report-link]').getAttribute('href')`); a != "/reports/weekly_retention?lang=zh" {
			t.Errorf("the subscription's report link is %q", a)
		}

		// Edit: the name and the message language change, the rest stays.
		tt.do(t, chromedp.Click(chromedp.CSS("[data-sub=e2e-weekly] [data-edit]")))
		tt.wait(t, `document.querySelector('[data-sub-form] #sf2-name') !== null`)
		if v := eval[string](t, tt, `document.querySelector('#sf2-cron').value`); v != "0 9 * * 1" {
			t.Errorf("the edit form shows the schedule %q", v)
		}
		setField(t, tt, "#sf2-name", "每周留存周报")
		setField(t, tt, "#sf2-lang", "en")
		tt.do(t, chromedp.Click(chromedp.CSS("[data-sub-form] button[type=submit]")))
		tt.wait(t, `document.querySelector('[data-sub-form]') === null && document.querySelector('[data-sub=e2e-weekly] h2').textContent.trim() === '每周留存周报'`)
		if r := sub(); r["name"] != "每周留存周报" || r["lang"] != "en" || r["schedule"].(map[string]any)["cron"] != "0 9 * * 1" {
			t.Errorf("after editing: %v", r)
		}

		// Send a test now: the receiver gets the report, the history shows it.
		before, _ := b.hook.received()
		tt.do(t, chromedp.Click(chromedp.CSS("[data-sub=e2e-weekly] [data-test-send]")))
		tt.wait(t, `document.querySelector('[data-sub=e2e-weekly] [data-test-result] [data-delivery]') !== null`)
		if st := eval[string](t, tt, `document.querySelector('[data-sub=e2e-weekly] [data-test-result] [data-delivery]').dataset.delivery`); st != "sent" {
			t.Errorf("test send delivery: %s", st)
		}
		if n, last := b.hook.received(); n != before+1 || !strings.Contains(last, "每周留存周报") {
			t.Errorf("the receiver got %d messages (had %d), the last %.200s", n, before, last)
		}
		tt.wait(t, `document.querySelector('[data-sub=e2e-weekly] tr[data-delivery-row=sent]') !== null`)
		st, body := b.api(t, "GET", "/subscriptions/e2e-weekly/history", "", "")
		var h struct {
			Deliveries []struct{ Status string } `json:"deliveries"`
		}
		if json.Unmarshal(body, &h); st != 200 || len(h.Deliveries) == 0 {
			t.Fatalf("history: %d %s", st, body)
		}
		if n := eval[int](t, tt, `document.querySelectorAll('[data-sub=e2e-weekly] tr[data-delivery-row]').length`); n != len(h.Deliveries) {
			t.Errorf("the page lists %d deliveries, the history API %d", n, len(h.Deliveries))
		}
		// Channel settings never reach the page.
		if html := eval[string](t, tt, `document.documentElement.outerHTML`); strings.Contains(html, "e2e-hook-secret") {
			t.Error("the page shows the channel's secret")
		}
		tt.shot(t, "subscriptions")

		// Delete, confirmed.
		tt.do(t, chromedp.Click(chromedp.CSS("[data-sub=e2e-weekly] [data-delete]")))
		tt.do(t, chromedp.Click(chromedp.CSS("[data-sub=e2e-weekly] [data-confirm-delete]")))
		tt.wait(t, `document.querySelector('[data-sub=e2e-weekly]') === null`)
		if st, _ := b.api(t, "GET", "/subscriptions/e2e-weekly", "", ""); st != 404 {
			t.Errorf("after deleting, GET the subscription: %d", st)
		}

		// The report's page, as the link opens it: drawn, with no console
		// error (its icon is Beacon's own) and nothing from another host.
		tt.do(t, chromedp.Navigate(b.url+href))
		tt.wait(t, `document.querySelector('h1') !== null && document.readyState === 'complete'`)
		if title := eval[string](t, tt, `document.querySelector('h1').textContent`); !strings.Contains(title, "留存") {
			t.Errorf("the report page's title is %q", title)
		}
	})

	t.Run("reports in the navigation", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))
		tt.wait(t, `document.querySelector('details[data-nav=reports] summary') !== null`)
		tt.do(t, chromedp.Click(chromedp.CSS("details[data-nav=reports] summary")))
		tt.wait(t, `document.querySelector('details[data-nav=reports]').open`)
		// The menu lists what the session declares, each in the page's language.
		var sess struct {
			Reports []struct{ Name string } `json:"reports"`
		}
		if st, body := b.api(t, "GET", "/session", "", ""); st != 200 || json.Unmarshal(body, &sess) != nil {
			t.Fatalf("session: %d %s", st, body)
		}
		listed := eval[[]string](t, tt, `[...document.querySelectorAll('details[data-nav=reports] a[data-report]')].map(a => a.dataset.report)`)
		if len(listed) != len(sess.Reports) || !slices.Contains(listed, "weekly_retention") {
			t.Errorf("the Reports menu lists %v; the session declares %+v", listed, sess.Reports)
		}
		lang := eval[string](t, tt, `document.documentElement.lang === 'en' ? 'en' : 'zh'`)
		href := eval[string](t, tt, `document.querySelector('details[data-nav=reports] a[data-report=weekly_retention]').getAttribute('href')`)
		if href != "/reports/weekly_retention?lang="+lang {
			t.Errorf("the weekly report's link is %q, want it in the page's language (%s)", href, lang)
		}
		tt.shot(t, "reports-menu")
		// In the other language the link follows.
		other := map[string]string{"zh": "en", "en": "zh"}[lang]
		tt.do(t, chromedp.Click(chromedp.ID("lang-switch")))
		tt.wait(t, fmt.Sprintf(`(document.querySelector('details[data-nav=reports] a[data-report=weekly_retention]') || {getAttribute: () => ''}).getAttribute('href') === '/reports/weekly_retention?lang=%s'`, other))
		tt.do(t, chromedp.Click(chromedp.ID("lang-switch")))
		tt.wait(t, fmt.Sprintf(`document.documentElement.lang.startsWith(%q)`, lang))
		// It opens: the report's page, drawn.
		tt.do(t, chromedp.Navigate(b.url+href))
		tt.wait(t, `document.querySelector('h1') !== null && document.readyState === 'complete'`)
		if title := eval[string](t, tt, `document.querySelector('h1').textContent`); lang == "zh" && !strings.Contains(title, "留存") || lang == "en" && !strings.Contains(strings.ToLower(title), "retention") {
			t.Errorf("the weekly report opens with the title %q", title)
		}
	})

	t.Run("pin answers to my dashboard", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))
		tt.ask(t, "上个月高净值客户流失率是多少？", 1)
		tt.do(t, chromedp.Click(chromedp.CSS("article.answer:nth-child(1) button[data-pin]")))
		tt.wait(t, `document.querySelector('article.answer:nth-child(1) [data-pinned]') !== null`)
		tt.ask(t, "上个月各支行流失率", 2)
		tt.wait(t, `document.querySelector('article.answer:nth-child(2) .chart canvas') !== null`)
		tt.shotAt(t, "ask-chart", "article.answer:nth-child(2)", false)
		tt.do(t, chromedp.Click(chromedp.CSS("article.answer:nth-child(2) button[data-pin]")))
		tt.wait(t, `document.querySelector('article.answer:nth-child(2) [data-pinned]') !== null`)
		pins := b.pins(t, "")
		if len(pins) != 2 || pins[0].Kind != "kpi" || pins[1].Title != "上个月各支行流失率" {
			t.Fatalf("pins saved: %+v", pins)
		}
		// To the dashboard within the page: ECharts is loaded already, and a
		// chart mounted after it must still be drawn.
		tt.do(t, chromedp.Click(chromedp.CSS("article.answer:nth-child(2) [data-pinned] a")))
		tt.wait(t, `document.querySelectorAll('.pins [data-pin]').length === 2 && document.querySelectorAll('.pins .panel-wait, .pins .error').length === 0 &&
			document.querySelector('.pins .kpi-value[data-metric=churn_rate]') !== null && document.querySelector('.pins .chart canvas') !== null`)
		want := b.rows(t, "", map[string]any{"metrics": []string{"churn_rate"},
			"filters": []map[string]any{{"dimension": "segment", "op": "eq", "value": "高净值"}}, "time": map[string]any{"range": "last_month"}})
		got := eval[float64](t, tt, `Number(document.querySelector('.pins .kpi-value[data-metric=churn_rate]').dataset.value)`)
		if w := want[0]["churn_rate"].(float64); !near(got, w) {
			t.Errorf("the pinned KPI shows %v, the query API %v", got, w)
		}
		branches := warehousetest.Rows(t, bank, `SELECT count(DISTINCT branch_name) FROM branches`)
		drawn := eval[int](t, tt, chartCategories+`.length`)
		if w := int(branches[0][0].(float64)); drawn != w {
			t.Errorf("the pinned chart draws %d branches; the bank has %d", drawn, w)
		}
		tt.do(t, chromedp.ScrollIntoView(chromedp.CSS(".pins")))
		tt.shot(t, "pins")
		tt.do(t, chromedp.Click(chromedp.CSS(".pins [data-unpin]")))
		tt.wait(t, `document.querySelectorAll('.pins [data-pin]').length === 1`)
		if pins := b.pins(t, ""); len(pins) != 1 || pins[0].Title != "上个月各支行流失率" {
			t.Errorf("after removing the first pin the server keeps %+v", pins)
		}
		tt.do(t, chromedp.Click(chromedp.CSS(".pins [data-unpin]")))
		tt.wait(t, `document.querySelectorAll('.pins [data-pin]').length === 0`)
	})
}

// api calls the API with a token ("" for none) and returns the status and body.
func (b beacon) api(tb testing.TB, method, path, tok, body string) (int, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, b.url+"/api/v1"+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// setField sets a form control's value as a user would, firing input and
// change events.
func setField(tb testing.TB, tt *tab, sel, value string) {
	tb.Helper()
	eval[bool](tb, tt, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
		e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, sel, value))
}

// fieldError is the error shown beside a form field ("" when none).
func fieldError(tb testing.TB, tt *tab, field string) string {
	tb.Helper()
	return eval[string](tb, tt, fmt.Sprintf(`(document.querySelector('[data-field=%s] .field-error') || {}).textContent || ''`, field))
}

// chartCategories reads the category axis of the first chart in the pins
// section from its ECharts instance: what the chart draws, as text.
const chartCategories = `(echarts.getInstanceByDom(document.querySelector('.pins .chart')).getOption().xAxis[0].data)`

// pin is a pin as GET /api/v1/pins lists it.
type pin struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Kind  string `json:"kind"`
}

// pins lists the token's pins through the API.
func (b beacon) pins(tb testing.TB, tok string) []pin {
	tb.Helper()
	req, _ := http.NewRequest("GET", b.url+"/api/v1/pins", nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct {
		Pins []pin `json:"pins"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || resp.StatusCode != 200 {
		tb.Fatalf("GET /api/v1/pins: %d %v", resp.StatusCode, err)
	}
	return v.Pins
}

// downloaded waits up to a minute for one file matching pattern in dir
// whose contents are whole (the browser may show a file before it has
// written all of it), and returns them; nil if none came.
func downloaded(dir, pattern string, whole func([]byte) bool) []byte {
	var last []byte
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		m, _ := filepath.Glob(filepath.Join(dir, pattern))
		if len(m) != 1 {
			continue
		}
		if b, err := os.ReadFile(m[0]); err == nil {
			last = b
			if whole(b) {
				return b
			}
		}
	}
	return last
}

func mustFloat(tb testing.TB, s string) float64 {
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		tb.Fatalf("not a number: %q", s)
	}
	return f
}

// TestScopedTokenSeesOnlyItsBranch signs in with a token scoped to one
// branch and looks for any other branch's name on every page.
func TestScopedTokenSeesOnlyItsBranch(t *testing.T) {
	ctxB := newBrowser(t)
	b := startBeacon(t, secret)
	shots := shotsDir(t)
	var branches []string
	for _, r := range warehousetest.Rows(t, bank, `SELECT DISTINCT branch_name FROM branches ORDER BY 1`) {
		branches = append(branches, r[0].(string))
	}
	mine := "上海浦东支行"
	if !slices.Contains(branches, mine) {
		t.Fatalf("the demo bank has no %s: %v", mine, branches)
	}
	others := slices.DeleteFunc(slices.Clone(branches), func(s string) bool { return s == mine })
	tok := token(t, "executive", mine)

	t.Run("sign-in page", func(t *testing.T) {
		tt := openTab(t, ctxB, shots)
		tt.allowNetErrors = true // the page learns that a token is needed from a 401
		tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("token-input")))
		tt.shot(t, "signin")
		tt.do(t, chromedp.SendKeys(chromedp.ID("token-input"), tok), chromedp.Click(chromedp.CSS(".signin button[type=submit]")),
			chromedp.WaitVisible(chromedp.ID("ask-input")))
		if s := eval[string](t, tt, `document.querySelector('[data-scope]').textContent`); !strings.Contains(s, mine) {
			t.Errorf("the header's scope %q does not name %s", s, mine)
		}
	})

	tt := openTab(t, ctxB, "")
	noOther := func(t *testing.T, page string) {
		t.Helper()
		text := eval[string](t, tt, `document.body.innerText`)
		for _, o := range others {
			if strings.Contains(text, o) {
				t.Errorf("%s shows %s to a token scoped to %s", page, o, mine)
			}
		}
	}
	t.Run("ask", func(t *testing.T) {
		// The token arrives in the URL fragment, which never reaches a server.
		tt.do(t, chromedp.Navigate(b.url+"/ask#token="+tok), chromedp.WaitVisible(chromedp.ID("ask-input")))
		if h := eval[string](t, tt, `location.hash`); h != "" {
			t.Errorf("the token stays in the address bar: %q", h)
		}
		tt.ask(t, "上个月各支行流失率", 1)
		got := eval[[]string](t, tt, `[...document.querySelectorAll('article.answer td[data-col=branch]')].map(td => td.dataset.value)`)
		if len(got) != 1 || got[0] != mine {
			t.Errorf("branches in the answer %v, want only %s", got, mine)
		}
		noOther(t, "Ask")
	})
	t.Run("explore", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/explore?m=churned_customers&by=branch&grain=month&range=last_6_months"))
		tt.wait(t, `document.querySelector('.result[aria-busy=false] table') !== null`)
		got := eval[[]string](t, tt, `[...new Set([...document.querySelectorAll('.result td[data-col=branch]')].map(td => td.dataset.value))]`)
		if len(got) != 1 || got[0] != mine {
			t.Errorf("branches in Explore %v, want only %s", got, mine)
		}
		noOther(t, "Explore")
	})
	t.Run("dashboard", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/dashboards/executive_retention"))
		tt.wait(t, `document.querySelectorAll('.panel').length > 0 && document.querySelectorAll('.panel .panel-wait').length === 0`)
		got := eval[[]string](t, tt, `[...document.querySelectorAll('.panel td[data-col=branch]')].map(td => td.dataset.value)`)
		if len(got) != 1 || got[0] != mine {
			t.Errorf("branches on the dashboard %v, want only %s", got, mine)
		}
		want := b.rows(t, tok, map[string]any{"metrics": []string{"churn_rate"}, "time": map[string]any{"range": "last_month"}, "compare": "previous_period"})
		got1 := eval[float64](t, tt, `Number(document.querySelector('.kpi-value[data-metric=churn_rate]').dataset.value)`)
		if w := want[0]["churn_rate"].(float64); !near(got1, w) {
			t.Errorf("scoped churn KPI %v, the scoped query API %v", got1, w)
		}
		hr := warehousetest.Rows(t, bank, `SELECT count(*) FROM risk_scores s JOIN customers c USING (customer_id) JOIN branches b ON b.branch_id = c.branch_id
			WHERE s.tier = 'high' AND s.month = (SELECT max(month) FROM risk_scores) AND b.branch_name = '`+mine+`'`)
		if got, w := eval[float64](t, tt, `Number(document.querySelector('.kpi-value[data-metric=high_risk_customers]').dataset.value)`), hr[0][0].(float64); got != w {
			t.Errorf("scoped high-risk KPI %v, the scores table %v for %s", got, w, mine)
		}
		// The shared filters offer only values the branch has rows for:
		// its own region, the segments of its customers (hand SQL).
		for dim, sql := range map[string]string{
			"region":  `SELECT DISTINCT region FROM branches WHERE branch_name = '` + mine + `' ORDER BY 1`,
			"segment": `SELECT DISTINCT m.segment FROM customer_months m JOIN branches b USING (branch_id) WHERE b.branch_name = '` + mine + `' AND m.segment IS NOT NULL ORDER BY 1`,
		} {
			var want []string
			for _, r := range warehousetest.Rows(t, bank, sql) {
				want = append(want, r[0].(string))
			}
			tt.wait(t, fmt.Sprintf(`document.querySelectorAll('#db-f-%s option').length === %d`, dim, len(want)+1))
			got := eval[[]string](t, tt, fmt.Sprintf(`[...document.querySelectorAll('#db-f-%s option')].map(o => o.value).filter(Boolean).sort()`, dim))
			if !slices.Equal(got, want) {
				t.Errorf("the %s filter offers %v to a head of %s, whose rows have %v", dim, got, mine, want)
			}
		}
		noOther(t, "Dashboard")
	})
	t.Run("metrics", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/metrics/churn_rate"), chromedp.WaitVisible(chromedp.ID("metric-search")))
		tt.wait(t, `document.querySelector('.spark-box canvas') !== null`)
		noOther(t, "Metrics")
	})
	t.Run("pins", func(t *testing.T) {
		tt.do(t, chromedp.Navigate(b.url+"/ask"), chromedp.WaitVisible(chromedp.ID("ask-input")))
		tt.ask(t, "上个月各支行流失率", 1)
		tt.do(t, chromedp.Click(chromedp.CSS("article.answer:nth-child(1) button[data-pin]")))
		tt.wait(t, `document.querySelector('article.answer:nth-child(1) [data-pinned]') !== null`)
		tt.do(t, chromedp.Click(chromedp.CSS("[data-nav=dashboards]")))
		tt.wait(t, `document.querySelectorAll('.pins [data-pin]').length === 1 && document.querySelector('.pins .chart canvas') !== null`)
		if got := eval[[]string](t, tt, chartCategories); len(got) != 1 || got[0] != mine {
			t.Errorf("the pinned chart draws branches %v for a token scoped to %s", got, mine)
		}
		noOther(t, "My dashboard")
		if p := b.pins(t, token(t, "viewer", others[0])); len(p) != 0 {
			t.Errorf("another user's pins list shows %d pins", len(p))
		}
	})
	t.Run("alerts", func(t *testing.T) {
		admin := token(t, "admin")
		rule := func(id, name, subject, branch string) string {
			return fmt.Sprintf(`{"id":%q,"name":%q,"query":{"metrics":["churn_rate"],"dimensions":["branch"],"time":{"range":"last_month"}},
				"condition":{"kind":"threshold","above":-1},"schedule":{"cron":"0 9 * * *","time_zone":"Asia/Shanghai"},
				"channels":[{"name":"ops-hook"}],"owner":{"subject":%q,"scope":{"branch":[%q]}}}`, id, name, subject, branch)
		}
		for _, r := range []string{rule("e2e-mine", "本支行流失率", "e2e-executive", mine), rule("e2e-other", "流失率："+others[0], "e2e-head-2", others[0])} {
			if st, body := b.api(t, "POST", "/alerts", admin, r); st != 201 {
				t.Fatalf("create rule: %d %s", st, body)
			}
		}
		t.Cleanup(func() {
			b.api(t, "DELETE", "/alerts/e2e-mine", admin, "")
			b.api(t, "DELETE", "/alerts/e2e-other", admin, "")
		})
		if _, err := b.alerts.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		until := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
		st, body := b.api(t, "POST", "/silences", admin, fmt.Sprintf(`{"rule":"e2e-other","until":%q,"reason":"%s 月末"}`, until, others[0]))
		if st != 201 {
			t.Fatalf("create silence: %d %s", st, body)
		}
		var sl struct{ ID string }
		json.Unmarshal(body, &sl)
		t.Cleanup(func() { b.api(t, "DELETE", "/silences/"+sl.ID, admin, "") })

		tt.do(t, chromedp.Navigate(b.url+"/alerts"))
		tt.wait(t, `document.querySelector('[data-rule=e2e-mine] .state') !== null`)
		if n := eval[int](t, tt, `document.querySelectorAll('[data-rule]').length`); n != 1 {
			t.Errorf("a scoped executive sees %d rules, want only their own", n)
		}
		states := eval[string](t, tt, `document.querySelector('[data-rule=e2e-mine] .states').textContent`)
		if !strings.Contains(states, mine) {
			t.Errorf("the rule's states %q do not name %s", states, mine)
		}
		// An executive reads; the API lets analysts and admins write.
		if n := eval[int](t, tt, `document.querySelectorAll('[data-new-rule], [data-edit], [data-delete], [data-test-send], [data-add-silence], [data-end-silence]').length`); n != 0 {
			t.Errorf("an executive sees %d edit controls", n)
		}
		if eval[bool](t, tt, `document.querySelector('[data-read-only]') === null`) {
			t.Error("the page does not say the executive only reads")
		}
		noOther(t, "Alerts")
	})
	t.Run("subscriptions", func(t *testing.T) {
		admin := token(t, "admin")
		sub := func(id, name, subject, branch string) string {
			return fmt.Sprintf(`{"id":%q,"name":%q,"report":"weekly_retention","schedule":{"cron":"0 9 * * 1","time_zone":"Asia/Shanghai"},
				"channels":[{"name":"ops-hook"}],"owner":{"subject":%q,"scope":{"branch":[%q]}}}`, id, name, subject, branch)
		}
		for _, s := range []string{sub("e2e-mine-weekly", "本支行周报", "e2e-executive", mine), sub("e2e-other-weekly", "周报："+others[0], "e2e-head-2", others[0])} {
			if st, body := b.api(t, "POST", "/subscriptions", admin, s); st != 201 {
				t.Fatalf("create subscription: %d %s", st, body)
			}
		}
		t.Cleanup(func() {
			b.api(t, "DELETE", "/subscriptions/e2e-mine-weekly", admin, "")
			b.api(t, "DELETE", "/subscriptions/e2e-other-weekly", admin, "")
		})
		tt.do(t, chromedp.Navigate(b.url+"/subscriptions"))
		tt.wait(t, `document.querySelector('[data-sub=e2e-mine-weekly] [data-no-deliveries], [data-sub=e2e-mine-weekly] table') !== null`)
		if n := eval[int](t, tt, `document.querySelectorAll('[data-sub]').length`); n != 1 {
			t.Errorf("a scoped executive sees %d subscriptions, want only their own", n)
		}
		if n := eval[int](t, tt, `document.querySelectorAll('[data-new-sub], [data-edit], [data-delete], [data-test-send]').length`); n != 0 {
			t.Errorf("an executive sees %d edit controls", n)
		}
		// A link opens the report in a new tab without the Authorization
		// header, so it carries the token; the report is the scoped reader's.
		href := eval[string](t, tt, `document.querySelector('[data-sub=e2e-mine-weekly] [data-report-link]').getAttribute('href')`)
		if !strings.Contains(href, "access_token=") {
			t.Errorf("the report link %q carries no token", href)
		}
		resp, err := http.Get(b.url + href)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || strings.Contains(string(page), others[0]) {
			t.Errorf("the report page through the link: %d, shows %s: %v", resp.StatusCode, others[0], strings.Contains(string(page), others[0]))
		}
		noOther(t, "Subscriptions")
	})
	t.Run("watch list", func(t *testing.T) {
		for _, tier := range []string{"high", "medium", "low"} {
			tt.do(t, chromedp.Navigate(b.url+"/watchlist?tier="+tier))
			tt.wait(t, `document.querySelector('.watch table') !== null`)
			got := eval[[]string](t, tt, `[...new Set([...document.querySelectorAll('.watch td[data-col=branch]')].map(td => td.dataset.value))]`)
			if len(got) > 1 || (len(got) == 1 && got[0] != mine) {
				t.Errorf("watch list (%s) shows branches %v to a token scoped to %s", tier, got, mine)
			}
			noOther(t, "Watch list")
		}
		if n := eval[int](t, tt, `document.querySelectorAll('.watch tbody button').length`); n != 0 {
			t.Errorf("an executive sees %d record buttons; the API lets analysts record", n)
		}
	})
}
