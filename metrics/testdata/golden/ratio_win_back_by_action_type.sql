WITH "cur__retention_actions" AS (
  SELECT f."d__action_type" AS "action_type", count(f."m__actions_won_back") AS "retention_actions__actions_won_back", count(f."m__actions_resolved") AS "retention_actions__actions_resolved"
  FROM (SELECT "action_type" AS "d__action_type", (CASE WHEN (stayed_90d) THEN (1) END) AS "m__actions_won_back", (CASE WHEN (stayed_90d IS NOT NULL) THEN (1) END) AS "m__actions_resolved" FROM "retention_actions" WHERE "action_date" >= CAST($1 AS DATE) AND "action_date" < CAST($2 AS DATE)) AS f
  GROUP BY 1),
"cur" AS (
  SELECT "action_type", CAST("retention_actions__actions_won_back" AS DOUBLE) / NULLIF("retention_actions__actions_resolved", 0) AS "win_back_rate"
  FROM "cur__retention_actions")
SELECT c."action_type", c."win_back_rate"
FROM "cur" AS c
ORDER BY "action_type" ASC NULLS LAST
LIMIT 10001
-- args: [2026-07-01 2026-10-01]
