// Package loadtest drives a running Beacon server on this machine with
// many concurrent clients and a mix of requests (cached and uncached
// governed queries, chat questions, CSV exports), and reports throughput,
// latency, statuses and the server's peak memory. Every run is bounded in
// requests and in time, and only loopback addresses are accepted.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kinds of request in the mix.
const (
	Cached   = "cached"   // the same governed query every time: answered from the cache
	Uncached = "uncached" // a governed query with a range, filter and limit that vary per request
	Chat     = "chat"     // a question to /api/v1/chat
	CSV      = "csv"      // a governed query answered as CSV
)

// Kinds are the kinds of request, in report order.
var Kinds = []string{Cached, Uncached, Chat, CSV}

// Config is one run.
type Config struct {
	// BaseURL is the server, e.g. http://127.0.0.1:8080; its host must be
	// a loopback address.
	BaseURL string
	Token   string
	// Clients send requests one after another, all at once.
	Clients int
	// Requests caps the requests of the whole run; Duration caps its time.
	Requests int
	Duration time.Duration
	// Weights of each kind in the mix (by name); nil is DefaultWeights.
	Weights map[string]int
	// AsOf is the last month of the server's data (YYYY-MM); uncached
	// queries pick ranges in the two years before it.
	AsOf string
	// Segments are values of the segment dimension for varying filters;
	// empty reads them from the server.
	Segments []string
	// PID is the server's process id, to sample its resident memory from
	// /proc (0: not measured).
	PID int
	// Timeout bounds one request (default 60s).
	Timeout time.Duration
	// Offset numbers this run's requests after another's, so that a
	// second run against the same server sends uncached queries the first
	// did not.
	Offset int
}

// DefaultWeights: mostly dashboards answered from the cache, then ad hoc
// queries, chat and exports.
var DefaultWeights = map[string]int{Cached: 4, Uncached: 3, Chat: 2, CSV: 1}

// Stats are the figures of one kind of request, or of all.
type Stats struct {
	N        int
	Statuses map[int]int // 0: no answer (transport error)
	Latency  []time.Duration
}

// Percentile is the q-th (0..1) latency of the answered requests.
func (s *Stats) Percentile(q float64) time.Duration {
	if len(s.Latency) == 0 {
		return 0
	}
	l := slices.Clone(s.Latency)
	slices.Sort(l)
	return l[min(len(l)-1, int(q*float64(len(l))))]
}

// Report is what a run measured.
type Report struct {
	Clients int
	Wall    time.Duration
	All     Stats
	ByKind  map[string]*Stats
	// Failures are answers other than 2xx, 4xx and the documented 503
	// with Retry-After: other 5xx, a 503 without Retry-After or JSON,
	// transport errors. A healthy server has none.
	Failures []string
	// PeakRSS is the highest resident memory sampled, HWM the kernel's
	// high-water mark at the end (bytes; 0 when not measured).
	PeakRSS, HWM int64
}

// Throughput is answered requests per second.
func (r *Report) Throughput() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.All.N) / r.Wall.Seconds()
}

// Run sends the mix from cfg.Clients clients until cfg.Requests have been
// sent or cfg.Duration has passed, whichever comes first.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := checkConfig(&cfg); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients}}
	if len(cfg.Segments) == 0 {
		cfg.Segments = segments(ctx, client, cfg)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	plan := mix(cfg.Weights)
	rep := &Report{Clients: cfg.Clients, ByKind: map[string]*Stats{}}
	for _, k := range Kinds {
		rep.ByKind[k] = &Stats{Statuses: map[int]int{}}
	}
	rep.All.Statuses = map[int]int{}
	var mu sync.Mutex
	var next atomic.Int64
	stopRSS := sampleRSS(cfg.PID, &rep.PeakRSS)
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < cfg.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= cfg.Requests {
					return
				}
				kind := plan[i%len(plan)]
				req, err := request(ctx, cfg, kind, cfg.Offset+i)
				if err != nil {
					mu.Lock()
					rep.Failures = append(rep.Failures, err.Error())
					mu.Unlock()
					return
				}
				status, lat, fail := send(client, req)
				if ctx.Err() != nil && status == 0 {
					return // cut off by the run's own deadline, not by the server
				}
				mu.Lock()
				for _, s := range []*Stats{&rep.All, rep.ByKind[kind]} {
					s.N++
					s.Statuses[status]++
					if status != 0 {
						s.Latency = append(s.Latency, lat)
					}
				}
				if fail != "" && len(rep.Failures) < 50 {
					rep.Failures = append(rep.Failures, kind+": "+fail)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rep.Wall = time.Since(start)
	stopRSS()
	rep.HWM = procStatus(cfg.PID, "VmHWM:")
	return rep, nil
}

func checkConfig(cfg *Config) error {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("load test: base URL %q is not a URL", cfg.BaseURL)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("load test: %s is not a loopback address; the load test only targets this machine", host)
	}
	if cfg.Clients < 1 || cfg.Clients > 1024 {
		return fmt.Errorf("load test: clients must be 1..1024, got %d", cfg.Clients)
	}
	if cfg.Requests < 1 || cfg.Requests > 1_000_000 {
		return fmt.Errorf("load test: requests must be 1..1000000, got %d", cfg.Requests)
	}
	if cfg.Duration <= 0 || cfg.Duration > time.Hour {
		return fmt.Errorf("load test: duration must be positive and at most 1h, got %s", cfg.Duration)
	}
	if _, err := time.Parse("2006-01", cfg.AsOf); err != nil {
		return fmt.Errorf("load test: as-of %q is not YYYY-MM", cfg.AsOf)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	if cfg.Weights == nil {
		cfg.Weights = DefaultWeights
	}
	return nil
}

// mix is one round of kinds, each repeated by its weight, interleaved.
func mix(weights map[string]int) []string {
	var out []string
	for round := 0; ; round++ {
		added := false
		for _, k := range Kinds {
			if round < weights[k] {
				out = append(out, k)
				added = true
			}
		}
		if !added {
			break
		}
	}
	if len(out) == 0 {
		out = []string{Cached}
	}
	return out
}

var questions = []string{
	"上个季度各客群的流失率", "what was the churn rate by segment last quarter",
	"本月各支行的AUM", "how many customers churned last month by region",
	"去年每个月的流失率趋势", "churn rate of high net worth customers by branch this year",
}

// request builds the i-th request of a kind.
func request(ctx context.Context, cfg Config, kind string, i int) (*http.Request, error) {
	asOf, _ := time.Parse("2006-01", cfg.AsOf)
	var method, path string
	var body any
	switch kind {
	case Cached:
		method, path = http.MethodGet, "/api/v1/metrics/churn_rate?by=segment&grain=month&start="+asOf.AddDate(-1, 0, 0).Format("2006-01-02")+"&end="+lastDay(asOf)
	case Uncached:
		// Each request differs in range, filter and limit, so that none
		// is answered from the cache or shares another's run.
		end := asOf.AddDate(0, -(i % 12), 0)
		start := end.AddDate(0, -(1 + i%11), 0)
		q := map[string]any{"metrics": []string{"churn_rate", "aum"}, "dimensions": []string{"branch"},
			"time": map[string]string{"start": start.Format("2006-01-02"), "end": end.AddDate(0, 1, -1).Format("2006-01-02")}, "limit": 1000 + i}
		if len(cfg.Segments) > 0 {
			q["filters"] = []map[string]any{{"dimension": "segment", "op": "neq", "value": cfg.Segments[i%len(cfg.Segments)]}}
		}
		method, path, body = http.MethodPost, "/api/v1/query", q
	case Chat:
		method, path, body = http.MethodPost, "/api/v1/chat", map[string]string{"question": questions[i%len(questions)]}
	case CSV:
		method, path = http.MethodGet, "/api/v1/metrics/aum?by=branch,segment&grain=quarter&start="+asOf.AddDate(-2, 0, 0).Format("2006-01-02")+"&end="+lastDay(asOf)+"&format=csv"
	default:
		return nil, fmt.Errorf("unknown kind %q", kind)
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(cfg.BaseURL, "/")+path, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
	}
	return req, nil
}

// lastDay is the last day of month m, as YYYY-MM-DD.
func lastDay(m time.Time) string { return m.AddDate(0, 1, -1).Format("2006-01-02") }

// send sends one request and reads the whole answer. fail describes an
// answer a healthy server never gives.
func send(client *http.Client, req *http.Request) (status int, lat time.Duration, fail string) {
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, time.Since(start), err.Error()
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	lat = time.Since(start)
	switch {
	case err != nil:
		return resp.StatusCode, lat, "reading the answer: " + err.Error()
	case resp.StatusCode == http.StatusServiceUnavailable:
		if resp.Header.Get("Retry-After") == "" || !json.Valid(body) {
			return resp.StatusCode, lat, "503 without Retry-After or a JSON error: " + clip(body)
		}
	case resp.StatusCode >= 500:
		return resp.StatusCode, lat, fmt.Sprintf("%d: %s", resp.StatusCode, clip(body))
	}
	return resp.StatusCode, lat, ""
}

func clip(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

// segments reads the segment dimension's values from the server; none
// when it has no such dimension.
func segments(ctx context.Context, client *http.Client, cfg Config) []string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.BaseURL, "/")+"/api/v1/dimensions", nil)
	if err != nil {
		return nil
	}
	if cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var v struct {
		Dimensions []struct {
			Name   string `json:"name"`
			Values []any  `json:"values"`
		} `json:"dimensions"`
	}
	if json.NewDecoder(resp.Body).Decode(&v) != nil {
		return nil
	}
	for _, d := range v.Dimensions {
		if d.Name != "segment" {
			continue
		}
		var out []string
		for _, x := range d.Values {
			switch x := x.(type) {
			case string:
				out = append(out, x)
			case map[string]any:
				if s, ok := x["value"].(string); ok {
					out = append(out, s)
				}
			}
		}
		return out
	}
	return nil
}

// sampleRSS records the highest VmRSS of pid every 50 ms until stopped.
func sampleRSS(pid int, peak *int64) (stop func()) {
	if pid <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if v := procStatus(pid, "VmRSS:"); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// procStatus reads one kB field of /proc/pid/status, in bytes.
func procStatus(pid int, field string) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}

// Print writes the report as a table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%d clients, %d requests in %s: %.1f req/s\n", r.Clients, r.All.N, r.Wall.Round(time.Millisecond), r.Throughput())
	fmt.Fprintf(w, "%-9s %6s %10s %10s  %s\n", "kind", "n", "p50", "p99", "statuses")
	for _, k := range append(slices.Clone(Kinds), "all") {
		s := &r.All
		if k != "all" {
			s = r.ByKind[k]
		}
		fmt.Fprintf(w, "%-9s %6d %10s %10s  %v\n", k, s.N, s.Percentile(0.5).Round(time.Millisecond), s.Percentile(0.99).Round(time.Millisecond), s.Statuses)
	}
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "server RSS: peak sampled %d MiB, VmHWM %d MiB\n", r.PeakRSS>>20, r.HWM>>20)
	}
	fmt.Fprintf(w, "failures (5xx other than 503 with Retry-After, transport errors): %d\n", len(r.Failures))
	for _, f := range r.Failures {
		fmt.Fprintf(w, "  %s\n", f)
	}
}
