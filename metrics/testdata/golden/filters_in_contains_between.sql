WITH "cur__customer_months" AS (
  SELECT j_branches."d__city" AS "city", sum(CASE WHEN f."t__" = CAST($3 AS DATE) THEN f."m__aum_end" END) AS "customer_months__aum_end", sum(f."m__complaint_count") AS "customer_months__complaint_count", count(DISTINCT f."m__customers_seen") AS "customer_months__customers_seen"
  FROM (SELECT "branch_id" AS "k__branch_id", "customer_id" AS "k__customer_id", "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("aum") AS "m__aum_end", ("complaints") AS "m__complaint_count", ("customer_id") AS "m__customers_seen" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  JOIN (SELECT "branch_id" AS "k__branch_id", "branch_name" AS "d__branch", "city" AS "d__city" FROM "branches") AS j_branches ON f."k__branch_id" = j_branches."k__branch_id"
  LEFT JOIN (SELECT "customer_id" AS "k__customer_id", "channel" AS "d__channel" FROM "customers") AS j_customers ON f."k__customer_id" = j_customers."k__customer_id"
  WHERE f."d__segment" IN ($4, $5) AND contains(CAST(j_branches."d__branch" AS VARCHAR), $6) AND (j_customers."d__channel" IS NULL OR j_customers."d__channel" NOT IN ($7))
  GROUP BY 1),
"cur" AS (
  SELECT "city", "customer_months__aum_end" AS "aum", "customer_months__complaint_count" AS "complaints", "customer_months__customers_seen" AS "customers", ((1000 * ("customer_months__complaint_count")) / NULLIF(("customer_months__customers_seen"), 0)) AS "complaint_rate"
  FROM "cur__customer_months")
SELECT c."city", c."aum", c."complaint_rate"
FROM "cur" AS c
ORDER BY "city" ASC NULLS LAST
LIMIT 10001
-- args: [2026-06-01 2026-07-01 2026-06-01 高净值 退休 上海 网点]
