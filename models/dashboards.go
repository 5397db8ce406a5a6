package models

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

// The demo bank's dashboards: one YAML file each, named *_dashboard.yaml.
//
//go:embed *_dashboard.yaml
var dashboardFiles embed.FS

// Text is a label in Chinese and English.
type Text struct {
	Zh string `yaml:"zh" json:"zh"`
	En string `yaml:"en" json:"en"`
}

// Dashboard is a page of panels over governed metrics, defined in YAML.
// The browser runs each panel's query through the query API, with the
// viewer's token, so a dashboard shows each user only their rows.
type Dashboard struct {
	Name        string `yaml:"name" json:"name"`
	Title       Text   `yaml:"title" json:"title"`
	Description Text   `yaml:"description" json:"description"`
	// Filters are shared by every panel: one picker per dimension, whose
	// choice is added to each panel's query (panels that cannot be cut by
	// that dimension keep their own view and say so).
	Filters []DashboardFilter `yaml:"filters" json:"filters"`
	// Range is the default of the shared period, applied to every panel
	// whose query names no range of its own; Ranges are the choices offered.
	Range  string   `yaml:"range" json:"range"`
	Ranges []string `yaml:"ranges" json:"ranges"`
	Panels []Panel  `yaml:"panels" json:"panels"`
}

// DashboardFilter is a shared filter on one dimension.
type DashboardFilter struct {
	Dimension string `yaml:"dimension" json:"dimension"`
}

// Panel kinds.
const (
	PanelKPI   = "kpi"   // one figure with its change versus the previous period
	PanelLine  = "line"  // a series over time
	PanelBar   = "bar"   // one bar per value of a dimension (or per period)
	PanelPie   = "pie"   // shares of a whole
	PanelTable = "table" // the rows
)

var panelKinds = []string{PanelKPI, PanelLine, PanelBar, PanelPie, PanelTable}

// Panel is one card of a dashboard. Query has the shape of the body of
// POST /api/v1/query.
type Panel struct {
	Kind  string         `yaml:"kind" json:"kind"`
	Title Text           `yaml:"title" json:"title"`
	Span  int            `yaml:"span,omitempty" json:"span,omitempty"`
	Query map[string]any `yaml:"query" json:"query"`
}

var dashboardName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ParseDashboard reads one dashboard; errors name the file and what to fix.
// Metric and dimension names are checked against a catalog by whoever
// serves it (the query API refuses unknown ones with the valid choices).
func ParseDashboard(file string, b []byte) (Dashboard, error) {
	var d Dashboard
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil && !errors.Is(err, io.EOF) {
		return d, fmt.Errorf("%s: %w", file, err)
	}
	if !dashboardName.MatchString(d.Name) {
		return d, fmt.Errorf("%s: name %q must be lower-case letters, digits and _ (1 to 64), starting with a letter", file, d.Name)
	}
	if d.Title.Zh == "" || d.Title.En == "" {
		return d, fmt.Errorf("%s: title needs both zh and en", file)
	}
	if len(d.Panels) == 0 {
		return d, fmt.Errorf("%s: a dashboard needs at least one panel", file)
	}
	if d.Range != "" && len(d.Ranges) > 0 && !slices.Contains(d.Ranges, d.Range) {
		return d, fmt.Errorf("%s: range %q is not one of ranges %v", file, d.Range, d.Ranges)
	}
	for i, p := range d.Panels {
		if !slices.Contains(panelKinds, p.Kind) {
			return d, fmt.Errorf("%s: panels[%d].kind %q is not one of %v", file, i, p.Kind, panelKinds)
		}
		if p.Title.Zh == "" || p.Title.En == "" {
			return d, fmt.Errorf("%s: panels[%d].title needs both zh and en", file, i)
		}
		if m, ok := p.Query["metrics"].([]any); !ok || len(m) == 0 {
			return d, fmt.Errorf("%s: panels[%d].query needs metrics: [name, ...]", file, i)
		}
		if p.Span < 0 || p.Span > 2 {
			return d, fmt.Errorf("%s: panels[%d].span must be 1 or 2, got %d", file, i, p.Span)
		}
	}
	return d, nil
}

// DemoDashboards returns the demo bank's dashboards, in file-name order.
func DemoDashboards() ([]Dashboard, error) {
	names, err := fs.Glob(dashboardFiles, "*_dashboard.yaml")
	if err != nil {
		return nil, err
	}
	var out []Dashboard
	for _, n := range names {
		b, err := dashboardFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		d, err := ParseDashboard("models/"+n, b)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o Dashboard) bool { return o.Name == d.Name }) {
			return nil, fmt.Errorf("models/%s: dashboard %q is defined twice", n, d.Name)
		}
		out = append(out, d)
	}
	return out, nil
}
