WITH "cur__customer_months" AS (
  SELECT j_branches."d__branch" AS "branch", count_if(f."m__churned_customers") AS "customer_months__churned_customers", count_if(CASE WHEN f."t__" = CAST($1 AS DATE) THEN f."m__customers_at_start" END) AS "customer_months__customers_at_start"
  FROM (SELECT "branch_id" AS "k__branch_id", "segment" AS "d__segment", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers", ("active_at_start") AS "m__customers_at_start" FROM "customer_months") AS f
  JOIN (SELECT "branch_id" AS "k__branch_id", "branch_name" AS "d__branch" FROM "branches") AS j_branches ON f."k__branch_id" = j_branches."k__branch_id"
  WHERE f."d__segment" <> $2
  GROUP BY 1),
"cur" AS (
  SELECT "branch", CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate"
  FROM "cur__customer_months")
SELECT c."branch", c."churn_rate"
FROM "cur" AS c
ORDER BY "branch" ASC NULLS LAST
LIMIT 10001
-- args: [2024-12-01 年轻]
