// Command beacon is Beacon's one binary: it serves governed retention
// metrics, generates the demo bank, loads data and checks models.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	_ "time/tzdata" // relative dates need zone data even where the OS has none

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
)

var version = "dev"

const usage = `beacon: retention analytics for retail banks

usage:
  beacon serve    [flags]                 serve the API (generates the demo bank on first run)
  beacon generate [flags]                 write a deterministic demo bank into a DuckDB file
  beacon load     --table NAME FILE       load a CSV or Parquet file into a table, all or nothing, checked by the model
  beacon load     --engine clickhouse --clickhouse-dsn DSN --all   copy the DuckDB file's tables to ClickHouse (serve --engine clickhouse)
  beacon check    [--db FILE] MODEL.yaml  validate a semantic model and run its data checks on the database
  beacon rollups  build [NAME...]         build the model's rollups (pre-aggregated tables queries are routed to)
  beacon bench    [flags]                 measure query latency, cache and throughput
  beacon bench burst [flags]              load a running server with concurrent uncached queries
  beacon bench shapes [flags]             time compiled metric SQL against hand-written SQL, shape by shape
  beacon bench rollups [flags]            time a query from base tables, a rollup and the cache; append a month
  beacon bench load [flags]               load test a running server: cached, uncached, chat and CSV requests at 32 and 128 clients
  beacon bench risk [flags]               time churn-model training and scoring on a large bank, with peak memory
  beacon eval     [flags] SET.yaml...     score the ChatBI planner on question sets
  beacon risk     train|score [flags]     train the churn early-warning model, score every customer
  beacon health    [--url URL]             exit 0 if the server answers /readyz (for container health checks)
  beacon token    --role R [--branches B] mint a JWT with the server's secret (for demos and the web front)
  beacon version

Run 'beacon COMMAND -h' for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, args, log)
	case "generate":
		err = generate(ctx, args)
	case "load":
		err = load(ctx, args)
	case "check":
		err = check(ctx, args)
	case "rollups":
		err = rollupsCmd(ctx, args)
	case "bench":
		err = bench(ctx, args, log)
	case "eval":
		err = evalCmd(ctx, args)
	case "risk":
		err = riskCmd(ctx, args)
	case "health":
		err = health(ctx, args)
	case "token":
		err = token(args, os.Stdout)
	case "version":
		fmt.Println(version)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "beacon:", err)
		}
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// openDB opens the database file, creating its folder.
func openDB(ctx context.Context, path string, opts ...warehouse.Options) (*warehouse.DB, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	var o warehouse.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	return warehouse.Open(ctx, path, o)
}

// readModel parses the model at path, or the embedded demo model (the one
// serve uses) when path is empty.
func readModel(path string) (*metrics.Model, error) {
	if path == "" {
		return metrics.ParseModel(models.DemoBankFile, models.DemoBank)
	}
	return metrics.ParseModelFile(path)
}

// loadCatalog reads the model at path, or the embedded demo model when
// path is empty, and validates it against db.
func loadCatalog(ctx context.Context, db *warehouse.DB, path string) (*metrics.Catalog, error) {
	m, err := readModel(path)
	if err != nil {
		return nil, err
	}
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		return nil, err
	}
	if err := cat.LoadValues(ctx, db); err != nil {
		return nil, err
	}
	return cat, nil
}
