package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/beaconbi/beacon/loadtest"
)

// benchLoad runs the load test against a running server on this machine:
// for each number of clients, a mix of cached and uncached governed
// queries, chat questions and CSV exports, bounded in requests and time.
// It exits non-zero when any answer is a server error other than the
// documented 503 with Retry-After.
func benchLoad(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench load", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server to load (loopback only)")
	clients := fs.String("clients", "32,128", "numbers of concurrent clients, one run each")
	requests := fs.Int("requests", 2000, "requests per run at most")
	duration := fs.Duration("duration", 60*time.Second, "length of each run at most")
	token := fs.String("token", os.Getenv("BEACON_TOKEN"), "bearer token, when the server has auth on")
	pid := fs.Int("pid", 0, "server process id, to sample its resident memory (0: not measured)")
	asOf := fs.String("as-of", "2026-09", "last month of the server's data (YYYY-MM)")
	mixFlag := fs.String("mix", "cached=4,uncached=3,chat=2,csv=1", "weights of each kind of request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	weights, err := parseWeights(*mixFlag)
	if err != nil {
		return err
	}
	failed, sent := 0, 0
	for _, c := range strings.Split(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil {
			return fmt.Errorf("--clients: %q is not a number", c)
		}
		rep, err := loadtest.Run(ctx, loadtest.Config{BaseURL: *base, Token: *token, Clients: n, Requests: *requests,
			Duration: *duration, Weights: weights, AsOf: *asOf, PID: *pid, Offset: sent})
		if err != nil {
			return err
		}
		rep.Print(os.Stdout)
		fmt.Println()
		failed += len(rep.Failures)
		sent += *requests
	}
	if failed > 0 {
		return fmt.Errorf("%d answers were server errors other than the documented 503", failed)
	}
	return nil
}

// parseWeights reads "kind=weight,..." over the kinds of loadtest.
func parseWeights(spec string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return nil, fmt.Errorf("--mix %q: want kind=weight, e.g. cached=4", part)
		}
		if !strings.Contains(","+strings.Join(loadtest.Kinds, ",")+",", ","+k+",") {
			return nil, fmt.Errorf("--mix: unknown kind %q (kinds: %s)", k, strings.Join(loadtest.Kinds, ", "))
		}
		out[k] = n
	}
	return out, nil
}
