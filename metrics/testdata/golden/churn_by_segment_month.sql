WITH "cur__customer_months" AS (
  SELECT f."t__" AS "period", f."d__segment" AS "segment", count_if(f."m__churned_customers") AS "customer_months__churned_customers", count_if(f."m__customers_at_start") AS "customer_months__customers_at_start"
  FROM (SELECT "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers", ("active_at_start") AS "m__customers_at_start" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  GROUP BY 1, 2),
"cur" AS (
  SELECT "period", "segment", CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate"
  FROM "cur__customer_months")
SELECT c."period", c."segment", c."churn_rate"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST, "segment" ASC NULLS LAST
LIMIT 10001
-- args: [2025-11-01 2026-11-01]
