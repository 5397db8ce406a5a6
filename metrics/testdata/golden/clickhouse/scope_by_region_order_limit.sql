SELECT `branch`, `churned_customers`
FROM (
  SELECT `branch`, `customer_months__churned_customers`, `customer_months__churned_customers` AS `churned_customers` FROM (
    SELECT `d__branch` AS `branch`, sum(`m__churned_customers`) AS `customer_months__churned_customers`
    FROM (
      SELECT `k0__`, `t__`, `m__churned_customers`, `d__branch`
      FROM (
        SELECT toNullable(`branch_id`) AS `k0__`, toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers` FROM `customer_months` WHERE `month` >= toDate($2) AND `month` < toDate($3) AND `branch_id` GLOBAL IN (SELECT `branch_id` FROM `branches` WHERE `region` IN ($1)) GROUP BY `k0__`, `t__`
      )
      ALL LEFT JOIN (
        SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`branch_name`) AS `d__branch` FROM `branches`
      ) USING `k0__`
    )
    GROUP BY `branch`
  )
)
ORDER BY `churned_customers` DESC NULLS LAST, `branch` ASC NULLS LAST
LIMIT 6
SETTINGS join_use_nulls = 1
-- args: [华东 2026-10-01 2026-11-01]
