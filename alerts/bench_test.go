package alerts

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// BenchmarkTick measures one scheduling step with 1,000 due rules on the
// default demo bank (50,000 customers, 24 months): every rule's query run
// under its owner's scope (the result cache emptied first, so each distinct
// query runs), states written, notices queued, and the outbox delivered to
// a channel that answers at once. Run with -benchtime=1x; it reports the
// heap in use after the step, the bytes allocated by it, and the
// process's peak resident memory during it (Go and DuckDB).
//
//	go test -run '^$' -bench Tick -benchtime 1x ./alerts/
func BenchmarkTick(b *testing.B) {
	customers, rules := 50_000, 1000
	if v, err := strconv.Atoi(os.Getenv("BEACON_BENCH_CUSTOMERS")); err == nil {
		customers = v // a smaller bank, to profile quickly
	}
	if v, err := strconv.Atoi(os.Getenv("BEACON_BENCH_RULES")); err == nil {
		rules = v
	}
	db, err := warehousetest.OpenDemo(customers, 24)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	engine := metricstest.DemoEngine(b, db, metrics.EngineConfig{})
	store, err := OpenStore(context.Background(), db)
	if err != nil {
		b.Fatal(err)
	}
	ch := fakeChannels{"ops": {name: "ops"}}
	c := &clock{t: warehousetest.Now()}
	sc, err := New(Config{Store: store, Querier: engine, Channels: ch, Now: c.now})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range benchRules(b, db, rules) {
		if err := sc.PutRule(context.Background(), r, OriginAPI); err != nil {
			b.Fatalf("rule %s: %v", r.ID, err)
		}
	}
	b.ResetTimer()
	var st StepStats
	var before, after runtime.MemStats
	var rssBefore float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		engine.SetCatalog(engine.Catalog()) // empties the result cache
		c.advance(24 * time.Hour)           // every rule due again
		runtime.GC()
		runtime.ReadMemStats(&before)
		resetPeakRSS()
		rssBefore = procStatus("VmRSS:")
		b.StartTimer()
		st, err = sc.Step(context.Background())
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	if st.Evaluated+st.Failed != rules || st.Failed > 0 {
		b.Fatalf("step evaluated %d rules, %d failed; want %d", st.Evaluated, st.Failed, rules)
	}
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/1e6, "MB-alloc/tick")
	b.ReportMetric(float64(after.HeapInuse)/1e6, "MB-heap")
	if peak := procStatus("VmHWM:"); peak > 0 {
		b.ReportMetric(peak/1e6, "MB-peak-rss")
		b.ReportMetric(rssBefore/1e6, "MB-rss-before")
	}
	b.ReportMetric(float64(st.Notices), "notices")
	b.ReportMetric(float64(st.Queries), "queries")
	b.ReportMetric(float64(st.Delivered), "delivered")
}

// resetPeakRSS restarts the kernel's count of the process's peak resident
// memory (Linux: "5" to /proc/self/clear_refs), so that the peak read after
// the step is the step's: Go's heap and DuckDB's buffers together, over
// the resident memory already there (the in-memory bank).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// procStatus reads a memory figure of /proc/self/status in bytes (VmRSS:
// now, VmHWM: the peak since resetPeakRSS), or 0 where it cannot be read.
func procStatus(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == field && f[2] == "kB" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb * 1024
		}
	}
	return 0
}

// benchRules are 1,000 rules over the demo model: ten metrics, five
// breakdowns, three kinds of condition, and a branch filter on half, so
// that most queries differ.
func benchRules(b *testing.B, db *warehouse.DB, n int) []*Rule {
	metricsList := []string{"churn_rate", "retention_rate", "aum", "net_inflow", "complaints", "complaint_rate", "deposits", "withdrawals", "churned_customers", "customers"}
	dims := [][]string{nil, {"branch"}, {"segment"}, {"region"}, {"channel"}}
	branches := warehousetest.Rows(b, db, `SELECT branch_name FROM branches ORDER BY branch_id`)
	var out []*Rule
	for i := 0; i < n; i++ {
		m := metricsList[i%len(metricsList)]
		q := metrics.Query{Metrics: []string{m}, Dimensions: dims[(i/len(metricsList))%len(dims)], Time: &metrics.TimeSpec{Range: "last_month"}}
		if i%2 == 1 {
			q.Filters = []metrics.Filter{{Dimension: "branch", Op: "eq", Value: branches[(i/2)%len(branches)][0]}}
		}
		var cond Condition
		switch i % 3 {
		case 0:
			cond = Condition{Kind: "threshold", Above: f64(float64(i % 7))}
		case 1:
			cond = Condition{Kind: "change", Compare: "previous_period", Change: "percent", Below: f64(-5)}
		default:
			cond = Condition{Kind: "band", Periods: 6, K: 2, Grain: "month"}
		}
		out = append(out, &Rule{ID: fmt.Sprintf("bench-%04d", i), Name: fmt.Sprintf("rule %d", i), Query: q, Condition: cond,
			Schedule: Schedule{Cron: "0 9 * * *", TimeZone: "Asia/Shanghai"}, Channels: []ChannelRef{{Name: "ops"}},
			Owner: Owner{Subject: "bench"}})
	}
	return out
}
