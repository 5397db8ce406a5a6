WITH "cur__customer_months__bounds" AS (SELECT CAST(date_trunc('quarter', t) AS DATE) AS bucket, min(t) AS first_t, max(t) AS last_t FROM (SELECT CAST(date_trunc('month', raw) AS DATE) AS t FROM (SELECT DISTINCT "month" AS raw FROM "customer_months" WHERE "month" >= CAST($3 AS DATE) AND "month" < CAST($4 AS DATE))) GROUP BY 1),
"cur__customer_months" AS (
  SELECT CAST(date_trunc('quarter', f."t__") AS DATE) AS "period", f."segment" AS "segment", sum(f."m__churned_customers") AS "customer_months__churned_customers", sum(CASE WHEN f."t__" = b.first_t THEN f."m__customers_at_start" END) AS "customer_months__customers_at_start"
  FROM (SELECT f."t__" AS "t__", f."d__segment" AS "segment", sum(f."m__churned_customers") AS "m__churned_customers", sum(f."m__customers_at_start") AS "m__customers_at_start"
    FROM (SELECT "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", (CAST(churned AS INTEGER)) AS "m__churned_customers", (CAST(active_at_start AS INTEGER)) AS "m__customers_at_start" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
    GROUP BY 1, 2) AS f
  JOIN "cur__customer_months__bounds" AS b ON b.bucket = CAST(date_trunc('quarter', f."t__") AS DATE)
  GROUP BY 1, 2),
"cur" AS (
  SELECT "period", "segment", CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate"
  FROM "cur__customer_months")
SELECT c."period", c."segment", c."churn_rate"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST, "segment" ASC NULLS LAST
LIMIT 10001
-- args: [2025-10-01 2026-10-01 2025-10-01 2026-10-01]
