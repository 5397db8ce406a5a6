package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyInto copies a file of the repository into dir, keeping its name.
func copyInto(t *testing.T, from, dir string) string {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(dir, filepath.Base(from))
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return to
}

// TestServeFindsTheReportsBesideAGivenModel: beacon serve with --model
// naming a copy of the demo model serves the weekly report that sits beside
// that copy, as the embedded model's does; beside a copy with no report
// files, it warns once, naming the folder it looked in, and the report is
// not found.
func TestServeFindsTheReportsBesideAGivenModel(t *testing.T) {
	withReports, alone := t.TempDir(), t.TempDir()
	model := copyInto(t, "../../models/demo_bank.yaml", withReports)
	copyInto(t, "../../models/weekly_retention.report.yaml", withReports)
	lone := copyInto(t, "../../models/demo_bank.yaml", alone)

	p := start(t, copyBank(t), 0, "--model", model)
	p.waitReady(t)
	resp, err := client.Get(p.base + "/reports/weekly_retention?lang=zh")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /reports/weekly_retention beside the model: %d, want 200", resp.StatusCode)
	}
	if logs := p.logs.String(); !strings.Contains(logs, "reports loaded") || !strings.Contains(logs, "weekly_retention") || strings.Contains(logs, "no reports") {
		t.Errorf("the log does not say the report beside the model was loaded:\n%s", logs)
	}

	q := start(t, copyBank(t), 0, "--model", lone)
	q.waitReady(t)
	resp, err = client.Get(q.base + "/reports/weekly_retention?lang=zh")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /reports/weekly_retention with no report beside the model: %d, want 404", resp.StatusCode)
	}
	logs := q.logs.String()
	if n := strings.Count(logs, "no reports"); n != 1 || !strings.Contains(logs, filepath.Join(alone, "*.report.yaml")) || !strings.Contains(logs, `"level":"WARN","msg":"no reports`) {
		t.Errorf("want one warning naming %s, got %d:\n%s", filepath.Join(alone, "*.report.yaml"), n, logs)
	}
}
