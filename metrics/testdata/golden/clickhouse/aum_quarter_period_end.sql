SELECT `period`, `aum`
FROM (
  SELECT `period`, `customer_months__aum_end`, `customer_months__aum_end` AS `aum` FROM (
    SELECT toStartOfQuarter(`t__`) AS `period`, sum(CASE WHEN `t__` = last_t THEN `m__aum_end` END) AS `customer_months__aum_end`
    FROM (
      SELECT `t__`, `m__aum_end`, `bucket__`, `first_t`, `last_t`
      FROM (
        SELECT `t__`, `m__aum_end`, toStartOfQuarter(`t__`) AS `bucket__` FROM (
          SELECT toStartOfMonth(`month`) AS `t__`, sum(("aum")) AS `m__aum_end` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `t__`
        )
      )
      ALL INNER JOIN (
        SELECT toStartOfQuarter(t) AS `bucket__`, min(t) AS first_t, max(t) AS last_t FROM (SELECT toStartOfMonth(raw) AS t FROM (SELECT DISTINCT `month` AS raw FROM `customer_months` WHERE `month` >= toDate($3) AND `month` < toDate($4))) GROUP BY `bucket__`
      ) USING `bucket__`
    )
    GROUP BY `period`
  )
)
ORDER BY `period` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2025-10-01 2026-10-01 2025-10-01 2026-10-01]
