WITH "cur__contracts" AS (
  SELECT CAST(date_trunc('quarter', f."t__") AS DATE) AS "period", j_branches."d__region" AS "region", count(f."m__renewed_contracts") AS "contracts__renewed_contracts", count(f."m__matured_contracts") AS "contracts__matured_contracts"
  FROM (SELECT "branch_id" AS "k__branch_id", CAST(date_trunc('day', "maturity_date") AS DATE) AS "t__", (CASE WHEN (renewed) THEN (1) END) AS "m__renewed_contracts", (CASE WHEN (renewed IS NOT NULL) THEN (1) END) AS "m__matured_contracts" FROM "contracts" WHERE "maturity_date" >= CAST($1 AS DATE) AND "maturity_date" < CAST($2 AS DATE)) AS f
  JOIN (SELECT "branch_id" AS "k__branch_id", "region" AS "d__region" FROM "branches") AS j_branches ON f."k__branch_id" = j_branches."k__branch_id"
  GROUP BY 1, 2),
"cur__customer_months" AS (
  SELECT CAST(date_trunc('quarter', f."t__") AS DATE) AS "period", j_branches."d__region" AS "region", count_if(f."m__churned_customers") AS "customer_months__churned_customers", count_if(CASE WHEN f."t__" = greatest(CAST(date_trunc('quarter', f."t__") AS DATE), CAST($5 AS DATE)) THEN f."m__customers_at_start" END) AS "customer_months__customers_at_start"
  FROM (SELECT "branch_id" AS "k__branch_id", CAST(date_trunc('month', "month") AS DATE) AS "t__", ("churned") AS "m__churned_customers", ("active_at_start") AS "m__customers_at_start" FROM "customer_months" WHERE "month" >= CAST($3 AS DATE) AND "month" < CAST($4 AS DATE)) AS f
  JOIN (SELECT "branch_id" AS "k__branch_id", "region" AS "d__region" FROM "branches") AS j_branches ON f."k__branch_id" = j_branches."k__branch_id"
  GROUP BY 1, 2),
"cur" AS (
  SELECT "period", "region", CAST("contracts__renewed_contracts" AS DOUBLE) / NULLIF("contracts__matured_contracts", 0) AS "renewal_rate", CAST("customer_months__churned_customers" AS DOUBLE) / NULLIF("customer_months__customers_at_start", 0) AS "churn_rate"
  FROM (SELECT COALESCE(s0."period", s1."period") AS "period", COALESCE(s0."region", s1."region") AS "region", "contracts__renewed_contracts", "contracts__matured_contracts", "customer_months__churned_customers", "customer_months__customers_at_start" FROM "cur__contracts" AS s0
  FULL JOIN "cur__customer_months" AS s1 ON s0."period" IS NOT DISTINCT FROM s1."period" AND s0."region" IS NOT DISTINCT FROM s1."region") AS j)
SELECT c."period", c."region", c."renewal_rate", c."churn_rate"
FROM "cur" AS c
ORDER BY "period" ASC NULLS LAST, "region" ASC NULLS LAST
LIMIT 10001
-- args: [2026-04-01 2026-10-01 2026-04-01 2026-10-01 2026-04-01]
