WITH "cur__customer_months" AS (
  SELECT f."t__" AS "period", count_if(f."m__churned_customers") AS "customer_months__churned_customers", count_if(f."m__customers_at_start") AS "customer_months__customers_at_start"
  FROM (SELECT CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers", ("active_at_start") AS "m__customers_at_start" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  GROUP BY 1),
"cur" AS (
  SELECT "period", CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate"
  FROM "cur__customer_months"),
"prev_same_period_last_year__customer_months" AS (
  SELECT CAST(f."t__" + INTERVAL 1 YEAR AS DATE) AS "period", count_if(f."m__churned_customers") AS "customer_months__churned_customers", count_if(f."m__customers_at_start") AS "customer_months__customers_at_start"
  FROM (SELECT CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers", ("active_at_start") AS "m__customers_at_start" FROM "customer_months" WHERE "month" >= CAST($3 AS DATE) AND "month" < CAST($4 AS DATE)) AS f
  GROUP BY 1),
"prev_same_period_last_year" AS (
  SELECT "period", CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate"
  FROM "prev_same_period_last_year__customer_months")
SELECT c."period", c."churn_rate", p_same_period_last_year."churn_rate" AS "churn_rate_previous", (c."churn_rate" - p_same_period_last_year."churn_rate") AS "churn_rate_delta", (CAST(c."churn_rate" - p_same_period_last_year."churn_rate" AS DOUBLE) / NULLIF(abs(p_same_period_last_year."churn_rate"), 0)) AS "churn_rate_pct_change"
FROM "cur" AS c
LEFT JOIN "prev_same_period_last_year" AS p_same_period_last_year ON c."period" IS NOT DISTINCT FROM p_same_period_last_year."period"
ORDER BY "period" ASC NULLS LAST
LIMIT 10001
-- args: [2026-08-01 2026-11-01 2025-08-01 2025-11-01]
