package warehouse

import (
	"fmt"
	"os"
	"path/filepath"
)

// StagingDir is the folder where uploads to the database file at dbPath are
// staged before loading: next to the file, with its name and ".uploads", so
// that bank data never lands in the system's temporary folder and stays on
// the database's own volume. An in-memory database has none ("").
func StagingDir(dbPath string) (string, error) {
	if dbPath == "" || dbPath == ":memory:" {
		return "", nil
	}
	abs, err := filepath.Abs(dbPath + ".uploads")
	if err != nil {
		return "", fmt.Errorf("staging folder for %s: %w", dbPath, err)
	}
	return abs, nil
}

// ResetStaging empties dir, creating it if needed, readable by this user
// only. Run at start-up, it removes whatever a crash left mid-upload; run
// while the database file is open (and so locked), it cannot take files
// from another server's upload.
func ResetStaging(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clear staging folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create staging folder %s: %w", dir, err)
	}
	return nil
}
