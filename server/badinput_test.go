package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

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

func TestHugeBodyIsRejected(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	big := bytes.Repeat([]byte(" "), 50<<20)
	copy(big, `{"metrics":["aum"]}`)
	r := do(t, srv, "POST", "/api/v1/query", big)
	checkError(t, r, 413, "")
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
