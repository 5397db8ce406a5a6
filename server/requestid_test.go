package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/server"
)

// A client's X-Request-Id is used when it is a plain token; anything else
// (markup, spaces, kilobytes) is replaced by a generated id, in the header
// and in the error body alike.
func TestClientRequestIDsArePlainTokens(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	base := serveHTTP(t, srv)
	generated := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	for _, tc := range []struct {
		name, sent string
		kept       bool
	}{
		{"a trace id", "4bf92f3577b34da6a3ce929d0e0e4736", true},
		{"with dots, colons and dashes", "lb-1:req.42_x", true},
		{"markup", "<script>alert(1)</script>", false},
		{"spaces", "a b", false},
		{"quotes", `a"b`, false},
		{"too long", strings.Repeat("a", 129), false},
		{"non-ASCII", "请求一", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", base+"/api/v1/metrics/nope", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Request-Id", tc.sent)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r := read(resp)
			got := r.header.Get("X-Request-Id")
			inBody := r.json(t)["error"].(map[string]any)["request_id"]
			if inBody != got {
				t.Fatalf("the body says %v, the header %q", inBody, got)
			}
			if tc.kept && got != tc.sent {
				t.Fatalf("sent %q, answered %q", tc.sent, got)
			}
			if !tc.kept && !generated.MatchString(got) {
				t.Fatalf("sent %q, answered %q, want a generated id", tc.sent, got)
			}
		})
	}
}
