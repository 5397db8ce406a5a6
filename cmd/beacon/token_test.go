package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestTokenCarriesRoleScopeAndExpiry(t *testing.T) {
	const secret = "a-demo-secret-that-is-at-least-32-bytes"
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	tok, err := mintToken(tokenOptions{secret: secret, role: "executive", branches: "上海浦东支行, 上海徐汇支行", ttl: 8 * time.Hour,
		now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.MapClaims
	_, err = jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	if c["role"] != "executive" || c["sub"] != "demo-executive" || c["exp"] != float64(now.Add(8*time.Hour).Unix()) {
		t.Errorf("claims %v", c)
	}
	if b, _ := c["branches"].([]any); len(b) != 2 || b[0] != "上海浦东支行" || b[1] != "上海徐汇支行" {
		t.Errorf("branches %v", c["branches"])
	}
	if _, ok := c["regions"]; ok {
		t.Errorf("regions set without --regions: %v", c)
	}
}

func TestTokenRefused(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no secret", []string{"--role", "executive"}, "no JWT secret"},
		{"short secret", []string{"--jwt-secret", "short", "--role", "admin"}, "at least 32"},
		{"unknown role", []string{"--jwt-secret", strings.Repeat("s", 32), "--role", "boss"}, `"boss" is not one of`},
		{"no ttl", []string{"--jwt-secret", strings.Repeat("s", 32), "--ttl", "0s"}, "--ttl"},
		{"empty scope", []string{"--jwt-secret", strings.Repeat("s", 32), "--branches", " , "}, "--branches names no value"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("BEACON_JWT_SECRET", "")
			var out bytes.Buffer
			err := token(c.args, &out)
			if err == nil || !strings.Contains(err.Error(), c.want) || out.Len() != 0 {
				t.Errorf("got %v (printed %q), want an error containing %q", err, out.String(), c.want)
			}
		})
	}
}
