SELECT "period" AS "period", "segment" AS "segment", CAST(("customer_months__churned_customers") AS DOUBLE) / NULLIF(("customer_months__customers_at_start"), 0) AS "churn_rate"
FROM "beacon_rollup_segment_month"
WHERE "period" >= CAST($1 AS DATE) AND "period" < CAST($2 AS DATE)
ORDER BY "period" ASC NULLS LAST, "segment" ASC NULLS LAST
-- args: [2025-01-01 2026-01-01]
