package reports

import (
	"context"
	"fmt"

	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/metrics"
)

// Digest is what a pushed message carries of a report: its headline
// figures (the KPI sections) and its key chart, run for one reader.
type Digest struct {
	Name  string
	Title string
	// Headlines are the KPI sections, in the report's order.
	Headlines []*Figure
	// Key is the key chart's section: the one marked key: true, or else
	// the first section drawn as a chart other than a KPI card; nil when
	// the report has none.
	Key *Figure
}

// Headline reports whether a section is a headline figure: a KPI card, or
// a section with no chart kind whose query gives one value.
func Headline(s Section) bool {
	if s.Chart == charts.KPI {
		return true
	}
	return s.Chart == "" && len(s.Query.Dimensions) == 0 && (s.Query.Time == nil || s.Query.Time.Grain == "")
}

// KeySection is the index of the report's key chart, or -1.
func (r *Report) KeySection() int {
	for i, s := range r.Sections {
		if s.Key {
			return i
		}
	}
	for i, s := range r.Sections {
		if !Headline(s) {
			return i
		}
	}
	return -1
}

// RunDigest runs only the headline and key sections of r under scope, in
// lang: what a subscription sends, without running the whole report.
// A section that fails fails the digest: a message must not go out with
// a figure silently missing.
func RunDigest(ctx context.Context, rn Runner, r *Report, scope metrics.Scope, lang string) (*Digest, error) {
	d := &Digest{Name: r.Name, Title: pick(lang, r.Title)}
	if d.Title == "" {
		d.Title = r.Name
	}
	key := r.KeySection()
	for i, s := range r.Sections {
		if !Headline(s) && i != key {
			continue
		}
		f, err := runSection(ctx, rn, r.Query(s), s, scope, lang)
		if err != nil {
			return nil, fmt.Errorf("report %s section %d: %w", r.Name, i+1, err)
		}
		if i == key {
			d.Key = f
		} else {
			d.Headlines = append(d.Headlines, f)
		}
	}
	return d, nil
}
