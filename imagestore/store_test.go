package imagestore

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

// pngOf returns a small PNG filled with one shade, so images differ.
func pngOf(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(0, 0, color.Gray{Y: 255 - shade})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func open(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutGetAndTokens(t *testing.T) {
	c := newClock()
	s := open(t, Config{Dir: t.TempDir(), Now: c.now})
	img := pngOf(t, 10)
	tok, err := s.Put(img)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) != 16 {
		t.Fatalf("token %q is not 128 bits of base64url: %v", tok, err)
	}
	c.add(time.Hour)
	got, left, err := s.Get(tok)
	if err != nil || !bytes.Equal(got, img) {
		t.Fatalf("got %d bytes, %v; want the image back", len(got), err)
	}
	if want := 7*24*time.Hour - time.Hour; left != want {
		t.Fatalf("link has %v left, want %v (7 days less the hour since)", left, want)
	}
	seen := map[string]bool{tok: true}
	for range 500 {
		tok, err := s.Put(img)
		if err != nil {
			t.Fatal(err)
		}
		if seen[tok] {
			t.Fatalf("token %s handed out twice", tok)
		}
		seen[tok] = true
	}
}

func TestLinksExpire(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	s := open(t, Config{Dir: dir, TTL: time.Hour, Now: c.now})
	tok, err := s.Put(pngOf(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	c.add(59 * time.Minute)
	if _, _, err := s.Get(tok); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	c.add(time.Minute)
	if _, _, err := s.Get(tok); !errors.Is(err, ErrNotFound) {
		t.Fatalf("at expiry: got %v, want ErrNotFound", err)
	}
	s.Sweep()
	if _, err := os.Stat(filepath.Join(dir, tok+".png")); !os.IsNotExist(err) {
		t.Fatalf("the expired file is still on disk: %v", err)
	}
}

func TestImagesSurviveARestart(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	s := open(t, Config{Dir: dir, TTL: time.Hour, Now: c.now})
	old, _ := s.Put(pngOf(t, 1))
	c.add(30 * time.Minute)
	young, _ := s.Put(pngOf(t, 2))
	// A crash mid-write leaves a temporary file.
	os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("half"), 0o600)

	c.add(40 * time.Minute) // old has expired, young has not
	s2 := open(t, Config{Dir: dir, TTL: time.Hour, Now: c.now})
	if got, _, err := s2.Get(young); err != nil || !bytes.Equal(got, pngOf(t, 2)) {
		t.Fatalf("young image after restart: %v", err)
	}
	if _, _, err := s2.Get(old); !errors.Is(err, ErrNotFound) {
		t.Fatalf("old image after restart: got %v, want ErrNotFound", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != young+".png" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("folder holds %v, want only %s.png", names, young)
	}
}

func TestStoreIsBounded(t *testing.T) {
	c := newClock()
	img := pngOf(t, 3)
	t.Run("count", func(t *testing.T) {
		s := open(t, Config{Dir: t.TempDir(), MaxCount: 3, Now: c.now})
		var toks []string
		for range 5 {
			tok, err := s.Put(img)
			if err != nil {
				t.Fatal(err)
			}
			toks = append(toks, tok)
			c.add(time.Second)
		}
		if n, _ := s.Len(); n != 3 {
			t.Fatalf("%d images kept, want 3", n)
		}
		for i, tok := range toks {
			_, _, err := s.Get(tok)
			if evicted := i < 2; evicted != errors.Is(err, ErrNotFound) {
				t.Fatalf("image %d: %v (the two oldest should be gone, the rest kept)", i, err)
			}
		}
	})
	t.Run("bytes", func(t *testing.T) {
		s := open(t, Config{Dir: t.TempDir(), MaxBytes: int64(2*len(img) + 1), Now: c.now})
		for range 4 {
			if _, err := s.Put(img); err != nil {
				t.Fatal(err)
			}
			c.add(time.Second)
		}
		if n, b := s.Len(); n != 2 || b != int64(2*len(img)) {
			t.Fatalf("%d images, %d bytes kept; want 2 images", n, b)
		}
	})
}

func TestStoreRefusesBadInput(t *testing.T) {
	s := open(t, Config{Dir: t.TempDir(), MaxImage: 1000})
	if _, err := s.Put([]byte("GIF89a...")); !errors.Is(err, ErrNotPNG) {
		t.Fatalf("a GIF: got %v, want ErrNotPNG", err)
	}
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 2000)...)
	if _, err := s.Put(big); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a large image: got %v, want ErrTooLarge", err)
	}
	for _, tok := range []string{"", "../../../../etc/passwd", strings.Repeat("a", 21), strings.Repeat("a", 23), "aaaaaaaaaaaaaaaaaaaa/.", "aaaaaaaaaaaaaaaaaaaaa%"} {
		if _, _, err := s.Get(tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q): got %v, want ErrNotFound", tok, err)
		}
	}
}

func TestLinks(t *testing.T) {
	s := open(t, Config{Dir: t.TempDir()})
	none, err := NewLinks(s, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := none.Put(pngOf(t, 5)); !errors.Is(err, ErrNoPublicURL) {
		t.Fatalf("without a public URL: got %v, want ErrNoPublicURL", err)
	}
	if n, _ := s.Len(); n != 0 {
		t.Fatal("an image was stored although no link could be formed")
	}
	var nilLinks *Links
	if _, err := nilLinks.Put(pngOf(t, 5)); !errors.Is(err, ErrNoPublicURL) {
		t.Fatalf("nil links: got %v", err)
	}
	l, err := NewLinks(s, "https://beacon.bank.example/bi/")
	if err != nil {
		t.Fatal(err)
	}
	u, err := l.Put(pngOf(t, 5))
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := strings.CutPrefix(u, "https://beacon.bank.example/bi/images/")
	if !ok || !strings.HasSuffix(tok, ".png") || !ValidToken(strings.TrimSuffix(tok, ".png")) {
		t.Fatalf("link %q is not public URL + /images/<token>.png", u)
	}
	for _, bad := range []string{"beacon.bank.example", "ftp://x/", "https://", "https://u:p@x/", "https://x/?a=1", "https://x/#f"} {
		if _, err := NewLinks(s, bad); err == nil {
			t.Errorf("public URL %q was accepted", bad)
		}
	}
}
