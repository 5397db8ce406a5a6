package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestSilenceScope checks that silences follow the visibility of their
// rules: a branch-scoped caller lists, creates and ends silences only on
// rules it sees, never sees a channel-wide one, and learns nothing of
// another branch's rule or silence (404, as for an absent one); an admin
// sees and ends them all.
func TestSilenceScope(t *testing.T) {
	srv, _ := alertServer(t)
	bearer := func(c jwt.MapClaims) string { return "Bearer " + token(t, jwt.SigningMethodHS256, secret, c) }
	branch := func(sub, b string) string {
		return bearer(jwt.MapClaims{"sub": sub, "role": "analyst", "branches": []string{b}, "exp": time.Now().Add(time.Hour).Unix()})
	}
	admin, viewer := bearer(claims("admin", nil)), bearer(claims("viewer", nil))
	pudong, chaoyang := branch("head-1", "上海浦东支行"), branch("head-2", "北京朝阳支行")
	until := time.Now().Add(time.Hour).Format(time.RFC3339)

	// call sends a request, checks its status and, for an error, that the
	// JSON names field; it answers the decoded body.
	call := func(method, path, body, auth string, status int, field string) map[string]any {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		r := do(t, srv, method, path, b, "Authorization", auth)
		if r.status != status {
			t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body)
		}
		if status == 204 {
			return nil
		}
		m := r.json(t)
		if status >= 400 {
			e, _ := m["error"].(map[string]any)
			if f, _ := e["field"].(string); f != field {
				t.Fatalf("%s %s: error field %q, want %q: %s", method, path, f, field, r.body)
			}
		}
		return m
	}
	silence := func(rule, channel, auth string) string {
		t.Helper()
		body := `{"rule":"` + rule + `","channel":"` + channel + `","until":"` + until + `"}`
		return call("POST", "/api/v1/silences", body, auth, 201, "")["id"].(string)
	}
	listed := func(auth string) []string {
		t.Helper()
		var ids []string
		for _, x := range call("GET", "/api/v1/silences", "", auth, 200, "")["silences"].([]any) {
			ids = append(ids, x.(map[string]any)["id"].(string))
		}
		slices.Sort(ids)
		return ids
	}
	want := func(ids ...string) []string { slices.Sort(ids); return ids }

	for _, rc := range []struct{ id, auth string }{{"pudong-churn", pudong}, {"chaoyang-churn", chaoyang}} {
		call("POST", "/api/v1/alerts", strings.Replace(ruleJSON, `"churn-high"`, `"`+rc.id+`"`, 1), rc.auth, 201, "")
	}
	onPudong := silence("pudong-churn", "", pudong)
	onChaoyang := silence("chaoyang-churn", "ops-hook", chaoyang)
	onChannel := silence("", "ops-hook", admin)

	for _, c := range []struct {
		who, auth string
		want      []string
	}{
		{"pudong head", pudong, want(onPudong)},
		{"chaoyang head", chaoyang, want(onChaoyang)},
		{"admin", admin, want(onPudong, onChaoyang, onChannel)},
		{"unscoped viewer", viewer, want(onPudong, onChaoyang, onChannel)},
	} {
		if got := listed(c.auth); !slices.Equal(got, c.want) {
			t.Errorf("%s lists silences %v, want %v", c.who, got, c.want)
		}
	}

	// Another branch's rule answers as an absent one does.
	for _, rule := range []string{"pudong-churn", "no-such-rule"} {
		call("POST", "/api/v1/silences", `{"rule":"`+rule+`","until":"`+until+`"}`, chaoyang, 404, "rule")
	}
	call("POST", "/api/v1/silences", `{"channel":"ops-hook","until":"`+until+`"}`, chaoyang, 403, "rule")
	for _, id := range []string{onPudong, onChannel, "no-such-silence"} {
		call("DELETE", "/api/v1/silences/"+id, "", chaoyang, 404, "id")
	}
	call("DELETE", "/api/v1/silences/"+onPudong, "", viewer, 403, "")
	if got := listed(admin); !slices.Equal(got, want(onPudong, onChaoyang, onChannel)) {
		t.Fatalf("refused deletes ended silences: admin lists %v", got)
	}

	// The owner ends its own; an admin ends another branch's and the channel's.
	call("DELETE", "/api/v1/silences/"+onPudong, "", pudong, 204, "")
	call("DELETE", "/api/v1/silences/"+onChaoyang, "", admin, 204, "")
	if got := listed(admin); !slices.Equal(got, want(onChannel)) {
		t.Errorf("after deletes admin lists %v, want %v", got, want(onChannel))
	}
	call("POST", "/api/v1/silences", `{"rule":"chaoyang-churn","until":"`+until+`"}`, admin, 201, "") // the bare id: one owner has it
	call("DELETE", "/api/v1/silences/"+onChannel, "", admin, 204, "")
	if got := listed(pudong); len(got) != 0 {
		t.Errorf("pudong head lists %v after its silence ended", got)
	}
}
