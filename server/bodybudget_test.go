package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/server"
)

// A body announced by Content-Length is allocated whole by fasthttp when
// the headers are in. These tests send headers that announce a large body
// and never send the body: the answer must come from the headers alone,
// and the server must never hold more than its budget for such bodies.

// budgetServer serves a bank with authentication on and small body limits
// (128 KiB for the API, 1 MiB for uploads: a budget of 8 MiB), so that a
// handful of connections can fill the budget.
func budgetServer(t *testing.T, bodyTimeout time.Duration) (*server.Server, string) {
	t.Helper()
	db, eng, uploads := lockedBank(t)
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Logger: quietLogger(), UploadDir: uploads,
		Auth: server.AuthConfig{Secret: secret}, BodyLimit: 128 << 10, UploadLimit: 1 << 20,
		Conn: server.ConnLimits{ReadBodyTimeout: bodyTimeout}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, serveOn(t, srv)
}

// announce opens a connection and sends a request's headers announcing a
// body of n bytes, and the first bytes of it; the connection stays open
// until the test ends.
func announce(t *testing.T, base, method, path, auth string, n int) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n", method, path, n)
	if auth != "" {
		head += "Authorization: " + auth + "\r\n"
	}
	if _, err := fmt.Fprint(c, head+"\r\na,b\n"); err != nil {
		t.Fatal(err)
	}
	return c
}

// answerOf reads the response to a request whose body was never sent.
func answerOf(t *testing.T, c net.Conn) response {
	t.Helper()
	// A hang guard only: the answer must come without the body.
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	return read(resp)
}

func TestLargeBodiesAreRefusedFromTheirHeaders(t *testing.T) {
	srv, base := budgetServer(t, time.Minute)
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	viewer := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", nil))
	forged := "Bearer " + token(t, jwt.SigningMethodHS256, []byte("another-secret-that-is-32-bytes-long"), claims("admin", nil))
	expired := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", map[string]any{"exp": time.Now().Add(-time.Minute).Unix()}))
	cases := []struct {
		name, method, path, auth string
		n, status                int
		code, message            string
	}{
		{"an upload without a token", "POST", "/api/v1/tables/people", "", 1 << 20, 401, "unauthorized", "send an Authorization: Bearer <JWT> header"},
		{"an upload with a forged token", "POST", "/api/v1/tables/people", forged, 1 << 20, 401, "unauthorized", "the signature does not verify"},
		{"an upload with an expired token", "POST", "/api/v1/tables/people", expired, 1 << 20, 401, "unauthorized", "it has expired"},
		{"an upload by a viewer", "POST", "/api/v1/tables/people", viewer, 1 << 20, 403, "forbidden", "only an admin may load a table"},
		{"a query without a token", "POST", "/api/v1/query", "", 100 << 10, 401, "unauthorized", "send an Authorization"},
		{"a report query with a forged token", "POST", "/reports/query", forged, 100 << 10, 401, "unauthorized", "the signature does not verify"},
		{"a route that takes no body", "PUT", "/healthz", admin, 100 << 10, 413, "too_large", "takes no request body"},
		{"a front page", "POST", "/ask", admin, 100 << 10, 413, "too_large", "takes no request body"},
		{"over the API's limit, even as admin", "POST", "/api/v1/query", admin, 200 << 10, 413, "too_large", ""},
		{"over the upload limit, even as admin", "POST", "/api/v1/tables/people", admin, 2 << 20, 413, "too_large", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := answerOf(t, announce(t, base, tc.method, tc.path, tc.auth, tc.n))
			e, _ := r.json(t)["error"].(map[string]any)
			if r.status != tc.status || e["code"] != tc.code || !strings.Contains(fmt.Sprint(e["message"]), tc.message) {
				t.Fatalf("%d %s, want %d %s with %q", r.status, r.body, tc.status, tc.code, tc.message)
			}
		})
	}
	if held := srv.BodiesHeld(); held != 0 {
		t.Fatalf("refused bodies hold %d bytes of the budget", held)
	}
}

// Admins' slow uploads fill the budget: the next large body is refused at
// once with 503 busy and Retry-After, small bodies still run, and the
// budget comes back once the slow bodies' timeout has passed.
func TestLargeBodiesShareABoundedBudget(t *testing.T) {
	srv, base := budgetServer(t, 3*time.Second)
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	const upload = 1 << 20
	budget := int64(8 << 20)
	for range 8 {
		announce(t, base, "POST", "/api/v1/tables/slow", admin, upload)
	}
	waitFor(t, func() bool { return srv.BodiesHeld() == budget })

	r := answerOf(t, announce(t, base, "POST", "/api/v1/tables/late", admin, upload))
	e, _ := r.json(t)["error"].(map[string]any)
	if r.status != 503 || e["code"] != "busy" || r.header.Get("Retry-After") == "" {
		t.Fatalf("a large body beyond the budget: %d %s (Retry-After %q), want 503 busy with Retry-After", r.status, r.body, r.header.Get("Retry-After"))
	}
	if held := srv.BodiesHeld(); held > budget {
		t.Fatalf("the budget is %d bytes, but %d are held", budget, held)
	}
	q := send(t, base, "POST", "/api/v1/query", []byte(`{"metrics":["aum"]}`), admin)
	if q.status != 200 {
		t.Fatalf("a small query while the budget is full: %d %s", q.status, q.body)
	}

	// The slow uploads' bodies time out; their reservations end a second later.
	waitFor(t, func() bool { return srv.BodiesHeld() == 0 })
	csv := strings.Repeat("1,2\n", (100<<10)/4)
	r = send(t, base, "POST", "/api/v1/tables/budget_after?format=csv", []byte("a,b\n"+csv), admin)
	var loaded struct {
		Rows int `json:"rows"`
	}
	if err := json.Unmarshal(r.body, &loaded); r.status != 200 || err != nil || loaded.Rows != (100<<10)/4 {
		t.Fatalf("an upload once the budget is free: %d %s", r.status, r.body)
	}
	if held := srv.BodiesHeld(); held != 0 {
		t.Fatalf("a finished upload still holds %d bytes", held)
	}
}

// A client cannot hand itself a reservation or a refusal through the
// server's internal headers.
func TestInternalBodyHeadersFromClientsAreIgnored(t *testing.T) {
	srv, base := budgetServer(t, time.Minute)
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	announce(t, base, "POST", "/api/v1/query", admin, 100<<10) // its body never comes
	r := send(t, base, "POST", "/api/v1/query", []byte(`{"metrics":["aum"]}`), admin)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/query", strings.NewReader(`{"metrics":["aum"]}`))
	req.Header.Set("Authorization", admin)
	req.Header.Set("X-Beacon-Internal-Body-Hold", "1")
	req.Header.Set("X-Beacon-Internal-Body-Refused", "busy")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(resp); got.status != 200 {
		t.Fatalf("a request naming the internal headers: %d %s", got.status, got.body)
	}
	if held := srv.BodiesHeld(); held != 100<<10 {
		t.Fatalf("the slow body's reservation is %d bytes, want %d: a client's header released it", held, 100<<10)
	}
}
