SELECT `action_type`, `win_back_rate`
FROM (
  SELECT `action_type`, `retention_actions__actions_won_back`, `retention_actions__actions_resolved`, toFloat64(`retention_actions__actions_won_back`) / nullIf(`retention_actions__actions_resolved`, 0) AS `win_back_rate` FROM (
    SELECT `g__action_type` AS `action_type`, `retention_actions__actions_won_back`, `retention_actions__actions_resolved` FROM (
      SELECT (toNullable(`action_type`)) AS `g__action_type`, count(((CASE WHEN (stayed_90d) THEN (1) END))) AS `retention_actions__actions_won_back`, count(((CASE WHEN (stayed_90d IS NOT NULL) THEN (1) END))) AS `retention_actions__actions_resolved`
      FROM `retention_actions`
      WHERE `action_date` >= toDate($1) AND `action_date` < toDate($2)
      GROUP BY `g__action_type`
    )
  )
)
ORDER BY `action_type` ASC NULLS LAST
LIMIT 10001
SETTINGS join_use_nulls = 1
-- args: [2026-07-01 2026-10-01]
