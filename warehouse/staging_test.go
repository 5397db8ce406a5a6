package warehouse

import (
	"os"
	"path/filepath"
	"testing"
)

func TestStagingLivesNextToTheDatabaseAndStartsEmpty(t *testing.T) {
	data := t.TempDir()
	dir, err := StagingDir(filepath.Join(data, "bank.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if dir != filepath.Join(data, "bank.duckdb.uploads") {
		t.Fatalf("staging folder %s, want next to the database file", dir)
	}
	// What a crash left mid-upload.
	if err := os.MkdirAll(filepath.Join(dir, "upload-123"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "upload-123", "customers.csv"), []byte("id\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ResetStaging(dir); err != nil {
		t.Fatal(err)
	}
	left, err := os.ReadDir(dir)
	if err != nil || len(left) != 0 {
		t.Fatalf("after reset the folder holds %v (%v)", left, err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("staging folder mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
	if d, _ := StagingDir(""); d != "" {
		t.Fatalf("an in-memory database has staging folder %q", d)
	}
}
