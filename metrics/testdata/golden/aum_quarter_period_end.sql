WITH "cur__customer_months__bounds" AS (SELECT CAST(date_trunc('quarter', t) AS DATE) AS bucket, min(t) AS first_t, max(t) AS last_t FROM (SELECT CAST(date_trunc('month', raw) AS DATE) AS t FROM (SELECT DISTINCT "month" AS raw FROM "customer_months" WHERE "month" >= CAST($3 AS DATE) AND "month" < CAST($4 AS DATE))) GROUP BY 1),
"cur__customer_months" AS (
  SELECT CAST(date_trunc('quarter', f."t__") AS DATE) AS "period", sum(CASE WHEN f."t__" = b.last_t THEN f."m__aum_end" END) AS "customer_months__aum_end"
  FROM (SELECT f."t__" AS "t__", sum(f."m__aum_end") AS "m__aum_end"
    FROM (SELECT CAST(date_trunc('month', "month") AS DATE) AS "t__", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
    GROUP BY 1) AS f
  JOIN "cur__customer_months__bounds" AS b ON b.bucket = CAST(date_trunc('quarter', f."t__") AS DATE)
  GROUP BY 1),
"cur" AS (
  SELECT "period", "customer_months__aum_end" AS "aum"
  FROM "cur__customer_months")
SELECT c."period", c."aum"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST
LIMIT 10001
-- args: [2025-10-01 2026-10-01 2025-10-01 2026-10-01]
