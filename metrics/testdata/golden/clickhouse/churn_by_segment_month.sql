SELECT `period`, `segment`, `churn_rate`
FROM (
  SELECT `period`, `segment`, `customer_months__churned_customers`, `customer_months__customers_at_start`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
    SELECT `g__period` AS `period`, `g__segment` AS `segment`, `customer_months__churned_customers`, `customer_months__customers_at_start` FROM (
      SELECT (toStartOfMonth(`month`)) AS `g__period`, (toNullable(`segment`)) AS `g__segment`, sum(((CAST(churned AS INTEGER)))) AS `customer_months__churned_customers`, sum(((CAST(active_at_start AS INTEGER)))) AS `customer_months__customers_at_start`
      FROM `customer_months`
      WHERE `month` >= toDate($1) AND `month` < toDate($2)
      GROUP BY `g__period`, `g__segment`
    )
  )
)
ORDER BY `period` ASC NULLS LAST, `segment` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2025-11-01 2026-11-01]
