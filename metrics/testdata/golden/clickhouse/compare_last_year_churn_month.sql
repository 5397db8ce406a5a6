SELECT `period`, `churn_rate`, `p_same_period_last_year__churn_rate` AS `churn_rate_previous`, (`churn_rate` - `p_same_period_last_year__churn_rate`) AS `churn_rate_delta`, (toFloat64(`churn_rate` - `p_same_period_last_year__churn_rate`) / nullIf(abs(`p_same_period_last_year__churn_rate`), 0)) AS `churn_rate_pct_change`
FROM (
  SELECT `period`, `customer_months__churned_customers`, `customer_months__customers_at_start`, `churn_rate`, `p_same_period_last_year__churn_rate`
  FROM (
    SELECT `period`, `customer_months__churned_customers`, `customer_months__customers_at_start`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
      SELECT `g__period` AS `period`, `customer_months__churned_customers`, `customer_months__customers_at_start` FROM (
        SELECT (toStartOfMonth(`month`)) AS `g__period`, sum(((CAST(churned AS INTEGER)))) AS `customer_months__churned_customers`, sum(((CAST(active_at_start AS INTEGER)))) AS `customer_months__customers_at_start`
        FROM `customer_months`
        WHERE `month` >= toDate($1) AND `month` < toDate($2)
        GROUP BY `g__period`
      )
    )
  )
  ALL LEFT JOIN (
    SELECT `period`, `churn_rate` AS `p_same_period_last_year__churn_rate` FROM (
      SELECT `period`, `customer_months__churned_customers`, `customer_months__customers_at_start`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
        SELECT `g__period` AS `period`, `customer_months__churned_customers`, `customer_months__customers_at_start` FROM (
          SELECT addYears((toStartOfMonth(`month`)), 1) AS `g__period`, sum(((CAST(churned AS INTEGER)))) AS `customer_months__churned_customers`, sum(((CAST(active_at_start AS INTEGER)))) AS `customer_months__customers_at_start`
          FROM `customer_months`
          WHERE `month` >= toDate($3) AND `month` < toDate($4)
          GROUP BY `g__period`
        )
      )
    )
  ) USING `period`
)
ORDER BY `period` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2026-08-01 2026-11-01 2025-08-01 2025-11-01]
