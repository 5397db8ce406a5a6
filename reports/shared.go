package reports

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// SharedPath is where a shared report link is served: /shared/{token}.
const SharedPath = "/shared/"

// SharedTTL is how long a shared report link opens: a week, as long as the
// chart images a message carries live.
const SharedTTL = 7 * 24 * time.Hour

// Share is what a shared report link opens: a declared report, or metric
// queries shown as one page, under the row scope of the rule's or
// subscription's owner (not the reader's: the recipients of a branch
// head's message see what the message summarised, and no more).
type Share struct {
	Report  string          `json:"r,omitempty"`
	Title   string          `json:"t,omitempty"`
	Queries []metrics.Query `json:"q,omitempty"`
	Scope   metrics.Scope   `json:"s,omitempty"`
	Lang    string          `json:"l"`
	Expires int64           `json:"e"` // Unix seconds
}

// Sharer seals and opens shared report links. A token is the Share
// encrypted and authenticated with AES-256-GCM under a server key: it
// cannot be guessed, forged or altered (a changed scope does not open),
// and it hides the owner's scope and queries from whoever sees the URL.
type Sharer struct {
	aead cipher.AEAD
}

// NewSharer derives the link key from secret (e.g. the server's JWT
// secret, so that links survive restarts and work on every replica).
func NewSharer(secret []byte) (*Sharer, error) {
	if len(secret) < 16 {
		return nil, errors.New("shared report links: the secret must be at least 16 bytes")
	}
	key := sha256.Sum256(append([]byte("beacon shared report links\x00"), secret...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("shared report links: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("shared report links: %w", err)
	}
	return &Sharer{aead: aead}, nil
}

// Seal returns the token of sh.
func (s *Sharer) Seal(sh Share) (string, error) {
	plain, err := json.Marshal(sh)
	if err != nil {
		return "", fmt.Errorf("seal shared link: %w", err)
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal shared link: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, nil)), nil
}

// ErrShareInvalid is any token that does not open: malformed, forged,
// altered or expired alike, so that a caller learns nothing from which.
var ErrShareInvalid = errors.New("no such report link: it is wrong or has expired")

// maxToken bounds the token read (a share of twelve queries is well under).
const maxToken = 16 << 10

// Open reads a token sealed by Seal, refusing it after its expiry.
func (s *Sharer) Open(token string, now time.Time) (*Share, error) {
	if len(token) > maxToken {
		return nil, ErrShareInvalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return nil, ErrShareInvalid
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return nil, ErrShareInvalid
	}
	var sh Share
	if err := json.Unmarshal(plain, &sh); err != nil || now.Unix() >= sh.Expires {
		return nil, ErrShareInvalid
	}
	return &sh, nil
}

// Page is the report the share opens: the declared one from set, or a
// page of its queries.
func (sh *Share) Page(set *Set) (*Report, bool) {
	if sh.Report != "" {
		return set.Get(sh.Report)
	}
	if len(sh.Queries) == 0 {
		return nil, false
	}
	r := &Report{Name: "shared", Title: metrics.Text{ZH: sh.Title, EN: sh.Title}}
	for _, q := range sh.Queries {
		r.Sections = append(r.Sections, Section{Query: q})
	}
	return r, true
}
