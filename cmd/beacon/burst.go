package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// burst fires N distinct governed queries at once at a running server and
// reports their latency, how many were refused, what /readyz answered
// meanwhile and the server's peak resident memory.
func burst(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench burst", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server to load")
	n := fs.Int("n", 200, "concurrent queries, each distinct so none is answered from the cache")
	token := fs.String("token", os.Getenv("BEACON_TOKEN"), "bearer token, when the server has auth on")
	pid := fs.Int("pid", 0, "server process id, to sample its resident memory from /proc (0: not measured)")
	asOf := fs.String("as-of", "2026-10-31", "last day of the server's data; query months end here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r := runBurst(ctx, *base, *token, *n, *pid, *asOf)
	r.print(os.Stdout)
	return nil
}

// burstReport is what one burst measured.
type burstReport struct {
	N          int
	Statuses   map[int]int
	OK         []time.Duration // latency of 200 answers
	All        []time.Duration // latency of every answer
	RetryAfter []string
	Readyz     map[string]int // /readyz status (or error) -> count during the burst
	PeakRSS    int64          // bytes, sampled from /proc; 0 when not measured
	HWM        int64          // VmHWM at the end
	Wall       time.Duration
}

func runBurst(ctx context.Context, base, token string, n, pid int, asOf string) *burstReport {
	end, err := time.Parse("2006-01-02", asOf)
	if err != nil {
		end = time.Now()
	}
	rep := &burstReport{N: n, Statuses: map[int]int{}, Readyz: map[string]int{}}
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: n + 8, MaxConnsPerHost: 0}}
	var mu sync.Mutex
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	go func() { // /readyz every 100 ms, on its own connection as an orchestrator would
		defer bg.Done()
		probe := &http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			key := "error"
			if resp, err := probe.Get(base + "/readyz"); err == nil {
				key = strconv.Itoa(resp.StatusCode)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			rep.Readyz[key]++
			mu.Unlock()
		}
	}()
	if pid > 0 {
		bg.Add(1)
		go func() {
			defer bg.Done()
			for {
				if rss := procStatus(pid, "VmRSS"); rss > 0 {
					mu.Lock()
					rep.PeakRSS = max(rep.PeakRSS, rss)
					mu.Unlock()
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
	}
	metricsSets := [][]string{{"churn_rate", "aum"}, {"aum", "customers"}, {"churn_rate"}, {"renewal_rate", "aum"}}
	dims := [][]string{{"segment", "branch"}, {"branch"}, {"region", "segment"}, {"segment"}}
	start := time.Now()
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		// Distinct first months, metric sets and dimensions: no two of the
		// first 384 queries share a cache key.
		from := time.Date(end.Year(), end.Month()-time.Month(i%24), 1, 0, 0, 0, 0, time.UTC)
		q := map[string]any{"metrics": metricsSets[(i/24)%4], "dimensions": dims[(i/96)%4],
			"time": map[string]string{"grain": "month", "start": from.Format("2006-01-02"), "end": end.Format("2006-01-02")}}
		b, _ := json.Marshal(q)
		body := string(b)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			t0 := time.Now()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/query", bytes.NewBufferString(body))
			req.Header.Set("Content-Type", "application/json")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			status := 0
			ra := ""
			if resp, err := client.Do(req); err == nil {
				status = resp.StatusCode
				ra = resp.Header.Get("Retry-After")
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			rep.Statuses[status]++
			rep.All = append(rep.All, d)
			if status == http.StatusOK {
				rep.OK = append(rep.OK, d)
			}
			if ra != "" {
				rep.RetryAfter = append(rep.RetryAfter, ra)
			}
		}()
	}
	close(gate)
	wg.Wait()
	rep.Wall = time.Since(start)
	close(stop)
	bg.Wait()
	if pid > 0 {
		rep.HWM = procStatus(pid, "VmHWM")
	}
	return rep
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func (r *burstReport) print(w io.Writer) {
	fmt.Fprintf(w, "burst of %d uncached governed queries, wall %s\n", r.N, r.Wall.Round(time.Millisecond))
	fmt.Fprintf(w, "  statuses: %v (0 = no answer)\n", r.Statuses)
	fmt.Fprintf(w, "  all answers: p50 %s p99 %s max %s\n", pct(r.All, 50).Round(time.Millisecond), pct(r.All, 99).Round(time.Millisecond), pct(r.All, 100).Round(time.Millisecond))
	fmt.Fprintf(w, "  200 answers: %d, p50 %s p99 %s\n", len(r.OK), pct(r.OK, 50).Round(time.Millisecond), pct(r.OK, 99).Round(time.Millisecond))
	if len(r.RetryAfter) > 0 {
		slices.Sort(r.RetryAfter)
		fmt.Fprintf(w, "  Retry-After: min %s max %s\n", r.RetryAfter[0], r.RetryAfter[len(r.RetryAfter)-1])
	}
	fmt.Fprintf(w, "  /readyz during the burst: %v\n", r.Readyz)
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "  server RSS: peak sampled %d MiB, VmHWM %d MiB\n", r.PeakRSS>>20, r.HWM>>20)
	}
}

// procStatus reads a memory field (in kB) of /proc/PID/status, in bytes.
func procStatus(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
