SELECT `segment`, `segment_contribution`
FROM (
  SELECT `segment`, `customer_months__aum_end`, `aum`, `tot__segment_contribution`, toFloat64(`aum`) / nullIf(`tot__segment_contribution`, 0) AS `segment_contribution` FROM (
    SELECT `segment`, `customer_months__aum_end`, `aum`, `tot__segment_contribution`
    FROM (
      SELECT `segment`, `customer_months__aum_end`, `customer_months__aum_end` AS `aum` FROM (
        SELECT `d__segment` AS `segment`, sum(CASE WHEN `t__` = (SELECT toStartOfMonth(max(`month`)) FROM `customer_months` WHERE `month` >= toDate($3) AND `month` < toDate($4)) THEN `m__aum_end` END) AS `customer_months__aum_end`
        FROM (
          SELECT toNullable(`segment`) AS `d__segment`, toStartOfMonth(`month`) AS `t__`, sum(("aum")) AS `m__aum_end` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `d__segment`, `t__`
        )
        GROUP BY `segment`
      )
    )
    CROSS JOIN (
      SELECT sum(`aum`) AS `tot__segment_contribution` FROM (
        SELECT `segment`, `customer_months__aum_end`, `customer_months__aum_end` AS `aum` FROM (
          SELECT `d__segment` AS `segment`, sum(CASE WHEN `t__` = (SELECT toStartOfMonth(max(`month`)) FROM `customer_months` WHERE `month` >= toDate($3) AND `month` < toDate($4)) THEN `m__aum_end` END) AS `customer_months__aum_end`
          FROM (
            SELECT toNullable(`segment`) AS `d__segment`, toStartOfMonth(`month`) AS `t__`, sum(("aum")) AS `m__aum_end` FROM `customer_months` WHERE `month` >= toDate($1) AND `month` < toDate($2) GROUP BY `d__segment`, `t__`
          )
          GROUP BY `segment`
        )
      )
    )
  )
)
WHERE `segment` = $5
ORDER BY `segment` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2026-10-01 2026-11-01 2026-10-01 2026-11-01 高净值]
