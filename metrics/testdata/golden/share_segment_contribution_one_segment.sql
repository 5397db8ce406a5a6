WITH "cur__customer_months" AS (
  SELECT f."d__segment" AS "segment", sum(f."m__aum_end") AS "customer_months__aum_end"
  FROM (SELECT "segment" AS "d__segment", ("aum") AS "m__aum_end" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  GROUP BY 1),
"cur" AS (
  SELECT "segment", "customer_months__aum_end" AS "aum", CAST("customer_months__aum_end" AS DOUBLE) / NULLIF(sum("customer_months__aum_end") OVER (), 0) AS "segment_contribution"
  FROM "cur__customer_months")
SELECT c."segment", c."segment_contribution"
FROM "cur" AS c
WHERE c."segment" = $3
ORDER BY "segment" ASC NULLS LAST
LIMIT 10001
-- args: [2026-10-01 2026-11-01 高净值]
