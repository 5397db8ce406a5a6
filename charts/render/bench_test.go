package render

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beaconbi/beacon/web"
)

// Figures for the closing note (go test -run XXX -bench . ./charts/render):
// p50 and p99 of one chart, cold (a new browser) and warm (a pooled tab);
// a page of several charts; and the concurrency bound under load.

// latencies collects durations and reports their p50 and p99.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	at := func(q float64) float64 {
		return float64(l.d[min(len(l.d)-1, int(q*float64(len(l.d))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // the percentiles say it better
}

// reportMemory reports the memory of the browser's processes (proportional
// set size: shared pages split between the processes that share them).
func reportMemory(b *testing.B, r *Renderer) {
	r.mu.Lock()
	br := r.b
	r.mu.Unlock()
	if br == nil {
		return
	}
	if kb := treePSS(br.pid()); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "browser-MB")
	}
}

// treePSS sums the Pss (kB) of pid and its descendants, from /proc.
func treePSS(pid int) int {
	parent := map[int]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so cut after ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		id, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if len(fields) > 1 {
			parent[id], _ = strconv.Atoi(fields[1])
		}
	}
	inTree := func(id int) bool {
		for ; id > 1; id = parent[id] {
			if id == pid {
				return true
			}
		}
		return false
	}
	total := 0
	for id := range parent {
		if !inTree(id) {
			continue
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", id))
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Pss:"); ok {
				n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
				total += n
			}
		}
	}
	return total
}

// BenchmarkChartCold renders one chart with a new renderer each time: the
// browser's start, a tab, ECharts loaded, the chart.
func BenchmarkChartCold(b *testing.B) {
	ec, err := web.ECharts()
	if err != nil {
		b.Skip(err)
	}
	if New(Config{}).missing {
		b.Skip("no Chromium")
	}
	var lat latencies
	for b.Loop() {
		// A browser's cold start on a loaded machine can take longer
		// than the default render timeout.
		r := New(Config{ECharts: ec, Timeout: 2 * time.Minute})
		start := time.Now()
		if _, err := r.RenderOption(b.Context(), titleOption("流失率"), ChartWidth, ChartHeight); err != nil {
			b.Fatal(err)
		}
		lat.add(time.Since(start))
		r.Close()
	}
	lat.report(b)
}

// BenchmarkChartWarm renders one chart in a warm tab.
func BenchmarkChartWarm(b *testing.B) {
	r := newTestRenderer(b, Config{})
	opt := titleOption("流失率")
	if _, err := r.RenderOption(b.Context(), opt, ChartWidth, ChartHeight); err != nil {
		b.Fatal(err)
	}
	var lat latencies
	for b.Loop() {
		start := time.Now()
		if _, err := r.RenderOption(b.Context(), opt, ChartWidth, ChartHeight); err != nil {
			b.Fatal(err)
		}
		lat.add(time.Since(start))
	}
	lat.report(b)
	reportMemory(b, r)
}

// BenchmarkChartConcurrent has 8 callers per CPU render at once through the
// default 2 slots: the latencies include the wait for a slot, and
// max-running is the most renders seen in progress at once (the bound).
func BenchmarkChartConcurrent(b *testing.B) {
	r := newTestRenderer(b, Config{})
	opt := titleOption("流失率")
	if _, err := r.RenderOption(b.Context(), opt, ChartWidth, ChartHeight); err != nil {
		b.Fatal(err)
	}
	var most atomic.Int64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				if n := r.Stats().Running; n > most.Load() {
					most.Store(n)
				}
			}
		}
	}()
	var lat latencies
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := time.Now()
			if _, err := r.RenderOption(context.Background(), opt, ChartWidth, ChartHeight); err != nil {
				b.Error(err)
				return
			}
			lat.add(time.Since(start))
		}
	})
	close(stop)
	lat.report(b)
	b.ReportMetric(float64(most.Load()), "max-running")
	b.ReportMetric(float64(cap(r.slots)), "bound")
	reportMemory(b, r)
}

// reportPage is a page of six charts of the kinds a weekly report holds,
// loading ECharts from its own origin.
const reportPage = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<script src="/echarts.min.js"></script>
<style>body{margin:0;font-family:sans-serif} .c{width:900px;height:320px}</style></head>
<body><h1>每周留存报告</h1><div id="charts"></div>
<script>
const months = ['1月','2月','3月','4月','5月','6月','7月','8月','9月','10月','11月','12月'];
const segs = ['大众','财富','私行','小微'];
const rnd = (i, k) => Math.round(100 * (1 + Math.sin(i * 1.7 + k))) / 100;
const options = [
  {title: {text: '流失率'}, xAxis: {type: 'category', data: months}, yAxis: {}, series: segs.map((s, k) => ({name: s, type: 'line', data: months.map((_, i) => rnd(i, k))}))},
  {title: {text: '各客群留存率'}, xAxis: {type: 'category', data: segs}, yAxis: {}, series: [{type: 'bar', data: segs.map((_, k) => rnd(k, 1))}]},
  {title: {text: 'AUM 与净流入'}, xAxis: {type: 'category', data: months}, yAxis: [{}, {}], series: [{type: 'bar', data: months.map((_, i) => rnd(i, 2))}, {type: 'line', yAxisIndex: 1, data: months.map((_, i) => rnd(i, 3))}]},
  {title: {text: '投诉率'}, xAxis: {type: 'category', data: months}, yAxis: {}, series: [{type: 'line', data: months.map((_, i) => rnd(i, 4))}]},
  {title: {text: '客群贡献'}, series: [{type: 'pie', data: segs.map((s, k) => ({name: s, value: rnd(k, 5)}))}]},
  {title: {text: '分行 × 客群'}, xAxis: {type: 'category', data: segs}, yAxis: {}, series: ['北京','上海','深圳'].map((b, j) => ({name: b, type: 'bar', data: segs.map((_, k) => rnd(k, j))}))},
];
for (const o of options) {
  const div = document.createElement('div');
  div.className = 'c';
  document.getElementById('charts').appendChild(div);
  echarts.init(div).setOption(o);
}
</script></body></html>`

func reportSite(b *testing.B) string {
	ec, err := web.ECharts()
	if err != nil {
		b.Skip(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/echarts.min.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(ec)
	})
	mux.HandleFunc("/reports/weekly", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, reportPage)
	})
	s := httptest.NewServer(mux)
	b.Cleanup(s.Close)
	return s.URL + "/reports/weekly"
}

// BenchmarkReportPageCold captures a six-chart page with a new browser
// each time.
func BenchmarkReportPageCold(b *testing.B) {
	url := reportSite(b)
	if New(Config{}).missing {
		b.Skip("no Chromium")
	}
	var lat latencies
	for b.Loop() {
		r := New(Config{})
		start := time.Now()
		shot, err := r.CapturePage(b.Context(), url, 900, 0)
		if err != nil {
			b.Fatal(err)
		}
		if shot.Charts != 6 {
			b.Fatalf("%d charts drawn", shot.Charts)
		}
		lat.add(time.Since(start))
		r.Close()
	}
	lat.report(b)
}

// BenchmarkReportPageWarm captures the page with the browser running (each
// capture opens a fresh tab; the browser's cache holds ECharts).
func BenchmarkReportPageWarm(b *testing.B) {
	url := reportSite(b)
	r := newTestRenderer(b, Config{})
	if _, err := r.CapturePage(b.Context(), url, 900, 0); err != nil {
		b.Fatal(err)
	}
	var lat latencies
	for b.Loop() {
		start := time.Now()
		shot, err := r.CapturePage(b.Context(), url, 900, 0)
		if err != nil {
			b.Fatal(err)
		}
		if shot.Charts != 6 {
			b.Fatalf("%d charts drawn", shot.Charts)
		}
		lat.add(time.Since(start))
	}
	lat.report(b)
	reportMemory(b, r)
}
