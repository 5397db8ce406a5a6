package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/server"
)

// pinsServer serves the shared bank with authentication on.
func pinsServer(t *testing.T) *server.Server {
	t.Helper()
	srv, err := frontServer(t, server.AuthConfig{Secret: secret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// bearer signs a token for subject with a role and, optionally, branches.
func bearer(t *testing.T, subject, role string, branches ...string) string {
	t.Helper()
	c := jwt.MapClaims{"sub": subject, "role": role, "exp": time.Now().Add(time.Hour).Unix()}
	if len(branches) > 0 {
		c["branches"] = branches
	}
	return "Bearer " + token(t, jwt.SigningMethodHS256, secret, c)
}

type pinList struct {
	Pins []struct {
		ID    string          `json:"id"`
		Title string          `json:"title"`
		Kind  string          `json:"kind"`
		Query json.RawMessage `json:"query"`
	} `json:"pins"`
	Max int `json:"max"`
}

func listPins(t *testing.T, srv *server.Server, auth string) pinList {
	t.Helper()
	r := do(t, srv, "GET", "/api/v1/pins", nil, "Authorization", auth)
	if r.status != 200 {
		t.Fatalf("GET /api/v1/pins: %d %s", r.status, r.body)
	}
	var l pinList
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

const branchPin = `{"title":"上个月各支行流失率","kind":"bar","query":{"metrics":["churn_rate"],"dimensions":["branch"],"time":{"range":"last_month"}}}`

// A pin belongs to the user who made it; its query, run by that user,
// sees only their rows, and another user can neither list nor delete it.
func TestPinsAreEachUsers(t *testing.T) {
	srv := pinsServer(t)
	mine := "上海浦东支行"
	head := bearer(t, "pin-head", "executive", mine)
	other := bearer(t, "pin-other", "executive")

	r := do(t, srv, "POST", "/api/v1/pins", []byte(branchPin), "Authorization", head)
	if r.status != 201 {
		t.Fatalf("create pin: %d %s", r.status, r.body)
	}
	id, _ := r.json(t)["id"].(string)
	if len(id) != 16 {
		t.Fatalf("pin id %q", id)
	}
	got := listPins(t, srv, head)
	if len(got.Pins) != 1 || got.Pins[0].ID != id || got.Pins[0].Kind != "bar" || got.Pins[0].Title != "上个月各支行流失率" || got.Max != server.MaxPins {
		t.Fatalf("the owner's pins: %+v", got)
	}
	if l := listPins(t, srv, other); len(l.Pins) != 0 {
		t.Errorf("another user sees %d pins of someone else", len(l.Pins))
	}

	// The stored query, run with the owner's token, gives the owner's branch
	// only, with the figure an unscoped user gets by filtering to it.
	rows := rowsOf(t, do(t, srv, "POST", "/api/v1/query", got.Pins[0].Query, "Authorization", head))
	if len(rows) != 1 || rows[0]["branch"] != mine {
		t.Fatalf("the pin's query for a scoped owner gives %v, want one row for %s", rows, mine)
	}
	filtered := `{"metrics":["churn_rate"],"filters":[{"dimension":"branch","op":"eq","value":"` + mine + `"}],"time":{"range":"last_month"}}`
	want := rowsOf(t, do(t, srv, "POST", "/api/v1/query", []byte(filtered), "Authorization", other))
	if len(want) != 1 || want[0]["churn_rate"] != rows[0]["churn_rate"] {
		t.Errorf("the pin shows churn %v for %s; filtered to it, the query API gives %v", rows[0]["churn_rate"], mine, want)
	}

	if r := do(t, srv, "DELETE", "/api/v1/pins/"+id, nil, "Authorization", other); r.status != 404 {
		t.Errorf("another user deleting the pin: %d %s, want 404", r.status, r.body)
	}
	if r := do(t, srv, "DELETE", "/api/v1/pins/"+id, nil, "Authorization", head); r.status != 204 {
		t.Errorf("the owner deleting the pin: %d %s, want 204", r.status, r.body)
	}
	if r := do(t, srv, "DELETE", "/api/v1/pins/"+id, nil, "Authorization", head); r.status != 404 {
		t.Errorf("deleting it again: %d, want 404", r.status)
	}
	if l := listPins(t, srv, head); len(l.Pins) != 0 {
		t.Errorf("after deleting, the owner has %d pins", len(l.Pins))
	}
}

// Bad pins are refused with a 4xx naming the field at fault.
func TestPinsRefuseBadBodies(t *testing.T) {
	srv := pinsServer(t)
	auth := bearer(t, "pin-bad", "viewer")
	many := make([]string, 2000)
	for i := range many {
		many[i] = fmt.Sprintf(`"value-%04d"`, i)
	}
	for _, c := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"no title", `{"kind":"kpi","query":{"metrics":["aum"]}}`, 400, "title"},
		{"blank title", `{"title":"  ","kind":"kpi","query":{"metrics":["aum"]}}`, 400, "title"},
		{"long title", `{"title":"` + strings.Repeat("长", 201) + `","kind":"kpi","query":{"metrics":["aum"]}}`, 400, "title"},
		{"control character", `{"title":"a\u0007b","kind":"kpi","query":{"metrics":["aum"]}}`, 400, "title"},
		{"unknown kind", `{"title":"t","kind":"gauge","query":{"metrics":["aum"]}}`, 400, "kind"},
		{"no query", `{"title":"t","kind":"kpi"}`, 400, "query"},
		{"unknown metric", `{"title":"t","kind":"kpi","query":{"metrics":["aum","nope"]}}`, 400, "query.metrics[1]"},
		{"unknown dimension", `{"title":"t","kind":"bar","query":{"metrics":["aum"],"dimensions":["planet"]}}`, 400, "query.dimensions[0]"},
		{"unknown field", `{"title":"t","kind":"kpi","query":{"metrics":["aum"]},"owner":"x"}`, 400, "owner"},
		{"query too large", `{"title":"t","kind":"table","query":{"metrics":["aum"],"filters":[{"dimension":"branch","op":"in","values":[` +
			strings.Join(many, ",") + `]}]}}`, 413, "query"},
		{"not an object", `[1]`, 400, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, srv, "POST", "/api/v1/pins", []byte(c.body), "Authorization", auth)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			e, _ := r.json(t)["error"].(map[string]any)
			if c.field != "" && (e == nil || e["field"] != c.field) {
				t.Errorf("error %v, want field %q", e, c.field)
			}
		})
	}
	if l := listPins(t, srv, auth); len(l.Pins) != 0 {
		t.Errorf("refused pins were kept: %d", len(l.Pins))
	}
	if r := do(t, srv, "POST", "/api/v1/pins", []byte(branchPin)); r.status != 401 {
		t.Errorf("a pin without a token: %d, want 401", r.status)
	}
}

// One user keeps at most MaxPins; the next is refused until one goes.
func TestPinsAreBounded(t *testing.T) {
	srv := pinsServer(t)
	auth := bearer(t, "pin-max", "executive")
	var last string
	for i := range server.MaxPins {
		r := do(t, srv, "POST", "/api/v1/pins", []byte(fmt.Sprintf(`{"title":"pin %d","kind":"kpi","query":{"metrics":["aum"]}}`, i)), "Authorization", auth)
		if r.status != 201 {
			t.Fatalf("pin %d: %d %s", i, r.status, r.body)
		}
		last, _ = r.json(t)["id"].(string)
	}
	r := do(t, srv, "POST", "/api/v1/pins", []byte(branchPin), "Authorization", auth)
	if e, _ := r.json(t)["error"].(map[string]any); r.status != 409 || e["field"] != "pins" {
		t.Fatalf("pin %d: %d %s, want 409 naming pins", server.MaxPins+1, r.status, r.body)
	}
	if r := do(t, srv, "POST", "/api/v1/pins", []byte(branchPin), "Authorization", bearer(t, "pin-max-2", "executive")); r.status != 201 {
		t.Errorf("another user's first pin: %d %s", r.status, r.body)
	}
	if r := do(t, srv, "DELETE", "/api/v1/pins/"+last, nil, "Authorization", auth); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	if r := do(t, srv, "POST", "/api/v1/pins", []byte(branchPin), "Authorization", auth); r.status != 201 {
		t.Errorf("after removing one, a pin: %d %s", r.status, r.body)
	}
	if l := listPins(t, srv, auth); len(l.Pins) != server.MaxPins || l.Pins[0].Title != "pin 0" {
		t.Errorf("the user has %d pins (first %q), want %d oldest first", len(l.Pins), l.Pins[0].Title, server.MaxPins)
	}
}
