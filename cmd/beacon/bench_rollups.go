package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricsbench"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
)

// benchRollups times churn_rate by segment by month on the flat
// customer_month table from the base table, from a rollup and from the
// result cache, next to DuckDB running the same SQL directly, runs
// interleaved; then an append of one month with its rollup refresh
// against rebuilding the rollup whole and rewriting the table.
func benchRollups(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench rollups", flag.ContinueOnError)
	flatPath := fs.String("flat-db", "data/flat.duckdb", "DuckDB file of the flat table (written when missing or of another size)")
	customers := fs.Int("customers", 1_000_000, "customers in the flat table")
	months := fs.Int("months", 36, "months in the flat table")
	runs := fs.Int("runs", 30, "timed runs of each path")
	show := fs.Bool("show", false, "print the compiled SQL of both routes")
	appendMonth := fs.Bool("append", true, "also time appending a month against a full rebuild (minutes at 1M customers)")
	threads := fs.Int("threads", 0, "DuckDB worker threads (0: one per CPU, as serve's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *flatPath, warehouse.Options{Threads: *threads})
	if err != nil {
		return err
	}
	defer db.Close()
	size := fmt.Sprintf("%dx%d", *customers, *months)
	if have, _, _ := db.Meta(ctx, metricsbench.FlatSizeKey); have != size {
		fmt.Printf("writing customer_month (%s) into %s\n", size, *flatPath)
		if err := metricsbench.CreateFlat(ctx, db, *customers, *months); err != nil {
			return err
		}
	}
	if err := dropBenchMonth(ctx, db, *months); err != nil {
		return err
	}
	m, err := metrics.ParseModel(metricsbench.FlatModelFile, metricsbench.FlatModel)
	if err != nil {
		return err
	}
	m.Rollups = append(m.Rollups, &metrics.Rollup{Name: "segment_month", Source: "customer_month", Grain: "month", Dimensions: []string{"segment"},
		Measures: []string{"churned_customers", "customers_at_start", "balance_total", "customer_months", "balance_end"}})
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		return err
	}
	if err := cat.LoadValues(ctx, db); err != nil {
		return err
	}
	fmt.Printf("flat table customer_month: %d customers x %d months; DuckDB threads %d (0: one per CPU); load average %s\n", *customers, *months, *threads, loadAverage())
	start := time.Now()
	built, err := metrics.BuildRollups(ctx, db, cat, nil)
	if err != nil {
		return err
	}
	fmt.Printf("rollup segment_month built whole: %d rows in %s\n", built[0].Rows, time.Since(start).Round(time.Millisecond))

	base, err := metrics.NewEngine(db, cat, metrics.EngineConfig{CacheEntries: -1, QueryTimeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	rolled, err := metrics.NewEngine(db, cat, metrics.EngineConfig{CacheEntries: -1, QueryTimeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	cached, err := metrics.NewEngine(db, cat, metrics.EngineConfig{QueryTimeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	for _, e := range []*metrics.Engine{rolled, cached} {
		if _, err := e.RefreshRollupState(ctx); err != nil {
			return err
		}
	}
	end := metricsbench.FlatStart.AddDate(0, *months, -1)
	q := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"},
		Time: &metrics.TimeSpec{Grain: "month", Start: metricsbench.FlatStart.Format(time.DateOnly), End: end.Format(time.DateOnly)}}
	baseComp, err := base.Compile(q, nil)
	if err != nil {
		return err
	}
	rollComp, err := rolled.Compile(q, nil)
	if err != nil {
		return err
	}
	if len(rollComp.Rollups) == 0 {
		return fmt.Errorf("the query was not routed to the rollup")
	}
	if *show {
		fmt.Printf("base-table SQL:\n%s\n%v\nrollup SQL:\n%s\n%v\n", baseComp.SQL, baseComp.Args, rollComp.SQL, rollComp.Args)
	}
	direct := func(comp *metrics.Compiled, prepared bool) func() error {
		qctx := ctx
		if prepared {
			qctx = warehouse.Prepared(ctx)
		}
		return func() error {
			return db.Read(ctx, func(c *sql.Conn) error {
				rows, err := c.QueryContext(qctx, comp.SQL, comp.Args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
				}
				return rows.Err()
			})
		}
	}
	// As the engine runs it: kept prepared and, once checked, without the
	// read-only transaction around it.
	kept := func(comp *metrics.Compiled) func() error {
		return func() error {
			return db.ReadSelect(ctx, comp.SQL, comp.Args, func(rows *sql.Rows) error {
				for rows.Next() {
				}
				return rows.Err()
			})
		}
	}
	run := func(e *metrics.Engine, want string) func() error {
		return func() error {
			r, err := e.Run(ctx, q, nil)
			if err == nil && r.ServedFrom != want && !(want == "cache" && r.Cached) {
				err = fmt.Errorf("served from %s (cached %v), want %s", r.ServedFrom, r.Cached, want)
			}
			return err
		}
	}
	body, err := json.Marshal(q)
	if err != nil {
		return err
	}
	var urls []string
	for _, e := range []*metrics.Engine{base, rolled, cached} {
		url, stop, err := serveEngine(db, e)
		if err != nil {
			return err
		}
		defer stop()
		urls = append(urls, url)
	}
	client := &http.Client{}
	paths := []struct {
		name string
		fn   func() error
	}{
		{"Beacon, base table", run(base, metrics.ServedBase)},
		{"Beacon HTTP, base table", post(client, urls[0], body, metrics.ServedBase)},
		{"DuckDB direct, base-table SQL", direct(baseComp, false)},
		{"Beacon, rollup", run(rolled, metrics.ServedRollup)},
		{"Beacon HTTP, rollup", post(client, urls[1], body, metrics.ServedRollup)},
		{"DuckDB direct, rollup SQL", direct(rollComp, false)},
		{"DuckDB direct, rollup SQL prepared", direct(rollComp, true)},
		{"DuckDB direct, rollup SQL kept", kept(rollComp)},
		{"Beacon, result cache", run(cached, "cache")},
		{"Beacon HTTP, result cache", post(client, urls[2], body, "cache")},
	}
	// One run of each first, unmeasured, the cache filled before.
	if _, err := cached.Run(ctx, q, nil); err != nil {
		return err
	}
	for _, p := range paths {
		if err := p.fn(); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	// Interleaved with the base-table scans first, then the small paths
	// alone: a scan of the whole table leaves DuckDB's memory and the
	// machine's caches to the next statement, which the rollup's first
	// figures include.
	small := func(name string) bool { return !strings.Contains(name, "base") }
	for _, block := range []struct {
		title string
		keep  func(string) bool
		runs  int
	}{
		{fmt.Sprintf("all paths, %d interleaved runs", *runs), func(string) bool { return true }, *runs},
		{fmt.Sprintf("rollup and cache paths alone, %d interleaved runs", 10**runs), small, 10 * *runs},
	} {
		times := make([][]time.Duration, len(paths))
		cpu := make([][]time.Duration, len(paths))
		for i := 0; i < block.runs; i++ {
			for j, p := range paths {
				if !block.keep(p.name) {
					continue
				}
				t0, c0 := time.Now(), metricsbench.CPUTime()
				if err := p.fn(); err != nil {
					return fmt.Errorf("%s: %w", p.name, err)
				}
				times[j] = append(times[j], time.Since(t0))
				cpu[j] = append(cpu[j], metricsbench.CPUTime()-c0)
			}
		}
		fmt.Printf("churn_rate by segment by month, %d months x 6 segments, %s; load average %s\n", *months, block.title, loadAverage())
		fmt.Printf("%-34s %10s %10s %10s\n", "path", "p50", "p99", "cpu p50")
		for j, p := range paths {
			if block.keep(p.name) {
				fmt.Printf("%-34s %10s %10s %10s\n", p.name, msOf(pct(times[j], 50)), msOf(pct(times[j], 99)), msOf(pct(cpu[j], 50)))
			}
		}
	}
	if !*appendMonth {
		return nil
	}
	return benchAppend(ctx, db, cat, rolled, *months)
}

// serveEngine serves e on a loopback port, without authentication, until
// stop is called; it returns the base URL.
func serveEngine(db *warehouse.DB, e *metrics.Engine) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv, err := server.New(server.Config{Addr: ln.Addr().String(), DB: db, Engine: e, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		ln.Close()
		return "", nil, err
	}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Shutdown(context.Background()) }, nil
}

// post is one POST /api/v1/query of body, checked to be answered from
// where want says ("cache": the result cache).
func post(client *http.Client, url string, body []byte, want string) func() error {
	return func() error {
		resp, err := client.Post(url+"/api/v1/query", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var r struct {
			ServedFrom string `json:"served_from"`
			Cached     bool   `json:"cached"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return fmt.Errorf("status %d: %w", resp.StatusCode, err)
		}
		if resp.StatusCode != http.StatusOK || (r.ServedFrom != want && !(want == "cache" && r.Cached)) {
			return fmt.Errorf("status %d, served from %q (cached %v), want %s", resp.StatusCode, r.ServedFrom, r.Cached, want)
		}
		return nil
	}
}

// benchAppend appends one month (the last month again, a month later) with
// its rollup refresh, then times what a load without incremental refresh
// costs: the rollup rebuilt whole, and the table rewritten.
func benchAppend(ctx context.Context, db *warehouse.DB, cat *metrics.Catalog, e *metrics.Engine, months int) error {
	last := metricsbench.FlatStart.AddDate(0, months-1, 0)
	dir, err := os.MkdirTemp("", "beacon-bench-append-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "month.parquet")
	if err := db.WriteState(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, fmt.Sprintf(`COPY (SELECT * REPLACE (CAST(month + INTERVAL 1 MONTH AS DATE) AS month)
			FROM customer_month WHERE month = DATE '%s') TO '%s' (FORMAT parquet)`, last.Format(time.DateOnly), file))
		return err
	}); err != nil {
		return err
	}
	var built []metrics.RollupBuild
	col, grain, _ := cat.TimePartitioning("customer_month")
	t0 := time.Now()
	st, err := db.Load(ctx, warehouse.LoadOptions{Table: "customer_month", Path: file, Append: true,
		Partitioning: &warehouse.Partitioning{Column: col, Grain: grain}, AfterLoad: cat.AfterLoadHook(&built)})
	if err != nil {
		return err
	}
	incremental := time.Since(t0)
	if err := e.Loaded(ctx, "customer_month"); err != nil {
		return err
	}
	var refresh time.Duration
	for _, b := range built {
		refresh += b.Elapsed
	}
	t0 = time.Now()
	if _, err := metrics.BuildRollups(ctx, db, cat, nil); err != nil {
		return err
	}
	rebuild := time.Since(t0)
	t0 = time.Now()
	if err := db.WriteState(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE beacon_bench_rewrite AS SELECT * FROM customer_month"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DROP TABLE beacon_bench_rewrite")
		return err
	}); err != nil {
		return err
	}
	rewrite := time.Since(t0)
	fmt.Printf("append one month (%d rows, partitions %v) with its rollup refresh: %s (of which the rollup's %d period(s): %s); load average %s\n",
		st.Rows, dates(st.Partitions), msOf(incremental), len(built[0].Periods), msOf(refresh), loadAverage())
	fmt.Printf("without incremental refresh: rollup rebuilt whole %s; rewriting the %d-month table %s\n", msOf(rebuild), months+1, msOf(rewrite))
	return dropBenchMonth(ctx, db, months)
}

// dropBenchMonth removes the month benchAppend adds, so the bench can run again.
func dropBenchMonth(ctx context.Context, db *warehouse.DB, months int) error {
	next := metricsbench.FlatStart.AddDate(0, months, 0)
	return db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM customer_month WHERE month >= ?", next); err != nil {
			return err
		}
		return warehouse.MarkTablesChanged(ctx, tx, "customer_month")
	})
}

func msOf(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func dates(ts []time.Time) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Format("2006-01")
	}
	return strings.Join(out, ",")
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
