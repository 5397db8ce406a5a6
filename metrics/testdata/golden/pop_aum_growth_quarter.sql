WITH "cur__customer_months" AS (
  SELECT CAST(date_trunc('quarter', f."t__") AS DATE) AS "period", f."d__segment" AS "segment", sum(f."m__aum_end") AS "customer_months__aum_end"
  FROM (SELECT "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  WHERE (f."t__" = CAST($3 AS DATE) OR CAST(f."t__" + INTERVAL 1 MONTH AS DATE) = CAST(CAST(date_trunc('quarter', f."t__") AS DATE) + INTERVAL 3 MONTH AS DATE))
  GROUP BY 1, 2),
"cur" AS (
  SELECT "period", "segment", "customer_months__aum_end" AS "aum"
  FROM "cur__customer_months"),
"prev_previous_period__customer_months" AS (
  SELECT CAST(CAST(date_trunc('quarter', f."t__") AS DATE) + INTERVAL 3 MONTH AS DATE) AS "period", f."d__segment" AS "segment", sum(f."m__aum_end") AS "customer_months__aum_end"
  FROM (SELECT "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($4 AS DATE) AND "month" < CAST($5 AS DATE)) AS f
  WHERE (f."t__" = CAST($6 AS DATE) OR CAST(f."t__" + INTERVAL 1 MONTH AS DATE) = CAST(CAST(date_trunc('quarter', f."t__") AS DATE) + INTERVAL 3 MONTH AS DATE))
  GROUP BY 1, 2),
"prev_previous_period" AS (
  SELECT "period", "segment", "customer_months__aum_end" AS "aum"
  FROM "prev_previous_period__customer_months")
SELECT c."period", c."segment", (CAST(c."aum" - p_previous_period."aum" AS DOUBLE) / NULLIF(abs(p_previous_period."aum"), 0)) AS "aum_growth"
FROM "cur" AS c
LEFT JOIN "prev_previous_period" AS p_previous_period ON c."period" IS NOT DISTINCT FROM p_previous_period."period" AND c."segment" IS NOT DISTINCT FROM p_previous_period."segment"
ORDER BY "period" ASC NULLS LAST, "segment" ASC NULLS LAST
LIMIT 10001
-- args: [2025-10-01 2026-10-01 2026-09-01 2025-07-01 2026-07-01 2026-06-01]
