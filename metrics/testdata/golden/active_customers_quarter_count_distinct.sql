WITH "cur__customer_months" AS (
  SELECT CAST(date_trunc('quarter', f."t__") AS DATE) AS "period", count(DISTINCT f."m__active_customer_count") AS "customer_months__active_customer_count", sum(CASE WHEN (f."t__" = CAST($3 AS DATE) OR CAST(f."t__" + INTERVAL 1 MONTH AS DATE) = CAST(CAST(date_trunc('quarter', f."t__") AS DATE) + INTERVAL 3 MONTH AS DATE)) THEN f."m__aum_end" END) AS "customer_months__aum_end"
  FROM (SELECT CAST(date_trunc('month', "month") AS DATE) AS "t__", (CASE WHEN (tx_count > 0) THEN ("customer_id") END) AS "m__active_customer_count", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  GROUP BY 1),
"cur" AS (
  SELECT "period", "customer_months__active_customer_count" AS "active_customers", "customer_months__aum_end" AS "aum"
  FROM "cur__customer_months")
SELECT c."period", c."active_customers", c."aum"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST
LIMIT 10001
-- args: [2025-10-01 2026-10-01 2026-09-01]
