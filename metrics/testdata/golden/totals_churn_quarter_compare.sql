WITH "cur__customer_months" AS (
  SELECT count_if(f."m__churned_customers") AS "customer_months__churned_customers", count_if(CASE WHEN f."t__" = CAST($3 AS DATE) THEN f."m__customers_at_start" END) AS "customer_months__customers_at_start", sum(CASE WHEN f."t__" = CAST($4 AS DATE) THEN f."m__aum_end" END) AS "customer_months__aum_end"
  FROM (SELECT CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers", ("active_at_start") AS "m__customers_at_start", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f),
"cur" AS (
  SELECT CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate", "customer_months__aum_end" AS "aum"
  FROM "cur__customer_months"),
"prev_previous_period__customer_months" AS (
  SELECT count_if(f."m__churned_customers") AS "customer_months__churned_customers", count_if(CASE WHEN f."t__" = CAST($7 AS DATE) THEN f."m__customers_at_start" END) AS "customer_months__customers_at_start", sum(CASE WHEN f."t__" = CAST($8 AS DATE) THEN f."m__aum_end" END) AS "customer_months__aum_end"
  FROM (SELECT CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers", ("active_at_start") AS "m__customers_at_start", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($5 AS DATE) AND "month" < CAST($6 AS DATE)) AS f),
"prev_previous_period" AS (
  SELECT CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate", "customer_months__aum_end" AS "aum"
  FROM "prev_previous_period__customer_months")
SELECT c."churn_rate", p_previous_period."churn_rate" AS "churn_rate_previous", (c."churn_rate" - p_previous_period."churn_rate") AS "churn_rate_delta", (CAST(c."churn_rate" - p_previous_period."churn_rate" AS DOUBLE) / NULLIF(abs(p_previous_period."churn_rate"), 0)) AS "churn_rate_pct_change", c."aum", p_previous_period."aum" AS "aum_previous", (c."aum" - p_previous_period."aum") AS "aum_delta", (CAST(c."aum" - p_previous_period."aum" AS DOUBLE) / NULLIF(abs(p_previous_period."aum"), 0)) AS "aum_pct_change"
FROM "cur" AS c
CROSS JOIN "prev_previous_period" AS p_previous_period
ORDER BY 1
LIMIT 2
-- args: [2026-04-01 2026-10-01 2026-04-01 2026-09-01 2026-01-01 2026-07-01 2026-01-01 2026-06-01]
