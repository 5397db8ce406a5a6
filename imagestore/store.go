// Package imagestore keeps rendered chart images under unguessable,
// expiring links. DingTalk's robot shows an image only by URL, so a chart
// sent there must be fetchable from Beacon without credentials: the link's
// 128-bit random token is the only capability. Images are files in a folder
// next to the database, so links survive a restart; the folder is bounded in
// count and bytes, and an image is gone once it expires.
package imagestore

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Errors the store returns.
var (
	// ErrNotFound says no live image has this token: it never existed,
	// expired or was evicted. Callers answer 404 and say no more.
	ErrNotFound = errors.New("no such image")
	// ErrNotPNG refuses bytes that are not a PNG image.
	ErrNotPNG = errors.New("not a PNG image")
	// ErrTooLarge refuses an image over Config.MaxImage.
	ErrTooLarge = errors.New("image too large")
)

// Defaults for Config's zero fields.
const (
	DefaultTTL      = 7 * 24 * time.Hour
	DefaultMaxCount = 10_000
	DefaultMaxBytes = 1 << 30  // 1 GiB
	DefaultMaxImage = 10 << 20 // 10 MiB
)

// Config sets up a Store.
type Config struct {
	// Dir holds the images; it is created (mode 0700) if missing.
	Dir string
	// TTL is how long a link works (default 7 days).
	TTL time.Duration
	// MaxCount and MaxBytes bound the folder; the oldest images make room.
	MaxCount int
	MaxBytes int64
	// MaxImage is the largest image accepted (default 10 MiB).
	MaxImage int64
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// tokenLen is the length of a token: 16 random bytes in unpadded base64url.
const tokenLen = 22

// pngMagic starts every PNG file.
var pngMagic = []byte("\x89PNG\r\n\x1a\n")

type entry struct {
	token   string
	size    int64
	created time.Time
}

// Store is the folder of images. It is safe for concurrent use.
type Store struct {
	cfg Config

	mu    sync.Mutex
	index map[string]entry
	bytes int64
}

// Open opens (or creates) the folder and indexes the images in it, dropping
// expired ones and anything a crash left half-written. An image's creation
// time is its file's modification time.
func Open(cfg Config) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("image store: no folder given")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxCount <= 0 {
		cfg.MaxCount = DefaultMaxCount
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxImage <= 0 {
		cfg.MaxImage = DefaultMaxImage
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("image store: create %s: %w", cfg.Dir, err)
	}
	s := &Store{cfg: cfg, index: map[string]entry{}}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) load() error {
	ents, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		return fmt.Errorf("image store: read %s: %w", s.cfg.Dir, err)
	}
	now := s.cfg.Now()
	for _, de := range ents {
		name := de.Name()
		path := filepath.Join(s.cfg.Dir, name)
		tok, ok := strings.CutSuffix(name, ".png")
		if !de.Type().IsRegular() || !ok || !ValidToken(tok) {
			if strings.HasPrefix(name, ".tmp-") {
				os.Remove(path) // a write cut short by a crash
			}
			continue
		}
		info, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("image store: %w", err)
		}
		e := entry{token: tok, size: info.Size(), created: info.ModTime()}
		if s.expired(e, now) {
			os.Remove(path)
			continue
		}
		s.index[tok] = e
		s.bytes += e.size
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.makeRoom(0)
}

// ValidToken reports whether tok has the form of a token, so that nothing
// else ever reaches the file system.
func ValidToken(tok string) bool {
	if len(tok) != tokenLen {
		return false
	}
	for _, c := range tok {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// TTL is how long a new image's link works.
func (s *Store) TTL() time.Duration { return s.cfg.TTL }

// Put stores a PNG and returns its token.
func (s *Store) Put(png []byte) (string, error) {
	if !bytes.HasPrefix(png, pngMagic) {
		return "", ErrNotPNG
	}
	if int64(len(png)) > s.cfg.MaxImage {
		return "", fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(png), s.cfg.MaxImage)
	}
	tok := newToken()
	now := s.cfg.Now()
	if err := s.write(tok, png, now); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(now)
	if err := s.makeRoom(int64(len(png))); err != nil {
		os.Remove(s.path(tok))
		return "", err
	}
	s.index[tok] = entry{token: tok, size: int64(len(png)), created: now}
	s.bytes += int64(len(png))
	return tok, nil
}

// write puts the file in place whole (written aside, then renamed) with
// its modification time set to its creation.
func (s *Store) write(tok string, png []byte, now time.Time) error {
	f, err := os.CreateTemp(s.cfg.Dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("image store: %w", err)
	}
	_, err = f.Write(png)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(f.Name(), now, now)
	}
	if err == nil {
		err = os.Rename(f.Name(), s.path(tok))
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("image store: write image: %w", err)
	}
	return nil
}

// Get returns a live image and how long its link has left.
func (s *Store) Get(tok string) ([]byte, time.Duration, error) {
	if !ValidToken(tok) {
		return nil, 0, ErrNotFound
	}
	s.mu.Lock()
	e, ok := s.index[tok]
	s.mu.Unlock()
	now := s.cfg.Now()
	if !ok || s.expired(e, now) {
		return nil, 0, ErrNotFound
	}
	b, err := os.ReadFile(s.path(tok))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("image store: read image: %w", err)
	}
	return b, e.created.Add(s.cfg.TTL).Sub(now), nil
}

// Len returns the number of images and their bytes.
func (s *Store) Len() (int, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.index), s.bytes
}

// Sweep removes expired images.
func (s *Store) Sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(s.cfg.Now())
}

func (s *Store) sweep(now time.Time) {
	for tok, e := range s.index {
		if s.expired(e, now) {
			s.remove(tok)
		}
	}
}

// makeRoom evicts the oldest images until one of size more fits.
func (s *Store) makeRoom(size int64) error {
	extra := 0
	if size > 0 {
		extra = 1
	}
	fits := func() bool { return len(s.index)+extra <= s.cfg.MaxCount && s.bytes+size <= s.cfg.MaxBytes }
	if fits() {
		return nil
	}
	old := make([]entry, 0, len(s.index))
	for _, e := range s.index {
		old = append(old, e)
	}
	slices.SortFunc(old, func(a, b entry) int { return a.created.Compare(b.created) })
	for _, e := range old {
		if fits() {
			break
		}
		s.remove(e.token)
	}
	if s.bytes+size > s.cfg.MaxBytes {
		return fmt.Errorf("%w: %d bytes do not fit in the store's %d", ErrTooLarge, size, s.cfg.MaxBytes)
	}
	return nil
}

func (s *Store) remove(tok string) {
	e := s.index[tok]
	delete(s.index, tok)
	s.bytes -= e.size
	os.Remove(s.path(tok))
}

func (s *Store) expired(e entry, now time.Time) bool {
	return !now.Before(e.created.Add(s.cfg.TTL))
}

func (s *Store) path(tok string) string { return filepath.Join(s.cfg.Dir, tok+".png") }

// newToken returns 128 random bits in unpadded base64url.
func newToken() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
