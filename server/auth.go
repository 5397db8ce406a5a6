package server

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// AuthConfig configures JWT bearer authentication. With neither a secret
// nor a public key, authentication is off (loopback only).
type AuthConfig struct {
	// Secret verifies HS256 tokens.
	Secret []byte
	// PublicKeyFile is a PEM RSA or EC public key that verifies RS256 or ES256 tokens.
	PublicKeyFile string
	// Issuer and Audience, when set, must match the token's.
	Issuer   string
	Audience string
}

// Roles, from least to most privileged.
const (
	roleViewer    = "viewer"
	roleExecutive = "executive"
	roleAnalyst   = "analyst"
	roleAdmin     = "admin"
)

var roles = []string{roleViewer, roleExecutive, roleAnalyst, roleAdmin}

// Principal is who is asking: a role and an optional row scope.
type Principal struct {
	Subject string
	Role    string
	Scope   metrics.Scope
}

// Claims are the JWT claims Beacon reads. Scope maps a dimension to the
// values the holder may see; Branches and Regions are shorthands for the
// branch and region dimensions.
//
// The scope claims are read raw so that a claim present but null (as Go
// writes a nil slice) denies everything instead of granting everything.
type Claims struct {
	Role     string          `json:"role"`
	Scope    json.RawMessage `json:"scope,omitempty"`
	Branches json.RawMessage `json:"branches,omitempty"`
	Regions  json.RawMessage `json:"regions,omitempty"`
	jwt.RegisteredClaims
}

type authenticator struct {
	cfg     AuthConfig
	key     any
	methods []string
}

func newAuthenticator(cfg AuthConfig) (*authenticator, error) {
	a := &authenticator{cfg: cfg}
	switch {
	case len(cfg.Secret) > 0 && cfg.PublicKeyFile != "":
		return nil, errors.New("auth: configure a secret or a public key, not both")
	case len(cfg.Secret) > 0:
		if len(cfg.Secret) < 32 {
			return nil, errors.New("auth: the HS256 secret must be at least 32 bytes")
		}
		a.key, a.methods = cfg.Secret, []string{"HS256"}
	case cfg.PublicKeyFile != "":
		pem, err := os.ReadFile(cfg.PublicKeyFile)
		if err != nil {
			return nil, fmt.Errorf("auth: read public key: %w", err)
		}
		if k, err := jwt.ParseRSAPublicKeyFromPEM(pem); err == nil {
			a.key, a.methods = k, []string{"RS256"}
		} else if k, err := jwt.ParseECPublicKeyFromPEM(pem); err == nil {
			a.key, a.methods = k, []string{"ES256"}
		} else {
			return nil, fmt.Errorf("auth: %s is neither an RSA nor an EC public key in PEM", cfg.PublicKeyFile)
		}
	}
	return a, nil
}

func (a *authenticator) enabled() bool { return a.key != nil }

// principal verifies a bearer token and returns who holds it.
func (a *authenticator) principal(header string) (*Principal, error) {
	if !a.enabled() {
		return &Principal{Subject: "local", Role: roleAdmin}, nil
	}
	// The scheme is case-insensitive (RFC 9110 section 11.1): bearer and BEARER are Bearer.
	scheme, token, _ := strings.Cut(header, " ")
	token = strings.TrimLeft(token, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, beacon.Errorf(beacon.EUNAUTHORIZED, "send an Authorization: Bearer <JWT> header")
	}
	opts := []jwt.ParserOption{jwt.WithValidMethods(a.methods), jwt.WithExpirationRequired()}
	if a.cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(a.cfg.Issuer))
	}
	if a.cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(a.cfg.Audience))
	}
	var claims Claims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return a.key, nil }, opts...)
	if err != nil {
		return nil, &beacon.Error{Code: beacon.EUNAUTHORIZED, Message: "invalid token: " + tokenProblem(err), Err: err}
	}
	if err := strictToken(token); err != nil {
		return nil, beacon.Errorf(beacon.EUNAUTHORIZED, "invalid token: %s", err)
	}
	if !slices.Contains(roles, claims.Role) {
		return nil, beacon.Invalid("role", roles, "the token's role %q is not a Beacon role", claims.Role).WithCode(beacon.EFORBIDDEN)
	}
	if claims.Subject == "" {
		return nil, beacon.Errorf(beacon.EUNAUTHORIZED, "invalid token: it has no subject (sub), which Beacon needs to keep each caller's conversations apart")
	}
	p := &Principal{Subject: claims.Subject, Role: claims.Role}
	scope, err := readScope(claims)
	if err != nil {
		return nil, err
	}
	p.Scope = scope
	return p, nil
}

// readScope turns the scope claims into a row scope, or nil for none. A
// scope claim that is present but null, or not a list of strings, is an
// error or an empty scope: never a wider view.
func readScope(c Claims) (metrics.Scope, error) {
	scope := metrics.Scope{}
	list := func(dim string, raw json.RawMessage) error {
		if len(raw) == 0 {
			return nil
		}
		var vals []string
		if err := json.Unmarshal(raw, &vals); err != nil {
			return beacon.Errorf(beacon.EUNAUTHORIZED, "invalid token: the %s scope must be a list of strings", dim)
		}
		vals = append([]string{}, vals...) // null reads as an empty list: nothing is visible
		if prev, ok := scope[dim]; ok {
			// A dimension named twice (scope.region and regions) keeps only
			// the values both allow.
			vals = slices.DeleteFunc(vals, func(v string) bool { return !slices.Contains(prev, v) })
		}
		scope[dim] = vals
		return nil
	}
	if len(c.Scope) > 0 {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(c.Scope, &m); err != nil || len(m) == 0 {
			// An empty scope object would otherwise read as no scope at all.
			return nil, beacon.Errorf(beacon.EUNAUTHORIZED, "invalid token: scope must be an object naming at least one dimension: {\"region\": [...]}")
		}
		for dim, raw := range m {
			if len(raw) == 0 {
				raw = json.RawMessage("null")
			}
			if err := list(dim, raw); err != nil {
				return nil, err
			}
		}
	}
	if err := list("branch", c.Branches); err != nil {
		return nil, err
	}
	if err := list("region", c.Regions); err != nil {
		return nil, err
	}
	if len(scope) == 0 {
		return nil, nil
	}
	return scope, nil
}

// claimNames are the claims Beacon reads, spelled exactly.
var claimNames = []string{"role", "scope", "branches", "regions", "iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// strictToken holds a verified token's JSON to the letter, where the JWT
// library (through encoding/json) is lenient:
//
//   - no key may appear twice in the header or the claims (encoding/json
//     keeps the last, so a token could say two things);
//   - a claim named like one Beacon reads but in another case (Branches,
//     ROLE) refuses the token: encoding/json would read it as the claim, and
//     next to the exact one the last would win;
//   - exp, nbf and iat must be JSON numbers, as RFC 7519 says ("9999999999"
//     as a string would otherwise be read as a date);
//   - a crit header refuses the token: it lists extensions the recipient
//     must understand, and Beacon understands none (RFC 7515 section 4.1.11).
func strictToken(token string) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return errors.New("it is malformed")
	}
	header, err := tokenPart(parts[0], "header")
	if err != nil {
		return err
	}
	if _, ok := header["crit"]; ok {
		return errors.New("it has a crit header naming extensions Beacon does not implement")
	}
	claims, err := tokenPart(parts[1], "claims")
	if err != nil {
		return err
	}
	for name, raw := range claims {
		for _, want := range claimNames {
			if name != want && strings.EqualFold(name, want) {
				return fmt.Errorf("claim %q differs from %q only in case; claim names are exact", clipParam(name), want)
			}
		}
		switch name {
		case "exp", "nbf", "iat":
			if len(raw) == 0 || !strings.ContainsRune("-0123456789", rune(raw[0])) {
				return fmt.Errorf("claim %s must be a number of seconds since 1970 (a JSON number), got %s", name, clipParam(string(raw)))
			}
		}
	}
	return nil
}

// tokenPart decodes one base64url JSON part of a token strictly: an object
// with no duplicate keys and only valid UTF-8.
func tokenPart(seg, what string) (map[string]json.RawMessage, error) {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, fmt.Errorf("its %s is not base64url", what)
	}
	var m map[string]json.RawMessage
	if _, _, err := strictJSON(b, reflect.TypeOf(m)); err != nil {
		return nil, fmt.Errorf("its %s: %s", what, errMessage(err))
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("its %s is not a JSON object", what)
	}
	return m, nil
}

// errMessage is a Beacon error's message without its code.
func errMessage(err error) string {
	var be *beacon.Error
	if errors.As(err, &be) {
		return be.Message
	}
	return err.Error()
}

func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "it has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "it is not valid yet (nbf)"
	case strings.Contains(err.Error(), "signing method"):
		return "it is not signed with an accepted algorithm"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "the signature does not verify"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "it is not signed with an accepted algorithm"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), strings.Contains(err.Error(), "iss claim"):
		return "its issuer (iss) is not the one this server accepts"
	case errors.Is(err, jwt.ErrTokenInvalidAudience), strings.Contains(err.Error(), "aud claim"):
		return "its audience (aud) is not this server"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "it has no expiry (exp)"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "it is malformed"
	}
	return "it was not accepted"
}

// authenticate resolves the caller for every API route.
func (s *Server) authenticate(c *fiber.Ctx) error {
	// Two Authorization headers are not one credential (RFC 9110 section
	// 5.3): reading the first and ignoring the second would let a proxy and
	// Beacon each see a different caller.
	if n := len(c.Request().Header.PeekAll(fiber.HeaderAuthorization)); n > 1 && s.auth.enabled() {
		return beacon.Errorf(beacon.EUNAUTHORIZED, "send one Authorization header, not %d", n)
	}
	p, err := s.auth.principal(c.Get(fiber.HeaderAuthorization))
	if err != nil {
		return err
	}
	c.Locals("principal", p)
	return c.Next()
}

// allow admits callers whose role is at least min.
func (s *Server) allow(min string) fiber.Handler {
	need := slices.Index(roles, min)
	return func(c *fiber.Ctx) error {
		p := principalOf(c)
		if slices.Index(roles, p.Role) < need {
			return beacon.Errorf(beacon.EFORBIDDEN, "role %s may not %s %s; it needs %s or above", p.Role, c.Method(), c.Route().Path, min)
		}
		return c.Next()
	}
}

func principalOf(c *fiber.Ctx) *Principal {
	if p, ok := c.Locals("principal").(*Principal); ok {
		return p
	}
	return &Principal{Role: roleViewer}
}
