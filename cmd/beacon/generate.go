package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

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
