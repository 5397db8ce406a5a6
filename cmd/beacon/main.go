// Command beacon is Beacon's one binary: it serves governed retention
// metrics, generates the demo bank, loads data and checks models.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
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
  beacon check    [--db FILE] MODEL.yaml  validate a semantic model and run its data checks on the database
  beacon bench    [flags]                 measure query latency, cache and throughput
  beacon bench burst [flags]              load a running server with concurrent uncached queries
  beacon eval     [flags] SET.yaml...     score the ChatBI planner on question sets
  beacon health    [--url URL]             exit 0 if the server answers /readyz (for container health checks)
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
	case "bench":
		err = bench(ctx, args, log)
	case "eval":
		err = evalCmd(ctx, args)
	case "health":
		err = health(ctx, args)
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

// demoOptions are the flags that shape a demo bank.
type demoOptions struct {
	customers, months int
	seed              int64
	asOf              string
	transactions      string
	// regenerate lets serve replace a bank written with other options.
	regenerate bool
}

func (o *demoOptions) register(fs *flag.FlagSet, customers int) {
	fs.IntVar(&o.customers, "customers", customers, "customers in the demo bank")
	fs.IntVar(&o.months, "months", 24, "months of history, ending with the as-of month")
	fs.Int64Var(&o.seed, "seed", 42, "random seed: the same seed gives the same bank")
	fs.StringVar(&o.asOf, "as-of", "", "last day of history, YYYY-MM-DD (default: today in Asia/Shanghai)")
	fs.StringVar(&o.transactions, "transactions", "auto", "write the transactions table: true, false, or auto (up to 200,000 customers)")
}

func (o *demoOptions) generateOptions(now time.Time) (warehouse.GenerateOptions, error) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	asOf := now.In(loc)
	if o.asOf != "" {
		t, err := metrics.ParseDate(o.asOf, loc)
		if err != nil {
			return warehouse.GenerateOptions{}, fmt.Errorf("--as-of: %w", err)
		}
		asOf = t
	}
	tx := o.customers <= 200_000
	switch o.transactions {
	case "true":
		tx = true
	case "false":
		tx = false
	case "auto":
	default:
		return warehouse.GenerateOptions{}, fmt.Errorf("--transactions must be true, false or auto, got %q", o.transactions)
	}
	return warehouse.GenerateOptions{Customers: o.customers, Months: o.months, Seed: o.seed,
		AsOf: time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC), Transactions: tx,
		Progress: progressPrinter(os.Stderr)}, nil
}

func generate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	dbPath := fs.String("db", env("BEACON_DB", "data/beacon.duckdb"), "DuckDB file to write")
	var o demoOptions
	o.register(fs, 50_000)
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := o.generateOptions(time.Now())
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	st, err := warehouse.Generate(ctx, db, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "generated %d customers, %d customer-months, %d contracts, %d transactions in %s into %s\n",
		st.Customers, st.CustomerMonths, st.Contracts, st.Transactions, st.Elapsed.Round(time.Millisecond), *dbPath)
	return nil
}

// progressPrinter draws a one-line progress bar when w is a terminal and
// prints one line per step otherwise.
func progressPrinter(w io.Writer) func(step string, done, total int) {
	tty := isTerminal(w)
	start := time.Now()
	return func(step string, done, total int) {
		if total <= 0 {
			total = 1
		}
		el := time.Since(start).Round(100 * time.Millisecond)
		if !tty {
			fmt.Fprintf(w, "[%d/%d] %s (%s)\n", done, total, step, el)
			return
		}
		const width = 30
		n := width * done / total
		fmt.Fprintf(w, "\r\033[K[%s%s] %3d%% %s (%s)", strings.Repeat("#", n), strings.Repeat(".", width-n), 100*done/total, step, el)
		if done >= total {
			fmt.Fprintln(w)
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// health probes a running server, for container health checks that have no curl.
func health(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "readiness URL to probe")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *url, resp.Status)
	}
	return nil
}
