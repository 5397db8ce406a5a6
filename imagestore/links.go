package imagestore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrNoPublicURL says no public base URL is configured, so no link can be
// formed: messages go without an image.
var ErrNoPublicURL = errors.New("no public URL configured (--public-url or BEACON_PUBLIC_URL): images cannot be linked")

// Path is where the server serves an image: Path + token + ".png".
const Path = "/images/"

// Links stores images and forms their absolute links under the public base
// URL that chat providers reach Beacon by.
type Links struct {
	store *Store
	base  string
}

// NewLinks returns the links of store under publicURL (scheme and host,
// and a path prefix if Beacon is behind one). An empty publicURL gives
// Links whose Put returns ErrNoPublicURL.
func NewLinks(store *Store, publicURL string) (*Links, error) {
	base, err := ParsePublicURL(publicURL)
	if err != nil {
		return nil, err
	}
	return &Links{store: store, base: base}, nil
}

// ParsePublicURL checks a public base URL and returns it without a
// trailing slash; "" stays "".
func ParsePublicURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("public URL %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("public URL %q must be absolute, http:// or https:// with a host", s)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("public URL %q must have no user, query or fragment", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// Put stores a PNG and returns its absolute link. Without a public URL it
// stores nothing and returns ErrNoPublicURL.
func (l *Links) Put(png []byte) (string, error) {
	if l == nil || l.store == nil || l.base == "" {
		return "", ErrNoPublicURL
	}
	tok, err := l.store.Put(png)
	if err != nil {
		return "", err
	}
	return l.URL(tok), nil
}

// URL is the absolute link of a token.
func (l *Links) URL(tok string) string { return l.base + Path + tok + ".png" }

// Store is the store behind the links.
func (l *Links) Store() *Store { return l.store }
