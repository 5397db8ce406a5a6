SELECT `period`, `region`, `cumulative_churned_customers`
FROM (
  SELECT `period`, `region`, `customer_months__churned_customers`, `cum__cumulative_churned_customers` AS `cumulative_churned_customers` FROM (
    SELECT `period`, `region`, `customer_months__churned_customers`, `cum__cumulative_churned_customers`
    FROM (
      SELECT `t__` AS `period`, `d__region` AS `region`, sum(`m__churned_customers`) AS `customer_months__churned_customers`
      FROM (
        SELECT `k0__`, `t__`, `m__churned_customers`, `d__region`
        FROM (
          SELECT toNullable(`branch_id`) AS `k0__`, toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `k0__`, `t__`
        )
        ALL LEFT JOIN (
          SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`region`) AS `d__region` FROM `branches`
        ) USING `k0__`
      )
      GROUP BY `period`, `region`
    )
    ALL LEFT JOIN (
      SELECT `period`, `region`, sum(`cx__`) AS `cum__cumulative_churned_customers` FROM (
        SELECT `period`, `region`, `cp__`, `cx__`
        FROM (
          SELECT `period`, `region` FROM (
            SELECT `t__` AS `period`, `d__region` AS `region`, sum(`m__churned_customers`) AS `customer_months__churned_customers`
            FROM (
              SELECT `k0__`, `t__`, `m__churned_customers`, `d__region`
              FROM (
                SELECT toNullable(`branch_id`) AS `k0__`, toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `k0__`, `t__`
              )
              ALL LEFT JOIN (
                SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`region`) AS `d__region` FROM `branches`
              ) USING `k0__`
            )
            GROUP BY `period`, `region`
          )
        )
        ALL INNER JOIN (
          SELECT `region`, `period` AS `cp__`, `customer_months__churned_customers` AS `cx__` FROM (
            SELECT `t__` AS `period`, `d__region` AS `region`, sum(`m__churned_customers`) AS `customer_months__churned_customers`
            FROM (
              SELECT `k0__`, `t__`, `m__churned_customers`, `d__region`
              FROM (
                SELECT toNullable(`branch_id`) AS `k0__`, toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `k0__`, `t__`
              )
              ALL LEFT JOIN (
                SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`region`) AS `d__region` FROM `branches`
              ) USING `k0__`
            )
            GROUP BY `period`, `region`
          )
        ) USING `region`
      ) WHERE `cp__` <= `period` GROUP BY `period`, `region`
    ) USING `period`, `region`
  )
)
ORDER BY `period` ASC NULLS LAST, `region` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2026-01-01 2027-01-01]
