package queries

import (
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/narrate"
)

// Sentence writes the one-sentence answer to a result in lang ("zh" or
// "en"). The sentences live in narrate, which alerts and reports share.
func Sentence(lang string, cat *metrics.Catalog, q metrics.Query, r *metrics.Result) string {
	return narrate.Sentence(lang, cat, q, r)
}

// sentence is the answer without its note on partial periods.
func sentence(lang string, cat *metrics.Catalog, q metrics.Query, r *metrics.Result) string {
	return narrate.Facts(lang, cat, q, r)
}

// toFloat reads a result value as a number: counts arrive as int64.
func toFloat(v any) (float64, bool) { return narrate.Number(v) }
