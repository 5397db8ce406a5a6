package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/server"
)

// A request with two Authorization headers is refused, whichever comes
// first: the first used to win, silently ignoring the second.
func TestTwoAuthorizationHeadersAreRefused(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{Secret: secret})
	base := serveHTTP(t, srv)
	viewer := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", nil))
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
	}{
		{"one token", []string{viewer}, 200},
		{"a token, then garbage", []string{viewer, "Bearer garbage"}, 401},
		{"garbage, then a token", []string{"Bearer garbage", viewer}, 401},
		{"a viewer's, then an admin's", []string{viewer, admin}, 401},
		{"the same token twice", []string{viewer, viewer}, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{"/api/v1/metrics", "/reports/weekly_retention"} {
				req, err := http.NewRequest("GET", base+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range tc.headers {
					req.Header.Add("Authorization", h)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				r := read(resp)
				if tc.status == 200 {
					// Authenticated: the catalog, or a report this bare server may not declare.
					if r.status == 401 || r.status == 403 {
						t.Fatalf("%s: %d %.200s", path, r.status, r.body)
					}
					continue
				}
				checkError(t, r, tc.status, "")
				if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "send one Authorization header, not 2") {
					t.Fatalf("%s: message %q", path, msg)
				}
			}
		})
	}
}
