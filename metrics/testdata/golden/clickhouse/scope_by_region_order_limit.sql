SELECT `branch`, `churned_customers`
FROM (
  SELECT `branch`, `customer_months__churned_customers`, `customer_months__churned_customers` AS `churned_customers` FROM (
    SELECT `d__branch` AS `branch`, sum(`m__churned_customers`) AS `customer_months__churned_customers`
    FROM (
      SELECT `k0__`, `t__`, `m__churned_customers`, `d__branch`, `d__region`
      FROM (
        SELECT toNullable(`branch_id`) AS `k0__`, toStartOfMonth(`month`) AS `t__`, (CAST(churned AS INTEGER)) AS `m__churned_customers` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2)
      )
      ALL LEFT JOIN (
        SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`branch_name`) AS `d__branch`, toNullable(`region`) AS `d__region` FROM `branches`
      ) USING `k0__`
    )
    WHERE `d__region` IN ($3)
    GROUP BY `branch`
  )
)
ORDER BY `churned_customers` DESC NULLS LAST, `branch` ASC NULLS LAST
LIMIT 6
SETTINGS join_use_nulls = 1
-- args: [2026-10-01 2026-11-01 华东]
