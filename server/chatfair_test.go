package server_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/server"
)

// One caller starting conversation after conversation forgets only its own
// oldest ones: it pushed every other caller's follow-up memory out of the
// shared LRU before. Conversations are 12 in all here, 4 per caller.
func TestChatConversationsAreBoundedPerCaller(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: bank, Engine: eng, Logger: quietLogger(),
		Auth: server.AuthConfig{Secret: secret},
		Chat: queries.NewChat(eng, queries.ChatConfig{Conversations: 12, ConversationsPerCaller: 4})})
	if err != nil {
		t.Fatal(err)
	}
	base := serveHTTP(t, srv)
	bearer := func(sub string) string {
		return "Bearer " + token(t, jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": sub, "role": "viewer", "exp": 1 << 40})
	}
	ask := func(who, question, conv string) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"question": question, "conversation_id": conv})
		r := send(t, base, "POST", "/api/v1/chat", body, bearer(who))
		if r.status != 200 {
			t.Fatalf("%s asks %q in %s: %d %s", who, question, conv, r.status, r.body)
		}
		return r.json(t)
	}
	// follows says whether a follow-up in conv still refines its first question.
	follows := func(who, conv string) bool {
		q, _ := ask(who, "那上海呢？", conv)["query"].(map[string]any)
		ms, _ := q["metrics"].([]any)
		return len(ms) == 1 && ms[0] == "renewal_rate"
	}
	ask("bob", "本季度各区域续约率", "bob-1")
	for i := range 30 {
		ask("mallory", "本季度各区域续约率", fmt.Sprintf("m-%d", i))
	}
	for _, tc := range []struct {
		who, conv string
		kept      bool
	}{
		{"bob", "bob-1", true},     // another caller's conversation survives
		{"mallory", "m-29", true},  // the flood's latest are kept
		{"mallory", "m-26", true},  // four of them
		{"mallory", "m-0", false},  // its oldest are forgotten
		{"mallory", "m-25", false}, // beyond its four
		{"alice", "bob-1", false},  // an id is per caller
	} {
		t.Run(tc.who+"/"+tc.conv, func(t *testing.T) {
			if got := follows(tc.who, tc.conv); got != tc.kept {
				t.Fatalf("follow-up in %s by %s refines the first question: %v, want %v", tc.conv, tc.who, got, tc.kept)
			}
		})
	}
}
