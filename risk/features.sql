-- Churn early-warning features: one row per customer and snapshot month,
-- for customers still open at the end of that month. Every feature is
-- computed from rows dated on or before the end of the snapshot month; only
-- the outcome (churn_next) looks past it. docs/risk.md describes each column.
--
-- Parameters: $1 first snapshot month, $2 last snapshot month (first days
-- of months), $3 the outcome horizon in months, $4 the share of customers
-- kept (1: all) and $5 the sample's multiplier. A customer is kept when
-- (|id| mod P) · multiplier mod P < share · P, P = 4294967291 (Sample.Keeps
-- in features.go is the same rule): every month of a kept customer is
-- kept, and sampling does not change a kept customer's features.
WITH params AS (
	SELECT $1::DATE AS first_month, $2::DATE AS last_month, $3::INTEGER AS horizon,
		$4::DOUBLE AS keep_share, $5::HUGEINT AS sample_multiplier,
		(SELECT max(month) FROM customer_months) AS history_end
),
history AS (
	-- Twelve months before the first snapshot are enough for every window.
	SELECT cm.customer_id, cm.month, cm.tx_count, cm.tx_amount, cm.balance, cm.aum,
		cm.deposits, cm.withdrawals, cm.app_logins, cm.products_held, cm.churned,
		-- Months as integers: RANGE frames over integers are much faster than over intervals.
		datediff('month', DATE '2000-01-01', cm.month) AS m
	FROM customer_months cm, params p
	WHERE cm.month >= p.first_month - INTERVAL 12 MONTH AND cm.month <= p.last_month
		AND (p.keep_share >= 1
			OR abs(cm.customer_id::HUGEINT) % 4294967291 * p.sample_multiplier % 4294967291 < p.keep_share * 4294967291)
),
windows AS (
	SELECT *,
		sum(tx_count) OVER last3 AS tx_count_3m,
		sum(tx_count) OVER prev3 AS tx_count_prev_3m,
		sum(tx_amount) OVER last3 AS tx_amount_3m,
		sum(tx_amount) OVER prev3 AS tx_amount_prev_3m,
		sum(app_logins) OVER last3 AS app_logins_3m,
		sum(app_logins) OVER prev3 AS app_logins_prev_3m,
		sum(withdrawals - deposits) OVER last3 AS net_outflow_3m,
		sum(balance) OVER ago3 AS balance_3m_ago,
		sum(aum) OVER ago3 AS aum_3m_ago,
		max(products_held) OVER prev6 AS products_max_prev_6m,
		max(CASE WHEN tx_count > 0 THEN month END) OVER upto AS last_active_month,
		count(*) OVER upto AS months_seen
	FROM history
	WINDOW
		last3 AS (PARTITION BY customer_id ORDER BY m RANGE BETWEEN 2 PRECEDING AND CURRENT ROW),
		prev3 AS (PARTITION BY customer_id ORDER BY m RANGE BETWEEN 5 PRECEDING AND 3 PRECEDING),
		ago3 AS (PARTITION BY customer_id ORDER BY m RANGE BETWEEN 3 PRECEDING AND 3 PRECEDING),
		prev6 AS (PARTITION BY customer_id ORDER BY m RANGE BETWEEN 6 PRECEDING AND 1 PRECEDING),
		upto AS (PARTITION BY customer_id ORDER BY m ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
snap AS (
	SELECT w.*, last_day(w.month) AS month_end
	FROM windows w, params p
	WHERE w.month BETWEEN p.first_month AND p.last_month AND NOT w.churned
),
complaints_90d AS (
	SELECT s.customer_id, s.month, count(*) AS n
	FROM snap s
	JOIN complaints c ON c.customer_id = s.customer_id
		AND c.complaint_date > s.month_end - 90 AND c.complaint_date <= s.month_end
	GROUP BY ALL
),
contracts_at AS (
	-- A contract's scheduled due date is its start plus the product's term:
	-- maturity_date is cut short when a customer leaves, so it must not be
	-- read before it has passed.
	SELECT s.customer_id, s.month,
		count(*) FILTER (WHERE k.maturity_date > s.month_end - INTERVAL 6 MONTH
			AND k.maturity_date <= s.month_end AND NOT k.renewed) AS contracts_closed_6m,
		count(*) FILTER (WHERE k.product_type = '定期存款' AND k.maturity_date > s.month_end
			AND k.start_date + to_months(pr.term_months) <= s.month_end + 90) AS term_deposits_maturing_90d,
		coalesce(sum(k.amount) FILTER (WHERE k.product_type = '定期存款' AND k.maturity_date > s.month_end
			AND k.start_date + to_months(pr.term_months) <= s.month_end + 90), 0) AS maturing_amount_90d
	FROM snap s
	JOIN contracts k ON k.customer_id = s.customer_id AND k.start_date <= s.month_end
	JOIN products pr ON pr.product_id = k.product_id
	GROUP BY ALL
)
SELECT s.customer_id, s.month, c.branch_id, c.segment, c.channel, c.age_band,
	s.tx_count_3m::DOUBLE AS tx_count_3m,
	coalesce(s.tx_count_prev_3m, 0)::DOUBLE AS tx_count_prev_3m,
	CASE WHEN s.tx_count_prev_3m IS NULL THEN 0
		ELSE (s.tx_count_3m - s.tx_count_prev_3m) / greatest(s.tx_count_prev_3m, 1) END::DOUBLE AS tx_count_change,
	s.tx_amount_3m::DOUBLE AS tx_amount_3m,
	CASE WHEN s.tx_amount_prev_3m IS NULL THEN 0
		ELSE (s.tx_amount_3m - s.tx_amount_prev_3m) / greatest(s.tx_amount_prev_3m, 1) END::DOUBLE AS tx_amount_change,
	s.app_logins_3m::DOUBLE AS app_logins_3m,
	CASE WHEN s.app_logins_prev_3m IS NULL THEN 0
		ELSE (s.app_logins_3m - s.app_logins_prev_3m) / greatest(s.app_logins_prev_3m, 1) END::DOUBLE AS app_logins_change,
	s.balance::DOUBLE AS balance,
	s.aum::DOUBLE AS aum,
	CASE WHEN s.balance_3m_ago IS NULL THEN 0
		ELSE (s.balance - s.balance_3m_ago) / greatest(s.balance_3m_ago, 1) END::DOUBLE AS balance_change_3m,
	CASE WHEN s.aum_3m_ago IS NULL THEN 0
		ELSE (s.aum - s.aum_3m_ago) / greatest(s.aum_3m_ago, 1) END::DOUBLE AS aum_change_3m,
	s.net_outflow_3m::DOUBLE AS net_outflow_3m,
	least(12, coalesce(datediff('month', s.last_active_month, s.month), s.months_seen))::DOUBLE AS months_inactive,
	coalesce(q.n, 0)::DOUBLE AS complaints_90d,
	s.products_held::DOUBLE AS products_held,
	greatest(0, coalesce(s.products_max_prev_6m, s.products_held) - s.products_held)::DOUBLE AS products_dropped_6m,
	coalesce(k.contracts_closed_6m, 0)::DOUBLE AS contracts_closed_6m,
	coalesce(k.term_deposits_maturing_90d, 0)::DOUBLE AS term_deposits_maturing_90d,
	coalesce(k.maturing_amount_90d, 0)::DOUBLE AS maturing_amount_90d,
	datediff('month', c.onboard_date, s.month)::DOUBLE AS tenure_months,
	CASE
		WHEN s.month + to_months(p.horizon) > p.history_end THEN NULL
		ELSE c.close_date IS NOT NULL AND date_trunc('month', c.close_date) > s.month
			AND date_trunc('month', c.close_date) <= s.month + to_months(p.horizon)
	END AS churn_next
FROM snap s
CROSS JOIN params p
JOIN customers c ON c.customer_id = s.customer_id
LEFT JOIN complaints_90d q ON q.customer_id = s.customer_id AND q.month = s.month
LEFT JOIN contracts_at k ON k.customer_id = s.customer_id AND k.month = s.month
ORDER BY s.month, s.customer_id
