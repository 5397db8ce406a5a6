-- A five-customer bank for checking features.sql by hand (see
-- features_test.go for the expected values and how each is worked out).
-- Snapshot month: 2026-06; history ends 2026-08.
CREATE TABLE products (product_id INTEGER, product_type VARCHAR, term_months INTEGER);
INSERT INTO products VALUES (1, '定期存款', 3), (3, '定期存款', 12), (5, '定期存款', 36), (9, '理财', 12);

CREATE TABLE customers (customer_id BIGINT, segment VARCHAR, branch_id INTEGER, channel VARCHAR,
	gender VARCHAR, age_band VARCHAR, onboard_date DATE, close_date DATE);
INSERT INTO customers VALUES
	(1, '年轻', 10, '手机银行', '女', '18-29', DATE '2020-01-10', DATE '2026-08-15'), -- declining, leaves in August
	(2, '普通', 11, '网点', '男', '30-44', DATE '2026-05-20', NULL),                -- joined last month
	(3, '潜在', 10, '网上银行', '男', '45-59', DATE '2026-06-28', NULL),            -- joined this month, no history
	(4, '高净值', 12, '客户经理', '女', '60+', DATE '2019-03-01', DATE '2026-06-10'), -- left in the snapshot month
	(5, '退休', 12, '网点', '女', '60+', DATE '2019-03-01', DATE '2026-02-10');     -- left before it

CREATE TABLE customer_months (month DATE, customer_id BIGINT, tx_count INTEGER, tx_amount DOUBLE,
	balance DOUBLE, aum DOUBLE, deposits DOUBLE, withdrawals DOUBLE, app_logins INTEGER,
	products_held INTEGER, churned BOOLEAN);
INSERT INTO customer_months VALUES
	(DATE '2025-12-01', 1, 10, 1000, 9000, 14000, 0, 0, 5, 3, false),
	(DATE '2026-01-01', 1, 10, 1000, 9500, 14500, 500, 0, 5, 3, false),
	(DATE '2026-02-01', 1, 12, 1200, 9800, 14800, 300, 0, 5, 3, false),
	(DATE '2026-03-01', 1, 8, 800, 10000, 15000, 200, 0, 5, 3, false),
	(DATE '2026-04-01', 1, 6, 500, 8100, 12000, 100, 2000, 2, 3, false),
	(DATE '2026-05-01', 1, 3, 400, 5100, 8000, 0, 3000, 1, 3, false),
	(DATE '2026-06-01', 1, 0, 0, 4000, 5000, 50, 1000, 0, 2, false),
	(DATE '2026-07-01', 1, 0, 0, 1000, 1000, 0, 3000, 0, 2, false),
	(DATE '2026-08-01', 1, 0, 0, 0, 0, 0, 1000, 0, 1, true),
	(DATE '2026-05-01', 2, 4, 300, 1000, 1000, 1000, 0, 3, 1, false),
	(DATE '2026-06-01', 2, 6, 450, 1500, 1500, 600, 100, 2, 1, false),
	(DATE '2026-07-01', 2, 6, 450, 1600, 1600, 100, 0, 2, 1, false),
	(DATE '2026-08-01', 2, 6, 450, 1700, 1700, 100, 0, 2, 1, false),
	(DATE '2026-06-01', 3, 0, 0, 0, 0, 0, 0, 0, 1, false),
	(DATE '2026-07-01', 3, 1, 50, 200, 200, 200, 0, 1, 1, false),
	(DATE '2026-08-01', 3, 1, 50, 200, 200, 0, 0, 1, 1, false),
	(DATE '2026-05-01', 4, 20, 9000, 500000, 900000, 0, 0, 9, 4, false),
	(DATE '2026-06-01', 4, 5, 2000, 0, 0, 0, 500000, 1, 4, true),
	(DATE '2026-01-01', 5, 7, 700, 3000, 3000, 0, 0, 2, 2, false),
	(DATE '2026-02-01', 5, 1, 100, 0, 0, 0, 3000, 0, 2, true);

CREATE TABLE complaints (complaint_id BIGINT, customer_id BIGINT, complaint_date DATE, category VARCHAR);
INSERT INTO complaints VALUES
	(1, 1, DATE '2026-03-15', '服务态度'), -- more than 90 days before 2026-06-30
	(2, 1, DATE '2026-04-05', '费用'),     -- within
	(3, 1, DATE '2026-07-02', '费用'),     -- after the snapshot
	(4, 4, DATE '2026-06-02', '利率');     -- a customer who is not scored

CREATE TABLE contracts (contract_id BIGINT, customer_id BIGINT, product_id INTEGER, product_type VARCHAR,
	amount DOUBLE, start_date DATE, maturity_date DATE, renewed BOOLEAN);
INSERT INTO contracts VALUES
	-- Matured 2026-02-01, not renewed: closed within 6 months of 2026-06-30.
	(1, 1, 1, '定期存款', 20000, DATE '2025-11-01', DATE '2026-02-01', false),
	-- Matured 2025-10-01, not renewed: too long ago.
	(2, 1, 1, '定期存款', 5000, DATE '2025-07-01', DATE '2025-10-01', false),
	-- Due 2026-09-20 (within 90 days), withdrawn on leaving: maturity_date is the close date.
	(3, 1, 3, '定期存款', 50000, DATE '2025-09-20', DATE '2026-08-15', false),
	-- Due 2029-01-20, withdrawn on leaving 2026-08-15: must NOT count as maturing soon.
	(4, 1, 5, '定期存款', 80000, DATE '2026-01-20', DATE '2026-08-15', false),
	-- A wealth product due soon: not a term deposit.
	(5, 1, 9, '理财', 7000, DATE '2025-08-01', DATE '2026-08-01', NULL),
	-- Starts after the snapshot.
	(6, 2, 1, '定期存款', 900, DATE '2026-07-05', DATE '2026-10-05', NULL);
