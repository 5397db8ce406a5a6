WITH "cur__customer_months__bounds" AS (SELECT CAST(date_trunc('quarter', t) AS DATE) AS bucket, min(t) AS first_t, max(t) AS last_t FROM (SELECT CAST(date_trunc('month', raw) AS DATE) AS t FROM (SELECT DISTINCT "month" AS raw FROM "customer_months" WHERE "month" >= CAST($3 AS DATE) AND "month" < CAST($4 AS DATE))) GROUP BY 1),
"cur__customer_months" AS (
  SELECT CAST(date_trunc('quarter', f."t__") AS DATE) AS "period", f."segment" AS "segment", sum(CASE WHEN f."t__" = b.last_t THEN f."m__aum_end" END) AS "customer_months__aum_end"
  FROM (SELECT f."t__" AS "t__", f."d__segment" AS "segment", sum(f."m__aum_end") AS "m__aum_end"
    FROM (SELECT "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
    GROUP BY 1, 2) AS f
  JOIN "cur__customer_months__bounds" AS b ON b.bucket = CAST(date_trunc('quarter', f."t__") AS DATE)
  GROUP BY 1, 2),
"cur" AS (
  SELECT "period", "segment", "customer_months__aum_end" AS "aum"
  FROM "cur__customer_months"),
"prev_previous_period__customer_months__bounds" AS (SELECT CAST(date_trunc('quarter', t) AS DATE) AS bucket, min(t) AS first_t, max(t) AS last_t FROM (SELECT CAST(date_trunc('month', raw) AS DATE) AS t FROM (SELECT DISTINCT "month" AS raw FROM "customer_months" WHERE "month" >= CAST($7 AS DATE) AND "month" < CAST($8 AS DATE))) GROUP BY 1),
"prev_previous_period__customer_months" AS (
  SELECT CAST(CAST(date_trunc('quarter', f."t__") AS DATE) + INTERVAL 3 MONTH AS DATE) AS "period", f."segment" AS "segment", sum(CASE WHEN f."t__" = b.last_t THEN f."m__aum_end" END) AS "customer_months__aum_end"
  FROM (SELECT f."t__" AS "t__", f."d__segment" AS "segment", sum(f."m__aum_end") AS "m__aum_end"
    FROM (SELECT "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($5 AS DATE) AND "month" < CAST($6 AS DATE)) AS f
    GROUP BY 1, 2) AS f
  JOIN "prev_previous_period__customer_months__bounds" AS b ON b.bucket = CAST(date_trunc('quarter', f."t__") AS DATE)
  GROUP BY 1, 2),
"prev_previous_period" AS (
  SELECT "period", "segment", "customer_months__aum_end" AS "aum"
  FROM "prev_previous_period__customer_months")
SELECT c."period", c."segment", (CAST(c."aum" - p_previous_period."aum" AS DOUBLE) / NULLIF(abs(p_previous_period."aum"), 0)) AS "aum_growth"
FROM "cur" AS c
LEFT JOIN "prev_previous_period" AS p_previous_period ON c."period" IS NOT DISTINCT FROM p_previous_period."period" AND c."segment" IS NOT DISTINCT FROM p_previous_period."segment"
ORDER BY "period" ASC NULLS LAST, "segment" ASC NULLS LAST
LIMIT 10001
-- args: [2025-10-01 2026-10-01 2025-10-01 2026-10-01 2025-07-01 2026-07-01 2025-07-01 2026-07-01]
