package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/reports"
)

// loadReports reads the reports beacon serve offers under /reports: the
// demo bank's own when it serves the demo model, and the files matched by
// env BEACON_REPORTS (a glob such as models/*.report.yaml). A report that
// does not validate against the model stops the server, as a bad model does.
func loadReports(engine *metrics.Engine, demo bool, log *slog.Logger) (*reports.Set, error) {
	files := map[string][]byte{}
	if demo {
		files = models.DemoReports()
	}
	if pattern := os.Getenv("BEACON_REPORTS"); pattern != "" {
		paths, err := filepath.Glob(pattern)
		if err != nil {
			return nil, fmt.Errorf("BEACON_REPORTS: %w", err)
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("BEACON_REPORTS: no file matches %s", pattern)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("read report: %w", err)
			}
			files[p] = b
		}
	}
	set, err := reports.Load(engine, files)
	if err != nil {
		return nil, fmt.Errorf("load reports:\n%w", err)
	}
	log.Info("reports loaded", "reports", set.Names())
	return set, nil
}
