package server_test

import (
	"encoding/json"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestFreeSQLAdmitsOnlyOneReadOnlySelect(t *testing.T) {
	db, eng, uploads := lockedBank(t)
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Guard: queries.NewGuard(eng, 1000), UploadDir: uploads, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	attempts := []string{
		"DROP TABLE customers",
		"SELECT 1; DROP TABLE customers",
		"SELECT 1;\u200bDROP TABLE customers",
		"DELETE FROM customers",
		"UPDATE customers SET segment = 'x'",
		"INSERT INTO customers SELECT * FROM customers",
		"CREATE TABLE stolen AS SELECT * FROM customers",
		"COPY customers TO '/tmp/stolen.csv'",
		"EXPORT DATABASE '/tmp/stolen'",
		"ATTACH '/tmp/other.duckdb' AS other",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET enable_external_access = true",
		"RESET lock_configuration",
		"PRAGMA database_list",
		"CALL pragma_version()",
		"CHECKPOINT",
		"VACUUM",
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM '/etc/passwd'",
		"SELECT * FROM range(100000000000)",
		"SELECT * FROM duckdb_settings()",
		"SELECT current_setting('enable_external_access')",
		"SELECT getenv('HOME')",
		"WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d",
		"WITH x AS (SELECT * FROM read_parquet('/tmp/x.parquet')) SELECT * FROM x",
		"SELECT * FROM customers WHERE customer_id IN (SELECT * FROM glob('/etc/*'))",
		"SELECT * FROM beacon_meta",
		"SELECT * FROM beacon_meta, (WITH beacon_meta AS (SELECT 1) SELECT 1)",
		"SELECT * FROM pg_settings, (WITH pg_settings AS (SELECT 1) SELECT 1) x",
		"SELECT * FROM sqlite_master",
		"WITH beacon_meta AS (SELECT * FROM beacon_meta) SELECT * FROM beacon_meta",
		"WITH a AS (SELECT * FROM beacon_meta), beacon_meta AS (SELECT 1) SELECT * FROM a",
		"WITH RECURSIVE sqlite_master AS (SELECT * FROM sqlite_master) SELECT * FROM sqlite_master",
		`WITH "BEACON_META" AS (SELECT * FROM "BEACON_META") SELECT * FROM beacon_meta`,
		"SELECT (WITH pg_settings AS (SELECT * FROM pg_settings) SELECT count(*) FROM pg_settings)",
		`WITH "/tmp/x.csv" AS (SELECT * FROM "/tmp/x.csv") SELECT * FROM "/tmp/x.csv"`,
		"SELECT * FROM customers c, LATERAL (WITH t AS (SELECT * FROM beacon_meta) SELECT * FROM t) x",
		"SHOW TABLES",
		"DESCRIBE customers",
		"SELECT * FROM other.main.customers",
		"SELECT * FROM information_schema.tables",
		"SELECT * FROM ｃustomers",
		"/* hi */ DROP /* there */ TABLE customers",
		"",
		"SELECT",
	}
	for _, q := range attempts {
		body, _ := json.Marshal(map[string]any{"sql": q})
		r := do(t, srv, "POST", "/api/v1/sql", body)
		if r.status != 400 {
			t.Errorf("%q: status %d, want 400: %.200s", q, r.status, r.body)
		}
	}
	if n := warehousetest.Rows(t, db, "SELECT count(*) FROM customers")[0][0]; n != float64(300) {
		t.Fatalf("customers has %v rows after the attempts", n)
	}

	// What is allowed: a SELECT with CTEs, joins and comments, capped by the limit.
	recursive := `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3), s AS (SELECT * FROM r) SELECT count(*) AS n FROM s, Customers`
	body, _ := json.Marshal(map[string]any{"sql": recursive})
	if r := do(t, srv, "POST", "/api/v1/sql", body); r.status != 200 {
		t.Fatalf("a recursive CTE over a data table (any case): %d %s", r.status, r.body)
	}
	ok := `WITH s AS (SELECT segment, count(*) AS n FROM customers GROUP BY 1) -- per segment
		SELECT s.segment, s.n, b.region FROM s CROSS JOIN (SELECT region FROM branches LIMIT 1) b ORDER BY s.n DESC`
	body, _ = json.Marshal(map[string]any{"sql": ok})
	r := do(t, srv, "POST", "/api/v1/sql", body)
	if r.status != 200 {
		t.Fatalf("a plain select: %d %s", r.status, r.body)
	}
	want := warehousetest.Rows(t, db, "SELECT count(DISTINCT segment) FROM customers")[0][0]
	if got := float64(len(rowsOf(t, r))); got != want {
		t.Fatalf("got %v rows, want %v", got, want)
	}
	body, _ = json.Marshal(map[string]any{"sql": "SELECT * FROM customer_months", "limit": 7})
	r = do(t, srv, "POST", "/api/v1/sql", body)
	if len(rowsOf(t, r)) != 7 || r.json(t)["truncated"] != true {
		t.Fatalf("limit 7: got %d rows, truncated %v", len(rowsOf(t, r)), r.json(t)["truncated"])
	}
	// One huge value is refused before it is built, and a result over the
	// result budget (64 MB of 1 MB values) is stopped while it is read.
	body, _ = json.Marshal(map[string]any{"sql": "SELECT repeat('x', 100000000) AS s"})
	checkError(t, do(t, srv, "POST", "/api/v1/sql", body), 400, "sql")
	// 100 rows of 1 MB pass the budget as surely as the default 1,000, with a
	// tenth of the work: under a loaded machine 1,000 hit the query timeout.
	body, _ = json.Marshal(map[string]any{"sql": "SELECT repeat('x', 1000000) AS s FROM customer_months", "limit": 100})
	checkError(t, do(t, srv, "POST", "/api/v1/sql", body), 413, "sql")
	// Uploads still work inside the locked-down database.
	if up := do(t, srv, "POST", "/api/v1/tables/notes", []byte("id,text\n1,hello\n")); up.status != 200 {
		t.Fatalf("upload after lockdown: %d %s", up.status, up.body)
	}
}

func TestFreeSQLIsClosedToScopedTokens(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Guard: queries.NewGuard(eng, 100), Logger: quietLogger(), Auth: server.AuthConfig{Secret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"sql":"SELECT count(DISTINCT branch_id) FROM customers"}`)
	scoped := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("analyst", map[string]any{"branches": []string{"x"}}))
	checkError(t, do(t, srv, "POST", "/api/v1/sql", body, "Authorization", scoped), 403, "")
	whole := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("analyst", nil))
	if r := do(t, srv, "POST", "/api/v1/sql", body, "Authorization", whole); r.status != 200 {
		t.Fatalf("an unscoped analyst: %d %s", r.status, r.body)
	}
	executive := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("executive", nil))
	checkError(t, do(t, srv, "POST", "/api/v1/sql", body, "Authorization", executive), 403, "")
}
