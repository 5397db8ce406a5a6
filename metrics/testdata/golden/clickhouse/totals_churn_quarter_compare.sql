SELECT `churn_rate`, `p_previous_period__churn_rate` AS `churn_rate_previous`, (`churn_rate` - `p_previous_period__churn_rate`) AS `churn_rate_delta`, (toFloat64(`churn_rate` - `p_previous_period__churn_rate`) / nullIf(abs(`p_previous_period__churn_rate`), 0)) AS `churn_rate_pct_change`, `aum`, `p_previous_period__aum` AS `aum_previous`, (`aum` - `p_previous_period__aum`) AS `aum_delta`, (toFloat64(`aum` - `p_previous_period__aum`) / nullIf(abs(`p_previous_period__aum`), 0)) AS `aum_pct_change`
FROM (
  SELECT `customer_months__churned_customers`, `customer_months__customers_at_start`, `customer_months__aum_end`, `churn_rate`, `aum`, `p_previous_period__churn_rate`, `p_previous_period__aum`
  FROM (
    SELECT `customer_months__churned_customers`, `customer_months__customers_at_start`, `customer_months__aum_end`, `churn_rate`, `customer_months__aum_end` AS `aum` FROM (
      SELECT `customer_months__churned_customers`, `customer_months__customers_at_start`, `customer_months__aum_end`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
        SELECT sum(`m__churned_customers`) AS `customer_months__churned_customers`, sum(CASE WHEN `t__` = (SELECT toStartOfMonth(min(`month`)) FROM `customer_months` WHERE `month` >= toDate($3) AND `month` < toDate($4)) THEN `m__customers_at_start` END) AS `customer_months__customers_at_start`, sum(CASE WHEN `t__` = (SELECT toStartOfMonth(max(`month`)) FROM `customer_months` WHERE `month` >= toDate($5) AND `month` < toDate($6)) THEN `m__aum_end` END) AS `customer_months__aum_end`
        FROM (
          SELECT toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers`, sum((CAST(active_at_start AS INTEGER))) AS `m__customers_at_start`, sum(("aum")) AS `m__aum_end` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `t__`
        )
      )
    )
  )
  CROSS JOIN (
    SELECT `churn_rate` AS `p_previous_period__churn_rate`, `aum` AS `p_previous_period__aum` FROM (
      SELECT `customer_months__churned_customers`, `customer_months__customers_at_start`, `customer_months__aum_end`, `churn_rate`, `customer_months__aum_end` AS `aum` FROM (
        SELECT `customer_months__churned_customers`, `customer_months__customers_at_start`, `customer_months__aum_end`, toFloat64(`customer_months__churned_customers`) / nullIf(`customer_months__customers_at_start`, 0) AS `churn_rate` FROM (
          SELECT sum(`m__churned_customers`) AS `customer_months__churned_customers`, sum(CASE WHEN `t__` = (SELECT toStartOfMonth(min(`month`)) FROM `customer_months` WHERE `month` >= toDate($9) AND `month` < toDate($10)) THEN `m__customers_at_start` END) AS `customer_months__customers_at_start`, sum(CASE WHEN `t__` = (SELECT toStartOfMonth(max(`month`)) FROM `customer_months` WHERE `month` >= toDate($11) AND `month` < toDate($12)) THEN `m__aum_end` END) AS `customer_months__aum_end`
          FROM (
            SELECT toStartOfMonth(`month`) AS `t__`, sum((CAST(churned AS INTEGER))) AS `m__churned_customers`, sum((CAST(active_at_start AS INTEGER))) AS `m__customers_at_start`, sum(("aum")) AS `m__aum_end` FROM `customer_months` WHERE `month` >= toDate($7) AND `month` < toDate($8) GROUP BY `t__`
          )
        )
      )
    )
  )
)
LIMIT 2
SETTINGS join_use_nulls = 1
-- args: [2026-04-01 2026-10-01 2026-04-01 2026-10-01 2026-04-01 2026-10-01 2026-01-01 2026-07-01 2026-01-01 2026-07-01 2026-01-01 2026-07-01]
