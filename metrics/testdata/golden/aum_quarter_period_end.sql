WITH "cur__customer_months" AS (
  SELECT CAST(date_trunc('quarter', f."t__") AS DATE) AS "period", sum(f."m__aum_end") AS "customer_months__aum_end"
  FROM (SELECT CAST(date_trunc('month', "month") AS DATE) AS "t__", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  WHERE (f."t__" = CAST($3 AS DATE) OR CAST(f."t__" + INTERVAL 1 MONTH AS DATE) = CAST(CAST(date_trunc('quarter', f."t__") AS DATE) + INTERVAL 3 MONTH AS DATE))
  GROUP BY 1),
"cur" AS (
  SELECT "period", "customer_months__aum_end" AS "aum"
  FROM "cur__customer_months")
SELECT c."period", c."aum"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST
LIMIT 10001
-- args: [2025-10-01 2026-10-01 2026-09-01]
