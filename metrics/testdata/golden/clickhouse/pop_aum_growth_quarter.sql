SELECT `period`, `segment`, (toFloat64(`aum` - `p_previous_period__aum`) / nullIf(abs(`p_previous_period__aum`), 0)) AS `aum_growth`
FROM (
  SELECT `period`, `segment`, `customer_months__aum_end`, `aum`, `p_previous_period__aum`
  FROM (
    SELECT `period`, `segment`, `customer_months__aum_end`, `customer_months__aum_end` AS `aum` FROM (
      SELECT toStartOfQuarter(`t__`) AS `period`, `d__segment` AS `segment`, sum(CASE WHEN `t__` = last_t THEN `m__aum_end` END) AS `customer_months__aum_end`
      FROM (
        SELECT `d__segment`, `t__`, `m__aum_end`, `bucket__`, `first_t`, `last_t`
        FROM (
          SELECT `d__segment`, `t__`, `m__aum_end`, toStartOfQuarter(`t__`) AS `bucket__` FROM (
            SELECT toNullable(`segment`) AS `d__segment`, toStartOfMonth(`month`) AS `t__`, sum(("aum")) AS `m__aum_end` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `d__segment`, `t__`
          )
        )
        ALL INNER JOIN (
          SELECT toStartOfQuarter(t) AS `bucket__`, min(t) AS first_t, max(t) AS last_t FROM (SELECT toStartOfMonth(raw) AS t FROM (SELECT DISTINCT `month` AS raw FROM `customer_months` WHERE `month` >= toDate($3) AND `month` < toDate($4))) GROUP BY `bucket__`
        ) USING `bucket__`
      )
      GROUP BY `period`, `segment`
    )
  )
  ALL LEFT JOIN (
    SELECT `period`, `segment`, `aum` AS `p_previous_period__aum` FROM (
      SELECT `period`, `segment`, `customer_months__aum_end`, `customer_months__aum_end` AS `aum` FROM (
        SELECT addMonths(toStartOfQuarter(`t__`), 3) AS `period`, `d__segment` AS `segment`, sum(CASE WHEN `t__` = last_t THEN `m__aum_end` END) AS `customer_months__aum_end`
        FROM (
          SELECT `d__segment`, `t__`, `m__aum_end`, `bucket__`, `first_t`, `last_t`
          FROM (
            SELECT `d__segment`, `t__`, `m__aum_end`, toStartOfQuarter(`t__`) AS `bucket__` FROM (
              SELECT toNullable(`segment`) AS `d__segment`, toStartOfMonth(`month`) AS `t__`, sum(("aum")) AS `m__aum_end` FROM `customer_months` WHERE `month` >= toDate($5) AND `month` < toDate($6) GROUP BY `d__segment`, `t__`
            )
          )
          ALL INNER JOIN (
            SELECT toStartOfQuarter(t) AS `bucket__`, min(t) AS first_t, max(t) AS last_t FROM (SELECT toStartOfMonth(raw) AS t FROM (SELECT DISTINCT `month` AS raw FROM `customer_months` WHERE `month` >= toDate($7) AND `month` < toDate($8))) GROUP BY `bucket__`
          ) USING `bucket__`
        )
        GROUP BY `period`, `segment`
      )
    )
  ) USING `period`, `segment`
)
ORDER BY `period` ASC NULLS LAST, `segment` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2025-10-01 2026-10-01 2025-10-01 2026-10-01 2025-07-01 2026-07-01 2025-07-01 2026-07-01]
