package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenRoles are the roles a token may carry (server/auth.go reads them).
var tokenRoles = []string{"viewer", "executive", "analyst", "admin"}

// tokenOptions are what beacon token writes into a token.
type tokenOptions struct {
	secret, role, subject string
	branches, regions     string
	issuer, audience      string
	ttl                   time.Duration
	now                   func() time.Time
}

// token handles `beacon token`: it mints an HS256 JWT with the server's
// secret, for demos, tests and a sign-in link to the web front.
func token(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	o := tokenOptions{now: time.Now}
	fs.StringVar(&o.secret, "jwt-secret", "", "HS256 secret the server verifies with, at least 32 bytes (or env BEACON_JWT_SECRET)")
	fs.StringVar(&o.role, "role", "viewer", "role: "+strings.Join(tokenRoles, ", "))
	fs.StringVar(&o.subject, "sub", "", "who the token is for (default: demo-ROLE)")
	fs.StringVar(&o.branches, "branches", "", "row scope: comma-separated branches the holder may see (e.g. 上海浦东支行)")
	fs.StringVar(&o.regions, "regions", "", "row scope: comma-separated regions the holder may see (e.g. 华东)")
	fs.StringVar(&o.issuer, "jwt-issuer", env("BEACON_JWT_ISSUER", ""), "iss claim, when the server requires one")
	fs.StringVar(&o.audience, "jwt-audience", env("BEACON_JWT_AUDIENCE", ""), "aud claim, when the server requires one")
	fs.DurationVar(&o.ttl, "ttl", 8*time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token takes only flags, got %q", fs.Arg(0))
	}
	if o.secret == "" {
		o.secret = os.Getenv("BEACON_JWT_SECRET")
	}
	t, err := mintToken(o)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, t)
	return err
}

// mintToken signs a token with the claims the server reads.
func mintToken(o tokenOptions) (string, error) {
	if o.secret == "" {
		return "", errors.New("no JWT secret: give --jwt-secret or set BEACON_JWT_SECRET to the server's secret (a token signed with anything else is refused)")
	}
	if len(o.secret) < 32 {
		return "", fmt.Errorf("the JWT secret is %d bytes; the server needs at least 32", len(o.secret))
	}
	if !slices.Contains(tokenRoles, o.role) {
		return "", fmt.Errorf("--role %q is not one of %s", o.role, strings.Join(tokenRoles, ", "))
	}
	if o.ttl <= 0 || o.ttl > 30*24*time.Hour {
		return "", fmt.Errorf("--ttl %s must be above 0 and at most 720h", o.ttl)
	}
	if o.subject == "" {
		o.subject = "demo-" + o.role
	}
	now := o.now()
	claims := jwt.MapClaims{"sub": o.subject, "role": o.role, "iat": now.Unix(), "exp": now.Add(o.ttl).Unix()}
	if o.issuer != "" {
		claims["iss"] = o.issuer
	}
	if o.audience != "" {
		claims["aud"] = o.audience
	}
	for name, list := range map[string]string{"branches": o.branches, "regions": o.regions} {
		if list == "" {
			continue
		}
		var vals []string
		for _, v := range strings.Split(list, ",") {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			return "", fmt.Errorf("--%s names no value", name)
		}
		claims[name] = vals
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(o.secret))
}
