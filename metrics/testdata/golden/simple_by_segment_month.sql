WITH "cur__customer_months" AS (
  SELECT f."t__" AS "period", f."d__segment" AS "segment", count_if(f."m__churned_customers") AS "customer_months__churned_customers"
  FROM (SELECT "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  GROUP BY 1, 2),
"cur" AS (
  SELECT "period", "segment", "customer_months__churned_customers" AS "churned_customers"
  FROM "cur__customer_months")
SELECT c."period", c."segment", c."churned_customers"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST, "segment" ASC NULLS LAST
LIMIT 10001
-- args: [2025-11-01 2026-11-01]
