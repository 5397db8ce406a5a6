package clickhousetest

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/beaconbi/beacon/warehouse"
)

// scoresSQL writes churn scores for the last six months of a demo bank's
// history, one row per customer open in the month, as the server's
// scoring writes them, but with scores drawn from the customer and the
// month by arithmetic, so that a test needs no trained model and every
// run writes the same numbers. Tiers follow the scores (high from 0.6,
// medium from 0.3), so every tier has customers.
const scoresSQL = `
DELETE FROM risk_scores;
INSERT INTO risk_scores
SELECT cm.month, cm.customer_id, cm.branch_id, c.segment, 'test-arithmetic', s.score,
	CASE WHEN s.score >= 0.6 THEN 'high' WHEN s.score >= 0.3 THEN 'medium' ELSE 'low' END,
	0, '[]', NULL, NULL, NULL, TIMESTAMP '2026-01-01 00:00:00'
FROM customer_months cm
JOIN customers c USING (customer_id)
CROSS JOIN LATERAL (SELECT ((cm.customer_id * 7919 + (year(cm.month) * 12 + month(cm.month)) * 104729) % 997) / 997.0 AS score) s
WHERE cm.month > (SELECT max(month) FROM customer_months) - INTERVAL 6 MONTH`

// FillRiskScores gives a generated bank churn scores (see scoresSQL) and
// returns how many rows it wrote; the metrics over the scores
// (expected_churn, high_risk_customers, scored_customers) then have data.
func FillRiskScores(ctx context.Context, db *warehouse.DB) (int64, error) {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, warehouse.RiskSchemaSQL+";"+scoresSQL)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fill risk scores: %w", err)
	}
	var n int64
	err = db.Read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, "SELECT count(*) FROM risk_scores").Scan(&n)
	})
	return n, err
}
