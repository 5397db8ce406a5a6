package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var secret = []byte("a-test-secret-that-is-32-bytes-long!")

func token(tb testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	tb.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func claims(role string, extra map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "tester", "role": role, "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func TestAuthRejectsBadTokens(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{Secret: secret})
	unsigned := strings.TrimSuffix(token(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims("admin", nil)), ".") + "."
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	parts := strings.Split(token(t, jwt.SigningMethodHS256, secret, claims("admin", nil)), ".")
	cases := []struct {
		name, auth string
		status     int
	}{
		{"no token", "", 401},
		{"not bearer", "Basic YWRtaW46YWRtaW4=", 401},
		{"garbage", "Bearer not.a.token", 401},
		{"expired", "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})), 401},
		{"no expiry", "Bearer " + token(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"role": "admin"}), 401},
		{"wrong signature", "Bearer " + token(t, jwt.SigningMethodHS256, []byte("another-secret-that-is-32-bytes-long"), claims("admin", nil)), 401},
		{"alg none", "Bearer " + unsigned, 401},
		{"alg none with a valid payload", "Bearer " + header + "." + parts[1] + ".", 401},
		{"unknown role", "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("root", nil)), 403},
		{"no subject", "Bearer " + token(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"role": "admin", "exp": time.Now().Add(time.Hour).Unix()}), 401},
		{"empty scope object", "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", map[string]any{"scope": map[string]any{}})), 401},
		{"scope not a list", "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", map[string]any{"branches": "all"})), 401},
		{"wrong algorithm", "Bearer " + token(t, jwt.SigningMethodHS384, secret, claims("admin", nil)), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, "GET", "/api/v1/metrics", nil, "Authorization", tc.auth)
			checkError(t, r, tc.status, "")
		})
	}
	ok := do(t, srv, "GET", "/api/v1/metrics", nil, "Authorization", "Bearer "+token(t, jwt.SigningMethodHS256, secret, claims("viewer", nil)))
	if ok.status != 200 {
		t.Fatalf("a valid viewer token: %d %s", ok.status, ok.body)
	}
}

func TestRolesLimitWhatACallerMayDo(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{Secret: secret})
	q := []byte(`{"metrics":["aum"]}`)
	cases := []struct {
		role, method, path string
		body               []byte
		status             int
	}{
		{"viewer", "GET", "/api/v1/metrics/aum", nil, 200},
		{"viewer", "POST", "/api/v1/query", q, 200},
		{"viewer", "POST", "/api/v1/query/compile", q, 403},
		{"executive", "POST", "/api/v1/query", q, 200},
		{"executive", "POST", "/api/v1/query/compile", q, 403},
		{"analyst", "POST", "/api/v1/query/compile", q, 200},
		{"analyst", "POST", "/api/v1/tables/people", []byte("a\n1\n"), 403},
		{"viewer", "GET", "/api/v1/tables", nil, 403},
	}
	for _, tc := range cases {
		r := do(t, srv, tc.method, tc.path, tc.body, "Authorization", "Bearer "+token(t, jwt.SigningMethodHS256, secret, claims(tc.role, nil)))
		if r.status != tc.status {
			t.Errorf("%s %s %s: status %d, want %d: %.200s", tc.role, tc.method, tc.path, r.status, tc.status, r.body)
		}
	}
}

func TestScopedTokenSeesOnlyItsRows(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{Secret: secret})
	branch := warehousetest.Rows(t, bank, "SELECT branch_name FROM branches ORDER BY branch_id LIMIT 1")[0][0].(string)
	scoped := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("executive", map[string]any{"branches": []string{branch}}))

	r := do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["customers","aum"],"dimensions":["branch"],"time":{"range":"last_month"}}`), "Authorization", scoped)
	rows := rowsOf(t, r)
	if r.status != 200 || len(rows) != 1 || rows[0]["branch"] != branch {
		t.Fatalf("scoped to %s, got status %d rows %v", branch, r.status, rows)
	}
	want := warehousetest.Rows(t, bank, `SELECT count(DISTINCT customer_id), sum(aum) FROM customer_months m JOIN branches b USING (branch_id)
		WHERE b.branch_name = $1 AND month = DATE '2026-10-01'`, branch)[0]
	if rows[0]["customers"].(float64) != want[0].(float64) || math.Abs(rows[0]["aum"].(float64)-want[1].(float64)) > 1e-6 {
		t.Fatalf("scoped figures %v, want customers %v aum %v", rows[0], want[0], want[1])
	}
	// Without dimensions the total is the branch's, not the bank's; filtering another branch yields nothing.
	tot := rowsOf(t, do(t, srv, "GET", "/api/v1/metrics/customers?range=last_month", nil, "Authorization", scoped))
	if tot[0]["customers"].(float64) != want[0].(float64) {
		t.Fatalf("scoped total %v, want %v", tot[0]["customers"], want[0])
	}
	other := warehousetest.Rows(t, bank, "SELECT branch_name FROM branches ORDER BY branch_id DESC LIMIT 1")[0][0].(string)
	o := rowsOf(t, do(t, srv, "GET", "/api/v1/metrics/customers?range=last_month&by=branch&filter=branch:eq:"+other, nil, "Authorization", scoped))
	if len(o) != 0 {
		t.Fatalf("a token scoped to %s saw %s: %v", branch, other, o)
	}

	dims := do(t, srv, "GET", "/api/v1/dimensions", nil, "Authorization", scoped).json(t)["dimensions"].([]any)
	for _, d := range dims {
		dm := d.(map[string]any)
		if dm["name"] == "branch" {
			vals, _ := dm["values"].([]any)
			if len(vals) != 1 || vals[0].(map[string]any)["value"] != branch {
				t.Fatalf("a token scoped to %s is shown branch values %v", branch, vals)
			}
		}
	}

	// A scope claim that is present but null sees nothing, not everything.
	for _, null := range []map[string]any{{"branches": nil}, {"regions": nil}, {"scope": map[string]any{"branch": nil}}} {
		tok := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", null))
		r := do(t, srv, "GET", "/api/v1/metrics/customers?range=last_month", nil, "Authorization", tok)
		if r.status != 403 {
			t.Fatalf("claims %v: status %d, want 403: %.200s", null, r.status, r.body)
		}
	}

	// A shorthand cannot widen the scope object: the two are intersected.
	both := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("executive", map[string]any{
		"scope": map[string]any{"region": []string{"华东"}}, "regions": []string{"华东", "华北", "华南", "西南", "华中", "西北"}}))
	if rows := rowsOf(t, do(t, srv, "GET", "/api/v1/metrics/customers?by=region&range=last_month", nil, "Authorization", both)); len(rows) != 1 {
		t.Fatalf("scope.region [华东] with regions [all]: got %d regions, want 1", len(rows))
	}
	region := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("executive", map[string]any{"regions": []string{"华东"}}))
	for _, d := range do(t, srv, "GET", "/api/v1/dimensions", nil, "Authorization", region).json(t)["dimensions"].([]any) {
		dm := d.(map[string]any)
		if vals, _ := dm["values"].([]any); (dm["name"] == "branch" || dm["name"] == "city") && len(vals) > 0 {
			t.Fatalf("a token scoped to 华东 is shown %d %s values from all regions", len(vals), dm["name"])
		}
	}
	reg := rowsOf(t, do(t, srv, "GET", "/api/v1/metrics/renewal_rate?by=region&range=last_year", nil, "Authorization", region))
	if len(reg) != 1 || reg[0]["region"] != "华东" {
		t.Fatalf("region scope: got %v", reg)
	}
}

func TestPublicKeyTokens(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := []struct {
		name   string
		pub    any
		method jwt.SigningMethod
		priv   any
	}{
		{"RS256", &rsaKey.PublicKey, jwt.SigningMethodRS256, rsaKey},
		{"ES256", &ecKey.PublicKey, jwt.SigningMethodES256, ecKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			der, err := x509.MarshalPKIXPublicKey(tc.pub)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "key.pem")
			os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600)
			srv := newServer(t, bank, server.AuthConfig{PublicKeyFile: path})
			good := do(t, srv, "GET", "/api/v1/metrics", nil, "Authorization", "Bearer "+token(t, tc.method, tc.priv, claims("viewer", nil)))
			if good.status != 200 {
				t.Fatalf("a valid %s token: %d %s", tc.name, good.status, good.body)
			}
			// An HS256 token signed with the public key bytes must not pass (algorithm confusion).
			pemBytes, _ := os.ReadFile(path)
			confused := do(t, srv, "GET", "/api/v1/metrics", nil, "Authorization", "Bearer "+token(t, jwt.SigningMethodHS256, pemBytes, claims("admin", nil)))
			checkError(t, confused, 401, "")
		})
	}
}

func TestNoAuthOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "10.1.2.3:80"} {
		if _, err := server.New(server.Config{Addr: addr, DB: bank, Logger: quietLogger()}); err == nil {
			t.Errorf("listening on %s without auth was allowed", addr)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"} {
		if _, err := server.New(server.Config{Addr: addr, DB: bank, Logger: quietLogger()}); err != nil {
			t.Errorf("loopback %s refused: %v", addr, err)
		}
	}
	if _, err := server.New(server.Config{Addr: "0.0.0.0:8080", DB: bank, Logger: quietLogger(), Auth: server.AuthConfig{Secret: []byte("short")}}); err == nil {
		t.Error("a short secret was accepted")
	}
}
