WITH "cur__customer_months" AS (
  SELECT CAST(date_trunc('year', f."t__") AS DATE) AS "period", count_if(f."m__churned_customers") AS "customer_months__churned_customers", count_if(CASE WHEN f."t__" = greatest(CAST(date_trunc('year', f."t__") AS DATE), CAST($3 AS DATE)) THEN f."m__customers_at_start" END) AS "customer_months__customers_at_start"
  FROM (SELECT CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers", ("active_at_start") AS "m__customers_at_start" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  GROUP BY 1),
"cur" AS (
  SELECT "period", CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate"
  FROM "cur__customer_months")
SELECT c."period", c."churn_rate"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST
LIMIT 10001
-- args: [2025-01-01 2026-01-01 2025-01-01]
