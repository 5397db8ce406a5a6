SELECT `city`, `aum`, `complaint_rate`
FROM (
  SELECT `city`, `customer_months__aum_end`, `customer_months__complaint_count`, `customer_months__customers_seen`, `aum`, `complaints`, `customers`, ((1000 * (`complaints`)) / NULLIF((`customers`), 0)) AS `complaint_rate` FROM (
    SELECT `city`, `customer_months__aum_end`, `customer_months__complaint_count`, `customer_months__customers_seen`, `aum`, `complaints`, `customer_months__customers_seen` AS `customers` FROM (
      SELECT `city`, `customer_months__aum_end`, `customer_months__complaint_count`, `customer_months__customers_seen`, `aum`, `customer_months__complaint_count` AS `complaints` FROM (
        SELECT `city`, `customer_months__aum_end`, `customer_months__complaint_count`, `customer_months__customers_seen`, `customer_months__aum_end` AS `aum` FROM (
          SELECT `d__city` AS `city`, sum(CASE WHEN `t__` = (SELECT toStartOfMonth(max(`month`)) FROM `customer_months` WHERE `month` >= toDate($4) AND `month` < toDate($5)) THEN `m__aum_end` END) AS `customer_months__aum_end`, sum(`m__complaint_count`) AS `customer_months__complaint_count`, count(DISTINCT `m__customers_seen`) AS `customer_months__customers_seen`
          FROM (
            SELECT `k0__`, `k1__`, `d__segment`, `t__`, `m__aum_end`, `m__complaint_count`, `m__customers_seen`, `d__city`, `d__channel`
            FROM (
              SELECT `k0__`, `k1__`, `d__segment`, `t__`, `m__aum_end`, `m__complaint_count`, `m__customers_seen`, `d__city`
              FROM (
                SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`customer_id`) AS `k1__`, toNullable(`segment`) AS `d__segment`, toStartOfMonth(`month`) AS `t__`, ("aum") AS `m__aum_end`, ("complaints") AS `m__complaint_count`, ("customer_id") AS `m__customers_seen` FROM `customer_months` WHERE `month` >= toDate($2) AND `month` < toDate($3) AND `branch_id` GLOBAL IN (SELECT `branch_id` FROM `branches` WHERE position(toString(`branch_name`), $1) > 0)
              )
              ALL LEFT JOIN (
                SELECT toNullable(`branch_id`) AS `k0__`, toNullable(`city`) AS `d__city` FROM `branches`
              ) USING `k0__`
            )
            ALL LEFT JOIN (
              SELECT toNullable(`customer_id`) AS `k1__`, toNullable(`channel`) AS `d__channel` FROM `customers`
            ) USING `k1__`
          )
          WHERE `d__segment` IN ($6, $7) AND (`d__channel` IS NULL OR `d__channel` NOT IN ($8))
          GROUP BY `city`
        )
      )
    )
  )
)
ORDER BY `city` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [上海 2026-06-01 2026-07-01 2026-06-01 2026-07-01 高净值 退休 网点]
