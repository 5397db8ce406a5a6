// Package metricsbench compares the SQL Beacon compiles for governed
// metrics with the best SQL an analyst would write by hand for the same
// answer: on a flat user table (customer_month) and on the demo bank, for
// every metric shape (simple, ratio, first and last semi-additive,
// active-at-start churn, share, cumulative, period-over-period) at month,
// quarter and year grain and with no grain. Tests check the two give the
// same rows; `beacon bench shapes` times them side by side.
package metricsbench

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"time"

	"github.com/beaconbi/beacon/warehouse"
)

// FlatModel is the semantic model of the flat table, as an analyst would
// write it from docs/semantic-model.md.
//
//go:embed flat.yaml
var FlatModel []byte

// FlatModelFile names FlatModel in error messages.
const FlatModelFile = "flat.yaml"

// FlatStart is the first month of the flat table.
var FlatStart = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

// flatSQL builds customer_month: every customer has a row every month,
// ordered by month as monthly loads leave it. A third of the customers
// join during the history, a quarter churn; flags are consistent: a
// customer is active at the start of a month after joining and up to the
// month it churns, and has a balance while it is a customer.
const flatSQL = `CREATE OR REPLACE TABLE customer_month AS
WITH c AS (
	SELECT i AS customer,
		(['high_net_worth', 'mass_affluent', 'young', 'retired', 'ordinary', 'potential'])[1 + (hash(i) %% 6)::INTEGER] AS segment,
		'B' || lpad(((hash(i * 7 + 1) %% 40))::VARCHAR, 2, '0') AS branch,
		CASE WHEN hash(i * 3 + 2) %% 3 = 0 THEN 1 + (hash(i * 5 + 3) %% %[2]d)::INTEGER ELSE 0 END AS join_m,
		1000 + (hash(i * 17 + 6) %% 100000)::DOUBLE / 2 AS base
	FROM range(%[1]d) t(i)
), c2 AS (
	SELECT *, CASE WHEN hash(customer * 11 + 4) %% 4 = 0
		THEN join_m + (hash(customer * 13 + 5) %% (%[2]d - join_m + 1))::INTEGER ELSE 1000000 END AS churn_m
	FROM c
)
SELECT customer, CAST(DATE '%[3]s' + to_months(m.i::INTEGER) AS DATE) AS month, segment, branch,
	(m.i > join_m OR join_m = 0) AND m.i <= churn_m AS active_at_start,
	m.i = churn_m AS churned,
	CASE WHEN m.i >= join_m AND m.i < churn_m THEN round(base * (1 + 0.01 * m.i), 2) ELSE 0 END AS balance
FROM c2 CROSS JOIN range(%[2]d) m(i)
ORDER BY month, customer`

// FlatSizeKey is the meta key CreateFlat records the table's size under
// (customers x months), so a benchmark can reuse a table of the same size.
const FlatSizeKey = "flat.size"

// CreateFlat writes the flat table customer_month of the given size into db,
// starting at FlatStart.
func CreateFlat(ctx context.Context, db *warehouse.DB, customers, months int) error {
	if customers < 1 || months < 2 {
		return fmt.Errorf("flat table: need at least 1 customer and 2 months, got %d x %d", customers, months)
	}
	q := fmt.Sprintf(flatSQL, customers, months, FlatStart.Format("2006-01-02"))
	return db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create customer_month: %w", err)
		}
		return warehouse.SetMeta(ctx, tx, FlatSizeKey, fmt.Sprintf("%dx%d", customers, months))
	})
}
