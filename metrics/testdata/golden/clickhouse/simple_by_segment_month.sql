SELECT `period`, `segment`, `churned_customers`
FROM (
  SELECT `period`, `segment`, `customer_months__churned_customers`, `customer_months__churned_customers` AS `churned_customers` FROM (
    SELECT `t__` AS `period`, `d__segment` AS `segment`, sum(`m__churned_customers`) AS `customer_months__churned_customers`
    FROM (
      SELECT toNullable(`segment`) AS `d__segment`, toStartOfMonth(`month`) AS `t__`, (CAST(churned AS INTEGER)) AS `m__churned_customers` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2)
    )
    GROUP BY `period`, `segment`
  )
)
ORDER BY `period` ASC NULLS LAST, `segment` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2025-11-01 2026-11-01]
