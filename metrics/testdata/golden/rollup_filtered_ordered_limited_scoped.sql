SELECT "period" AS "period", "segment" AS "segment", CAST(("customer_months__churned_customers") AS DOUBLE) / NULLIF(("customer_months__customers_at_start"), 0) AS "churn_rate", ("customer_months__aum_end") AS "aum", coalesce(("customer_months__customers_seen"), 0) AS "customers"
FROM "beacon_rollup_segment_month"
WHERE "period" >= CAST($1 AS DATE) AND "period" < CAST($2 AS DATE) AND ("segment" <> $3 OR "segment" IS NULL) AND "segment" IN ($4, $5)
ORDER BY "aum" DESC NULLS LAST, "period" ASC NULLS LAST, "segment" ASC NULLS LAST
LIMIT 6
-- args: [2025-01-01 2026-01-01 退休 高净值 大众]
