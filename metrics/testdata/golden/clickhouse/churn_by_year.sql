SELECT `period`, `churn_rate`
FROM (
  SELECT `period`, `customer_months__churned_customers`, `customer_months__customers_at_start`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
    SELECT toStartOfYear(`t__`) AS `period`, sum(`m__churned_customers`) AS `customer_months__churned_customers`, sum(CASE WHEN `t__` = first_t THEN `m__customers_at_start` END) AS `customer_months__customers_at_start`
    FROM (
      SELECT `t__`, `m__churned_customers`, `m__customers_at_start`, `bucket__`, `first_t`, `last_t`
      FROM (
        SELECT `t__`, `m__churned_customers`, `m__customers_at_start`, toStartOfYear(`t__`) AS `bucket__` FROM (
          SELECT toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers`, sum((CAST(active_at_start AS INTEGER))) AS `m__customers_at_start` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `t__`
        )
      )
      ALL INNER JOIN (
        SELECT toStartOfYear(t) AS `bucket__`, min(t) AS first_t, max(t) AS last_t FROM (SELECT toStartOfMonth(raw) AS t FROM (SELECT DISTINCT `month` AS raw FROM `customer_months` WHERE `month` >= toDate($3) AND `month` < toDate($4))) GROUP BY `bucket__`
      ) USING `bucket__`
    )
    GROUP BY `period`
  )
)
ORDER BY `period` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2025-01-01 2026-01-01 2025-01-01 2026-01-01]
