package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/reports"
)

// reportSuffix ends the name of a report file beside a model file.
const reportSuffix = ".report.yaml"

// loadReports reads the reports beacon serve offers under /reports and to
// subscriptions. Without a model file (modelPath ""), the embedded demo
// bank's own, plus the files env BEACON_REPORTS (a glob such as
// /etc/beacon/*.report.yaml) matches. With a model file, the files its
// glob matches, or, when it is unset, the *.report.yaml files in the
// model's folder, as the embedded model's sit beside it; when there are
// none the log warns once, naming where it looked, since a weekly report
// that silently vanished would otherwise be noticed only by its readers.
// A report that does not validate against the model stops the server, as
// a bad model does.
func loadReports(engine *metrics.Engine, modelPath string, log *slog.Logger) (*reports.Set, error) {
	files, where, err := reportFiles(modelPath, os.Getenv("BEACON_REPORTS"))
	if err != nil {
		return nil, err
	}
	set, err := reports.Load(engine, files)
	if err != nil {
		return nil, fmt.Errorf("load reports:\n%w", err)
	}
	names := set.Names()
	if len(names) == 0 && modelPath != "" {
		log.Warn("no reports: /reports and report subscriptions have none; put *.report.yaml files beside the model, or set BEACON_REPORTS to a glob naming them",
			"looked_in", where)
		return set, nil
	}
	if names == nil {
		names = []string{}
	}
	log.Info("reports loaded", "reports", names, "from", where)
	return set, nil
}

// reportFiles reads the report files for a model (see loadReports); where
// says where they were looked for, for the log.
func reportFiles(modelPath, pattern string) (files map[string][]byte, where string, err error) {
	var paths []string
	switch {
	case pattern != "":
		where = pattern
		if paths, err = filepath.Glob(pattern); err != nil {
			return nil, "", fmt.Errorf("BEACON_REPORTS: %w", err)
		}
		if len(paths) == 0 {
			return nil, "", fmt.Errorf("BEACON_REPORTS: no file matches %s", pattern)
		}
	case modelPath != "":
		if paths, where, err = beside(modelPath); err != nil {
			return nil, "", err
		}
	}
	files = map[string][]byte{}
	if modelPath == "" {
		files = models.DemoReports()
		where = strings.TrimSuffix("the embedded demo model and "+pattern, " and ")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, "", fmt.Errorf("read report: %w", err)
		}
		files[p] = b
	}
	return files, where, nil
}

// beside lists the report files in a model file's folder, and that folder
// and pattern as a glob for the log (read as a listing, not a glob, so that
// a folder named with [ or * is read as it is).
func beside(modelPath string) (paths []string, where string, err error) {
	dir, err := filepath.Abs(filepath.Dir(modelPath))
	if err != nil {
		return nil, "", fmt.Errorf("reports beside the model: %w", err)
	}
	where = filepath.Join(dir, "*"+reportSuffix)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, "", fmt.Errorf("reports beside the model: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), reportSuffix) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return paths, where, nil
}
