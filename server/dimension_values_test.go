package server_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// A dimension's values are those of the caller's rows: a branch head is
// offered its own region (not the bank's six) and the segments its branch
// has customers in, each list equal to hand SQL over its rows; an
// unscoped caller gets the catalog's; a scoped dimension gives the scope.
func TestDimensionValuesFollowTheScope(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{Secret: secret})
	branch := warehousetest.Rows(t, bank, "SELECT branch_name FROM branches ORDER BY branch_id LIMIT 1")[0][0].(string)
	scoped := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("executive", map[string]any{"branches": []string{branch}}))
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	values := func(dim, tok string) []string {
		t.Helper()
		r := do(t, srv, "GET", "/api/v1/dimensions/"+dim+"/values", nil, "Authorization", tok)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", dim, r.status, r.body)
		}
		var out []string
		for _, v := range r.json(t)["values"].([]any) {
			out = append(out, v.(map[string]any)["value"].(string))
		}
		slices.Sort(out)
		return out
	}
	hand := func(sql string, args ...any) []string {
		var out []string
		for _, r := range warehousetest.Rows(t, bank, sql, args...) {
			out = append(out, fmt.Sprint(r[0]))
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		dim, tok string
		want     []string
	}{
		{"region", scoped, hand("SELECT DISTINCT region FROM branches WHERE branch_name = $1", branch)},
		{"segment", scoped, hand(`SELECT DISTINCT m.segment FROM customer_months m JOIN branches b USING (branch_id)
			WHERE b.branch_name = $1 AND m.segment IS NOT NULL`, branch)},
		{"branch", scoped, []string{branch}},
		{"region", admin, hand("SELECT DISTINCT region FROM branches")},
	}
	for _, tc := range cases {
		got := values(tc.dim, tc.tok)
		if !slices.Equal(got, tc.want) || len(got) == 0 {
			t.Errorf("%s values for %s: %v, want %v", tc.dim, map[bool]string{true: "the branch head", false: "an admin"}[tc.tok == scoped], got, tc.want)
		}
	}
	if len(values("region", admin)) < 2 {
		t.Fatal("the test bank has one region: the scoped case proves nothing")
	}
	if r := do(t, srv, "GET", "/api/v1/dimensions/colour/values", nil, "Authorization", admin); r.status != 404 {
		t.Fatalf("an unknown dimension: %d %s", r.status, r.body)
	}
}
