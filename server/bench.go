package server

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/warehouse"
)

// BenchConfig sets what Bench measures.
type BenchConfig struct {
	DB      *warehouse.DB
	Catalog *metrics.Catalog
	Now     func() time.Time
	// Iterations per latency measurement; Clients and Duration for throughput.
	Iterations int
	Clients    int
	Duration   time.Duration
	Out        io.Writer
}

// BenchQueries are the queries Bench times: the headline query
// first (churn rate by segment by month).
var BenchQueries = []struct {
	Name  string
	Query metrics.Query
}{
	{"churn_rate by segment by month, last 12 months", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"},
		Time: &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}}},
	{"churn_rate + aum by branch by quarter, this year vs previous period", metrics.Query{Metrics: []string{"churn_rate", "aum"}, Dimensions: []string{"branch"},
		Time: &metrics.TimeSpec{Grain: "quarter", Range: "this_year"}, Compare: "previous_period"}},
	{"renewal_rate by region, last quarter", metrics.Query{Metrics: []string{"renewal_rate"}, Dimensions: []string{"region"},
		Time: &metrics.TimeSpec{Range: "last_quarter"}}},
}

// Latency summarises a series of timings.
type Latency struct{ P50, P99, Mean time.Duration }

func summarise(d []time.Duration) Latency {
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return Latency{P50: d[len(d)/2], P99: d[min(len(d)-1, len(d)*99/100)], Mean: sum / time.Duration(len(d))}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d.Microseconds())/1000) }

// Bench measures, for each benchmark query: compile time, the compiled SQL
// run directly on DuckDB, the same through HTTP with the cache off and on,
// and requests per second for the first query with concurrent clients.
func Bench(ctx context.Context, cfg BenchConfig) error {
	if cfg.Iterations == 0 {
		cfg.Iterations = 50
	}
	if cfg.Clients == 0 {
		cfg.Clients = 32
	}
	if cfg.Duration == 0 {
		cfg.Duration = 5 * time.Second
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	start := func(cache bool) (string, func(), *metrics.Engine, error) {
		ec := metrics.EngineConfig{Now: cfg.Now, QueryTimeout: 10 * time.Minute}
		if !cache {
			ec.CacheEntries = -1
		}
		eng, err := metrics.NewEngine(cfg.DB, cfg.Catalog, ec)
		if err != nil {
			return "", nil, nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", nil, nil, err
		}
		srv, err := New(Config{Addr: ln.Addr().String(), DB: cfg.DB, Engine: eng, Logger: quiet, Chat: queries.NewChat(eng, queries.ChatConfig{})})
		if err != nil {
			return "", nil, nil, err
		}
		go srv.Serve(ln)
		return "http://" + ln.Addr().String(), func() { srv.Shutdown(context.Background()) }, eng, nil
	}
	coldURL, stopCold, coldEngine, err := start(false)
	if err != nil {
		return err
	}
	defer stopCold()
	warmURL, stopWarm, _, err := start(true)
	if err != nil {
		return err
	}
	defer stopWarm()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	post := func(url string, body []byte) error {
		resp, err := client.Post(url+"/api/v1/query", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	out := cfg.Out
	fmt.Fprintf(out, "%-66s %12s %12s %12s %12s\n", "query", "compile p50", "", "p50", "p99")
	for _, bq := range BenchQueries {
		body, _ := json.Marshal(bq.Query)
		comp, err := coldEngine.Compile(bq.Query, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", bq.Name, err)
		}
		var compile, direct, cold, warm []time.Duration
		for i := 0; i < 2000; i++ {
			t := time.Now()
			if _, err := coldEngine.Compile(bq.Query, nil); err != nil {
				return err
			}
			compile = append(compile, time.Since(t))
		}
		if err := post(warmURL, body); err != nil { // fills the cache
			return fmt.Errorf("%s: %w", bq.Name, err)
		}
		for i := 0; i < cfg.Iterations; i++ {
			t := time.Now()
			if err := runDirect(ctx, cfg.DB, comp); err != nil {
				return fmt.Errorf("%s direct: %w", bq.Name, err)
			}
			direct = append(direct, time.Since(t))
			t = time.Now()
			if err := post(coldURL, body); err != nil {
				return fmt.Errorf("%s http: %w", bq.Name, err)
			}
			cold = append(cold, time.Since(t))
			t = time.Now()
			if err := post(warmURL, body); err != nil {
				return fmt.Errorf("%s http cached: %w", bq.Name, err)
			}
			warm = append(warm, time.Since(t))
		}
		c, d, h, w := summarise(compile), summarise(direct), summarise(cold), summarise(warm)
		fmt.Fprintf(out, "%s\n", bq.Name)
		fmt.Fprintf(out, "  %-64s %12s\n", "compile", ms(c.P50))
		fmt.Fprintf(out, "  %-64s %12s %12s %12s %12s\n", "DuckDB direct (compiled SQL, in-process)", "", "", ms(d.P50), ms(d.P99))
		fmt.Fprintf(out, "  %-64s %12s %12s %12s %12s\n", "HTTP /api/v1/query, cache off", "", "", ms(h.P50), ms(h.P99))
		fmt.Fprintf(out, "  %-64s %12s %12s %12s %12s\n", "HTTP overhead (cache off - direct)", "", "", ms(h.P50-d.P50), ms(h.P99-d.P99))
		fmt.Fprintf(out, "  %-64s %12s %12s %12s %12s\n", "HTTP ratio (cache off / direct)", "", "", fmt.Sprintf("%.2fx", float64(h.P50)/float64(d.P50)), fmt.Sprintf("%.2fx", float64(h.P99)/float64(d.P99)))
		fmt.Fprintf(out, "  %-64s %12s %12s %12s %12s\n", "HTTP /api/v1/query, cache warm", "", "", ms(w.P50), ms(w.P99))
	}

	if err := benchChat(ctx, cfg, client, warmURL, coldEngine); err != nil {
		return err
	}

	body, _ := json.Marshal(BenchQueries[0].Query)
	var done, failed atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(cfg.Duration)
	t0 := time.Now()
	for i := 0; i < cfg.Clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := post(warmURL, body); err != nil {
					failed.Add(1)
					continue
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	fmt.Fprintf(out, "throughput, %d concurrent clients, cached %q: %.0f requests/s (%d ok, %d failed in %s)\n",
		cfg.Clients, BenchQueries[0].Name, float64(done.Load())/el.Seconds(), done.Load(), failed.Load(), el.Round(time.Millisecond))
	return nil
}

// BenchQuestions are the questions the chat figures are measured on.
var BenchQuestions = []string{
	"上个月高净值客户流失率是多少？", "各分行本季度续约率排名", "近12个月每月的净流入", "今年各区域AUM同比",
	"哪个城市的挽回成功率最高", "上季度各客群贡献度", "churn rate by segment over the last 6 months",
	"top 5 branches by AUM this year", "renewal rate in Q3 2025 vs the same period last year", "monthly complaint rate this year",
}

// benchChat times the offline planner alone and /api/v1/chat end to end
// (plan, query, answer, chart) with the result cache warm and cold.
func benchChat(ctx context.Context, cfg BenchConfig, client *http.Client, url string, engine *metrics.Engine) error {
	planner := queries.NewOffline(engine.Catalog(), engine.Now).WithDataTime(engine)
	var plan []time.Duration
	for i := 0; i < 200; i++ {
		for _, q := range BenchQuestions {
			t := time.Now()
			planner.Plan(q, nil)
			plan = append(plan, time.Since(t))
		}
	}
	ask := func(q string) (time.Duration, error) {
		body, _ := json.Marshal(map[string]string{"question": q})
		t := time.Now()
		resp, err := client.Post(url+"/api/v1/chat", "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("chat %q: status %d", q, resp.StatusCode)
		}
		return time.Since(t), nil
	}
	var cold, warm []time.Duration
	for _, q := range BenchQuestions {
		d, err := ask(q) // first ask: the metric query runs on DuckDB
		if err != nil {
			return err
		}
		cold = append(cold, d)
		for i := 0; i < max(1, cfg.Iterations/5); i++ {
			d, err := ask(q)
			if err != nil {
				return err
			}
			warm = append(warm, d)
		}
	}
	p, c, w := summarise(plan), summarise(cold), summarise(warm)
	fmt.Fprintf(cfg.Out, "chat (%d questions)\n", len(BenchQuestions))
	fmt.Fprintf(cfg.Out, "  %-64s %12s %12s %12s %12s\n", "offline planner, no LLM", "", "", ms(p.P50), ms(p.P99))
	fmt.Fprintf(cfg.Out, "  %-64s %12s %12s %12s %12s\n", "POST /api/v1/chat end to end, first ask (query runs)", "", "", ms(c.P50), ms(c.P99))
	fmt.Fprintf(cfg.Out, "  %-64s %12s %12s %12s %12s\n", "POST /api/v1/chat end to end, asked again (cache warm)", "", "", ms(w.P50), ms(w.P99))
	return nil
}

func runDirect(ctx context.Context, db *warehouse.DB, comp *metrics.Compiled) error {
	return db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, comp.SQL, comp.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		vals := make([]any, len(comp.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
