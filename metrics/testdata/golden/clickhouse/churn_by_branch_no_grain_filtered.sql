SELECT `branch`, `churn_rate`
FROM (
  SELECT `branch`, `customer_months__churned_customers`, `customer_months__customers_at_start`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
    SELECT `d__branch` AS `branch`, sum(`m__churned_customers`) AS `customer_months__churned_customers`, sum(CASE WHEN `t__` = (SELECT toStartOfMonth(min(`month`)) FROM `customer_months`) THEN `m__customers_at_start` END) AS `customer_months__customers_at_start`
    FROM (
      SELECT `k0__`, `d__segment`, `t__`, `m__churned_customers`, `m__customers_at_start`, `d__branch`
      FROM (
        SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`segment`) AS `d__segment`, toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers`, sum((CAST(active_at_start AS INTEGER))) AS `m__customers_at_start` FROM `customer_months` GROUP BY `k0__`, `d__segment`, `t__`
      )
      ALL LEFT JOIN (
        SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`branch_name`) AS `d__branch` FROM `branches`
      ) USING `k0__`
    )
    WHERE (isNull(`d__segment`) OR `d__segment` != $1)
    GROUP BY `branch`
  )
)
ORDER BY `branch` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [年轻]
