WITH "cur__customer_months" AS (
  SELECT f."t__" AS "period", j_branches."d__region" AS "region", count_if(f."m__churned_customers") AS "customer_months__churned_customers"
  FROM (SELECT "branch_id" AS "k__branch_id", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  JOIN (SELECT "branch_id" AS "k__branch_id", "region" AS "d__region" FROM "branches") AS j_branches ON f."k__branch_id" = j_branches."k__branch_id"
  GROUP BY 1, 2),
"cur" AS (
  SELECT "period", "region", sum("customer_months__churned_customers") OVER (PARTITION BY "region" ORDER BY "period" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS "cumulative_churned_customers"
  FROM "cur__customer_months")
SELECT c."period", c."region", c."cumulative_churned_customers"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST, "region" ASC NULLS LAST
LIMIT 10001
-- args: [2026-01-01 2027-01-01]
