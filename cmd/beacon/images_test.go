package main

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChartImageFlags(t *testing.T) {
	good := imageFlags{imageTTL: "168h", renderTabs: 2, publicURL: "https://bi.bank.example"}
	if err := good.check(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*imageFlags)
		want string
	}{
		{"ttl not a duration", func(f *imageFlags) { f.imageTTL = "7 days" }, "--image-ttl"},
		{"ttl zero", func(f *imageFlags) { f.imageTTL = "0s" }, "--image-ttl"},
		{"relative public URL", func(f *imageFlags) { f.publicURL = "bi.bank.example" }, "--public-url"},
		{"no tabs", func(f *imageFlags) { f.renderTabs = 0 }, "--render-tabs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good
			tc.edit(&f)
			if err := f.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// Images live in a folder beside the database and outlast the process.
func TestChartImagesBesideTheDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "bank.duckdb")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := imageFlags{imageTTL: "1h", renderTabs: 1, publicURL: "https://bi.bank.example/", chromium: "/nonexistent/chromium"}
	imgs, err := openChartImages(db, f, log)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2)))
	url, err := imgs.Links.Put(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := strings.CutPrefix(url, "https://bi.bank.example/images/")
	if !ok {
		t.Fatalf("link %q", url)
	}
	if _, err := os.Stat(filepath.Join(db+".images", tok)); err != nil {
		t.Fatalf("the image is not beside the database: %v", err)
	}
	imgs.Close()

	again, err := openChartImages(db, f, log)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if got, _, err := again.Store.Get(strings.TrimSuffix(tok, ".png")); err != nil || !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("after a restart: %v", err)
	}
}
