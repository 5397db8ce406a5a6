package models

import (
	"embed"
	"io/fs"
)

// reportFiles are the demo bank's reports, one YAML file each.
//
//go:embed *.report.yaml
var reportFiles embed.FS

// DemoReports returns the demo bank's report files by name
// (models/weekly_retention.report.yaml → its YAML).
func DemoReports() map[string][]byte {
	out := map[string][]byte{}
	names, _ := fs.Glob(reportFiles, "*.report.yaml")
	for _, n := range names {
		b, err := reportFiles.ReadFile(n)
		if err == nil {
			out["models/"+n] = b
		}
	}
	return out
}
