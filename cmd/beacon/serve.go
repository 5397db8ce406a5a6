package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
)

// serveFlags are the flags of beacon serve beyond the demo bank's.
type serveFlags struct {
	addr, dbPath, modelPath            string
	secret, pubKey, issuer, audience   string
	timeout                            time.Duration
	maxRows                            int
	memLimit, tempSize, resultBudget   string
	threads                            int
	conn                               server.ConnLimits
	admission                          string
	queueWait, shutdownGrace, lockWait time.Duration
	slowQuery                          time.Duration
	images                             imageFlags
	engine                             engineFlags
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", env("BEACON_ADDR", "127.0.0.1:8080"), "listen address")
	fs.StringVar(&f.dbPath, "db", env("BEACON_DB", "data/beacon.duckdb"), "DuckDB file")
	fs.StringVar(&f.modelPath, "model", env("BEACON_MODEL", ""), "semantic model YAML (default: the embedded demo bank model)")
	fs.StringVar(&f.secret, "jwt-secret", "", "HS256 secret, at least 32 bytes (or env BEACON_JWT_SECRET)")
	fs.StringVar(&f.pubKey, "jwt-public-key", env("BEACON_JWT_PUBLIC_KEY", ""), "PEM public key file for RS256/ES256 tokens")
	fs.StringVar(&f.issuer, "jwt-issuer", env("BEACON_JWT_ISSUER", ""), "required iss claim of tokens, if set")
	fs.StringVar(&f.audience, "jwt-audience", env("BEACON_JWT_AUDIENCE", ""), "required aud claim of tokens, if set")
	fs.DurationVar(&f.timeout, "query-timeout", 30*time.Second, "longest a query may run")
	fs.IntVar(&f.maxRows, "max-rows", metrics.DefaultLimits.MaxRows, "largest result a query may return")
	fs.StringVar(&f.memLimit, "memory-limit", env("BEACON_MEMORY_LIMIT", ""), "DuckDB memory limit, e.g. 8GB (default: DuckDB's, 80% of RAM)")
	fs.IntVar(&f.threads, "threads", 0, "DuckDB worker threads shared by all queries (default: one per CPU)")
	fs.StringVar(&f.tempSize, "max-temp-size", env("BEACON_MAX_TEMP_SIZE", "8GB"), "most DuckDB may spill to disk, beside the database file")
	fs.StringVar(&f.resultBudget, "result-budget", env("BEACON_RESULT_BUDGET", "64MB"), "most JSON one query's result may hold")
	d := server.DefaultConnLimits
	fs.DurationVar(&f.conn.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "time a client has to send a request's headers")
	fs.DurationVar(&f.conn.ReadBodyTimeout, "read-body-timeout", d.ReadBodyTimeout, "time a client has to send a request's body once its headers are in")
	fs.DurationVar(&f.conn.WriteTimeout, "write-timeout", d.WriteTimeout, "time to write a response once it is ready")
	fs.DurationVar(&f.conn.IdleTimeout, "idle-timeout", d.IdleTimeout, "time a keep-alive connection may wait for its next request")
	fs.IntVar(&f.conn.MaxConns, "max-conns", 0, "open connections allowed (0: from the descriptor limit, at most 10,000)")
	fs.StringVar(&f.admission, "admission", env("BEACON_ADMISSION", ""), "per class of work, requests running/queued, e.g. query=8/64,sql=1/4 (classes cheap, query, sql, chat)")
	fs.DurationVar(&f.queueWait, "queue-wait", 10*time.Second, "longest a request waits for a turn before a 503")
	fs.DurationVar(&f.shutdownGrace, "shutdown-grace", 8*time.Second, "time from SIGTERM to exit: requests finish, then are stopped, then the database closes")
	fs.DurationVar(&f.lockWait, "lock-wait", 15*time.Second, "how long to wait at start for another process to release the database file")
	fs.DurationVar(&f.slowQuery, "slow-query", server.DefaultSlowQuery, "log requests slower than this at WARN with their SQL (negative: off)")
	f.images.register(fs)
	f.engine.register(fs, false)
}

func serve(ctx context.Context, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var f serveFlags
	f.register(fs)
	var o demoOptions
	o.register(fs, 50_000)
	var af alertFlags
	af.register(fs)
	fs.BoolVar(&o.regenerate, "regenerate", false, "replace a demo bank generated with other options than these (default: serve it as it is)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.secret == "" {
		f.secret = os.Getenv("BEACON_JWT_SECRET")
	}
	if err := f.engine.check(); err != nil {
		return err
	}
	adm, err := server.ParseAdmission(f.admission)
	if err != nil {
		return fmt.Errorf("--admission: %w", err)
	}
	adm.MaxWait = f.queueWait
	if err := f.images.check(); err != nil {
		return err
	}
	files, err := raiseFileLimit()
	if err != nil {
		log.Warn("could not raise the open-file limit", "err", err)
	}
	if f.conn.MaxConns == 0 {
		f.conn.MaxConns = connCap(files)
	}
	if files > 0 && uint64(f.conn.MaxConns) > files {
		log.Warn("--max-conns is above the open-file limit: accepting will run out of descriptors first (it backs off and recovers)",
			"max_conns", f.conn.MaxConns, "open_file_limit", files)
	}
	resultBytes, err := warehouse.ParseSize(f.resultBudget)
	if err != nil {
		return fmt.Errorf("--result-budget: %w", err)
	}
	db, err := openDBWaiting(ctx, f.dbPath, warehouse.Options{MemoryLimit: f.memLimit, Threads: f.threads, MaxTempSize: f.tempSize}, f.lockWait, log)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			db.Close()
		}
	}()
	if f.modelPath == "" {
		if err := ensureDemoBank(ctx, db, o, log); err != nil {
			return err
		}
	}
	scoreRisk, err := prepareRiskScores(ctx, db)
	if err != nil {
		return err
	}
	cat, err := loadCatalog(ctx, db, f.modelPath)
	if err != nil {
		return err
	}
	lim := metrics.DefaultLimits
	lim.MaxRows = f.maxRows
	lim.DefaultRows = min(lim.DefaultRows, f.maxRows)
	clock := time.Now
	if o.asOf != "" {
		// A fixed as-of date fixes "today" too, so relative ranges are reproducible.
		day, err := metrics.ParseDate(o.asOf, cat.Location)
		if err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
		noon := day.Add(12 * time.Hour)
		clock = func() time.Time { return noon }
	}
	// The scoring gate reads the DuckDB file's scoring state, which says
	// nothing of the scores copied into ClickHouse, so it guards DuckDB alone.
	engineCfg := metrics.EngineConfig{QueryTimeout: f.timeout, Limits: lim, Now: clock, ResultBytes: int(resultBytes), Gate: riskGate(db, scoreRisk && f.engine.engine == "duckdb")}
	engine, err := metrics.NewEngine(db, cat, engineCfg)
	if err != nil {
		return err
	}
	if f.engine.engine == "duckdb" { // rollups are DuckDB tables; ClickHouse reads base tables
		if err := startRollups(ctx, db, engine, log); err != nil {
			return err
		}
	}
	engine, closeEngine, err := f.engine.clickHouseEngine(ctx, engine, f.modelPath, engineCfg, log)
	if err != nil {
		return err
	}
	defer closeEngine()
	chatCfg := queries.ChatConfig{DB: db}
	if key := os.Getenv("OPENAI_API_KEY"); key != "" {
		chatCfg.LLM = queries.NewLLM(queries.LLMConfig{APIKey: key, BaseURL: os.Getenv("OPENAI_BASE_URL"), Model: os.Getenv("BEACON_LLM_MODEL")}, engine)
		log.Info("LLM planner on, offline planner as fallback", "base_url", os.Getenv("OPENAI_BASE_URL"), "model", os.Getenv("BEACON_LLM_MODEL"))
	}
	chat := queries.NewChat(engine, chatCfg)
	reportSet, err := loadReports(engine, f.modelPath, log)
	if err != nil {
		return err
	}
	uploadDir, err := stagingDir(db)
	if err != nil {
		return err
	}
	defer os.RemoveAll(uploadDir)
	// From here on DuckDB reads no file outside the upload folder.
	if err := db.Lockdown(ctx, uploadDir); err != nil {
		return err
	}
	dashboards, err := demoDashboards(f.modelPath)
	if err != nil {
		return err
	}
	images, err := openChartImages(f.dbPath, f.images, log)
	if err != nil {
		return err
	}
	defer images.Close()
	sharer, err := reportSharer(f.secret)
	if err != nil {
		return err
	}
	sched, err := newScheduler(ctx, db, engine, af, images, f.images.publicURL, reportSet, sharer, log)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{Alerts: sched, Addr: f.addr, DB: db, Engine: engine, Chat: chat, Guard: queries.NewGuard(engine, lim.MaxRows),
		UploadDir: uploadDir, Logger: log, Version: version, Conn: f.conn, Admission: adm, Dashboards: dashboards, Images: images.forServer(), Reports: reportSet, ReportLinks: sharer,
		SummaryLLM: summaryRewriter(), SlowQuery: f.slowQuery, Auth: server.AuthConfig{Secret: []byte(f.secret), PublicKeyFile: f.pubKey, Issuer: f.issuer, Audience: f.audience}})
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Listen() }()
	go runScheduler(ctx, sched, db, o, f.modelPath == "" && o.asOf == "", log)
	if scoreRisk {
		go keepRiskScores(ctx, db, log)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	closed = true
	return shutdown(srv, db, f.shutdownGrace, log)
}

// shutdown stops serving and closes the database within grace: three
// quarters of it for requests to finish, then those still running are
// cancelled (DuckDB interrupts their statements) and the database closes,
// releasing the file's lock for the next process. If the database has not
// closed when grace ends, the process exits anyway; the lock goes with it.
func shutdown(srv *server.Server, db *warehouse.DB, grace time.Duration, log *slog.Logger) error {
	start := time.Now()
	log.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace*3/4)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("requests did not all finish", "err", err)
	}
	done := make(chan error, 1)
	go func() { done <- db.Close() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("close database: %w", err)
		}
		log.Info("database closed; exiting", "seconds", time.Since(start).Seconds())
		return nil
	case <-time.After(max(grace-time.Since(start), 0)):
		log.Error("the database did not close within the shutdown grace; exiting without it")
		return nil
	}
}

// stagingDir empties and returns the folder uploads are staged in: next to
// the database file, or a private temporary folder for an in-memory one.
func stagingDir(db *warehouse.DB) (string, error) {
	dir, err := warehouse.StagingDir(db.Path())
	if err != nil {
		return "", err
	}
	if dir == "" {
		return os.MkdirTemp("", "beacon-uploads-")
	}
	return dir, warehouse.ResetStaging(dir)
}

// openDBWaiting opens the database, waiting up to wait while another
// process (a server still shutting down) holds the file's lock.
func openDBWaiting(ctx context.Context, path string, opts warehouse.Options, wait time.Duration, log *slog.Logger) (*warehouse.DB, error) {
	deadline := time.Now().Add(wait)
	logged := false
	for {
		db, err := openDB(ctx, path, opts)
		if err == nil || !isLockConflict(err) || time.Now().After(deadline) {
			return db, err
		}
		if !logged {
			log.Warn("the database file is locked by another process; waiting for it", "db", path, "wait", wait.String())
			logged = true
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func isLockConflict(err error) bool {
	return strings.Contains(err.Error(), "Could not set lock on file")
}

// raiseFileLimit raises the soft open-file limit to the hard one, where the
// system allows (Go's runtime does so too since 1.19; this makes it explicit
// and reports the figure), and returns the soft limit now in force.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		want := lim
		want.Cur = want.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return lim.Cur, fmt.Errorf("raise open-file limit from %d to %d: %w", lim.Cur, lim.Max, err)
		}
		lim = want
	}
	return lim.Cur, nil
}

// connCap is the default connection cap for an open-file limit: room is
// kept for DuckDB's files, uploads and the runtime (an eighth of the limit,
// at least 64), and at most 10,000 connections are held.
func connCap(files uint64) int {
	if files == 0 {
		return 10_000
	}
	reserve := max(64, files/8)
	if files <= 2*reserve {
		return int(max(files/2, 1))
	}
	return int(min(files-reserve, 10_000))
}
