SELECT `period`, `segment`, `churn_rate`
FROM (
  SELECT `period`, `segment`, `customer_months__churned_customers`, `customer_months__customers_at_start`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
    SELECT `t__` AS `period`, `d__segment` AS `segment`, sum(`m__churned_customers`) AS `customer_months__churned_customers`, sum(`m__customers_at_start`) AS `customer_months__customers_at_start`
    FROM (
      SELECT toNullable(`segment`) AS `d__segment`, toStartOfMonth(`month`) AS `t__`, (CAST(churned AS INTEGER)) AS `m__churned_customers`, (CAST(active_at_start AS INTEGER)) AS `m__customers_at_start` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2)
    )
    GROUP BY `period`, `segment`
  )
)
ORDER BY `period` ASC NULLS LAST, `segment` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2025-11-01 2026-11-01]
