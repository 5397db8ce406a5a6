SELECT `period`, `region`, `renewal_rate`, `churn_rate`
FROM (
  SELECT `period`, `region`, `contracts__renewed_contracts`, `contracts__matured_contracts`, `customer_months__churned_customers`, `customer_months__customers_at_start`, `renewal_rate`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
    SELECT `period`, `region`, `contracts__renewed_contracts`, `contracts__matured_contracts`, `customer_months__churned_customers`, `customer_months__customers_at_start`, toFloat64(`contracts__renewed_contracts`) / nullIf(`contracts__matured_contracts`, 0) AS `renewal_rate` FROM (
      SELECT `period`, `region`, `contracts__renewed_contracts`, `contracts__matured_contracts`, `customer_months__churned_customers`, `customer_months__customers_at_start`
      FROM (
        SELECT toStartOfQuarter(`t__`) AS `period`, `d__region` AS `region`, coalesce(sum(`m__renewed_contracts`), 0) AS `contracts__renewed_contracts`, coalesce(sum(`m__matured_contracts`), 0) AS `contracts__matured_contracts`
        FROM (
          SELECT `k0__`, `t__`, `m__renewed_contracts`, `m__matured_contracts`, `d__region`
          FROM (
            SELECT toNullable(`branch_id`) AS `k0__`, toDate(`maturity_date`) AS `t__`, count((CASE WHEN (renewed) THEN (1) END)) AS `m__renewed_contracts`, count((CASE WHEN (renewed IS NOT NULL) THEN (1) END)) AS `m__matured_contracts` FROM `contracts` WHERE `maturity_date` >= toDate($1) AND `maturity_date` < toDate($2) GROUP BY `k0__`, `t__`
          )
          ALL LEFT JOIN (
            SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`region`) AS `d__region` FROM `branches`
          ) USING `k0__`
        )
        GROUP BY `period`, `region`
      )
      ALL FULL JOIN (
        SELECT toStartOfQuarter(`t__`) AS `period`, `d__region` AS `region`, sum(`m__churned_customers`) AS `customer_months__churned_customers`, sum(CASE WHEN `t__` = first_t THEN `m__customers_at_start` END) AS `customer_months__customers_at_start`
        FROM (
          SELECT `k0__`, `t__`, `m__churned_customers`, `m__customers_at_start`, `d__region`, `bucket__`, `first_t`, `last_t`
          FROM (
            SELECT `k0__`, `t__`, `m__churned_customers`, `m__customers_at_start`, `d__region`, toStartOfQuarter(`t__`) AS `bucket__` FROM (
              SELECT `k0__`, `t__`, `m__churned_customers`, `m__customers_at_start`, `d__region`
              FROM (
                SELECT toNullable(`branch_id`) AS `k0__`, toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers`, sum((CAST(active_at_start AS INTEGER))) AS `m__customers_at_start` FROM `customer_months` WHERE `month` >= toDate($3) AND `month` < toDate($4) GROUP BY `k0__`, `t__`
              )
              ALL LEFT JOIN (
                SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`region`) AS `d__region` FROM `branches`
              ) USING `k0__`
            )
          )
          ALL INNER JOIN (
            SELECT toStartOfQuarter(t) AS `bucket__`, min(t) AS first_t, max(t) AS last_t FROM (SELECT toStartOfMonth(raw) AS t FROM (SELECT DISTINCT `month` AS raw FROM `customer_months` WHERE `month` >= toDate($5) AND `month` < toDate($6))) GROUP BY `bucket__`
          ) USING `bucket__`
        )
        GROUP BY `period`, `region`
      ) USING `period`, `region`
    )
  )
)
ORDER BY `period` ASC NULLS LAST, `region` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2026-04-01 2026-10-01 2026-04-01 2026-10-01 2026-04-01 2026-10-01]
