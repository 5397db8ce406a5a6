WITH "cur__customer_months" AS (
  SELECT j_branches."d__branch" AS "branch", count_if(f."m__churned_customers") AS "customer_months__churned_customers"
  FROM (SELECT "branch_id" AS "k__branch_id", ("churned") AS "m__churned_customers" FROM "customer_months" WHERE "month" >= CAST($1 AS DATE) AND "month" < CAST($2 AS DATE)) AS f
  JOIN (SELECT "branch_id" AS "k__branch_id", "branch_name" AS "d__branch", "region" AS "d__region" FROM "branches") AS j_branches ON f."k__branch_id" = j_branches."k__branch_id"
  WHERE j_branches."d__region" IN ($3)
  GROUP BY 1),
"cur" AS (
  SELECT "branch", "customer_months__churned_customers" AS "churned_customers"
  FROM "cur__customer_months")
SELECT c."branch", c."churned_customers"
FROM "cur" AS c
ORDER BY "churned_customers" DESC NULLS LAST, "branch" ASC NULLS LAST
LIMIT 6
-- args: [2026-10-01 2026-11-01 华东]
