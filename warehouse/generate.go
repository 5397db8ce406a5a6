package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Limits on GenerateOptions; outside them Generate returns ErrInvalidOptions.
const (
	MaxGenerateCustomers = 5_000_000
	MinGenerateMonths    = 3
	MaxGenerateMonths    = 120
)

// Keys the generator records in beacon_meta.
const (
	MetaDemoSeed         = "demo.seed"
	MetaDemoCustomers    = "demo.customers"
	MetaDemoMonths       = "demo.months"
	MetaDemoAsOf         = "demo.as_of"         // YYYY-MM-DD
	MetaDemoHistoryStart = "demo.history_start" // YYYY-MM-DD, first day of the first month
	MetaDemoTransactions = "demo.transactions"  // "true" or "false"
	MetaDemoGeneratedAt  = "demo.generated_at"  // RFC 3339, UTC
)

// ErrInvalidOptions is wrapped by every GenerateOptions validation error, so
// callers can tell a bad request from a failed generation with errors.Is.
var ErrInvalidOptions = errors.New("invalid generate options")

// GenerateOptions describe the synthetic demo bank to build.
type GenerateOptions struct {
	// Customers is the number of customers, 1 to 5,000,000 (50,000 for the
	// default bank, 1,000,000 for benchmarks).
	Customers int
	// Months is the history length, 3 to 120; the last month is AsOf's month.
	Months int
	// Seed makes the data reproducible: the same seed and options give
	// identical tables, whatever the number of DuckDB threads.
	Seed int64
	// AsOf is the last day of history; only its year, month and day are used.
	AsOf time.Time
	// Transactions writes the transactions fact table; without it the table
	// is created empty (benchmark banks of a million customers skip it).
	Transactions bool
	// Progress, if set, is called after each step with the step's name.
	Progress func(step string, done, total int)
	// Now stamps demo.generated_at; nil means time.Now.
	Now func() time.Time
}

// GenerateStats counts the rows Generate wrote.
type GenerateStats struct {
	Customers        int64
	CustomerMonths   int64
	Contracts        int64
	Transactions     int64
	Complaints       int64
	RetentionActions int64
	Elapsed          time.Duration
}

// Validate reports the first option that is out of range, wrapping ErrInvalidOptions.
func (o GenerateOptions) Validate() error {
	switch {
	case o.Customers < 1 || o.Customers > MaxGenerateCustomers:
		return fmt.Errorf("%w: customers is %d, want 1 to %d", ErrInvalidOptions, o.Customers, MaxGenerateCustomers)
	case o.Months < MinGenerateMonths || o.Months > MaxGenerateMonths:
		return fmt.Errorf("%w: months is %d, want %d to %d", ErrInvalidOptions, o.Months, MinGenerateMonths, MaxGenerateMonths)
	case o.AsOf.IsZero():
		return fmt.Errorf("%w: as-of date is missing, want a date such as 2025-06-30", ErrInvalidOptions)
	}
	return nil
}

// Generate replaces the demo-bank tables (branches, customers, products,
// contracts, customer_months, transactions, complaints, retention_actions)
// with a synthetic retail bank built inside DuckDB, and records its
// parameters in beacon_meta. It runs in one write transaction: on error or
// cancellation nothing changes.
func Generate(ctx context.Context, db *DB, opts GenerateOptions) (GenerateStats, error) {
	start := time.Now()
	if err := opts.Validate(); err != nil {
		return GenerateStats{}, err
	}
	p := newGenParams(opts)
	steps, err := p.steps()
	if err != nil {
		return GenerateStats{}, err
	}
	total := len(steps) + 1 // + meta
	var stats GenerateStats
	err = db.Write(ctx, func(tx *sql.Tx) error {
		for i, s := range steps {
			for _, q := range s.sql {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("generate %s: %w", s.name, err)
				}
			}
			if opts.Progress != nil {
				opts.Progress(s.name, i+1, total)
			}
		}
		if err := countGenerated(ctx, tx, &stats); err != nil {
			return err
		}
		// Rollups built on the tables replaced here are not used again until rebuilt.
		if err := MarkTablesChanged(ctx, tx, "branches", "customers", "products", "contracts", "customer_months",
			"transactions", "complaints", "retention_actions"); err != nil {
			return err
		}
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		meta := [][2]string{
			{MetaDemoSeed, strconv.FormatInt(opts.Seed, 10)},
			{MetaDemoCustomers, strconv.Itoa(opts.Customers)},
			{MetaDemoMonths, strconv.Itoa(opts.Months)},
			{MetaDemoAsOf, p.asOf.Format(time.DateOnly)},
			{MetaDemoHistoryStart, p.start.Format(time.DateOnly)},
			{MetaDemoTransactions, strconv.FormatBool(opts.Transactions)},
			{MetaDemoGeneratedAt, now().UTC().Format(time.RFC3339)},
		}
		for _, kv := range meta {
			if err := SetMeta(ctx, tx, kv[0], kv[1]); err != nil {
				return fmt.Errorf("generate: %w", err)
			}
		}
		if opts.Progress != nil {
			opts.Progress("meta", total, total)
		}
		return nil
	})
	if err != nil {
		return GenerateStats{}, err
	}
	stats.Elapsed = time.Since(start)
	return stats, nil
}

func countGenerated(ctx context.Context, tx *sql.Tx, stats *GenerateStats) error {
	counts := []struct {
		table string
		n     *int64
	}{
		{"customers", &stats.Customers},
		{"customer_months", &stats.CustomerMonths},
		{"contracts", &stats.Contracts},
		{"transactions", &stats.Transactions},
		{"complaints", &stats.Complaints},
		{"retention_actions", &stats.RetentionActions},
	}
	for _, c := range counts {
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+c.table).Scan(c.n); err != nil {
			return fmt.Errorf("generate: count %s: %w", c.table, err)
		}
	}
	return nil
}
