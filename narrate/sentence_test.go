package narrate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/narrate"
	"github.com/beaconbi/beacon/warehouse"
)

var bank *warehouse.DB

func TestMain(m *testing.M) { metricstest.Main(m, 2_000, 24, &bank) }

// A ranking by change (top movers) names the first row, its value and its
// change, not "the highest" value; other answers keep their form.
func TestSentencesOfDemoBankResults(t *testing.T) {
	eng := metricstest.DemoEngine(t, bank, metrics.EngineConfig{})
	cat := eng.Catalog()
	movers := metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Range: "last_month"},
		Compare: "previous_period", Order: []metrics.Order{{By: "churn_rate_delta", Desc: true}}, Limit: 5}
	r, err := eng.Run(context.Background(), movers, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := r.Rows[0][0].(string)
	for lang, want := range map[string][]string{
		"zh": {"2026年10月客户流失率上升最多的支行是" + first, "环比", "（共列出 5 个）"},
		"en": {"In October 2026, the branch whose churn rate rose most was " + narrate.ValueLabel("en", cat, "branch", first), "from the previous period", "(5 listed)"},
	} {
		s := narrate.Sentence(lang, cat, movers, r)
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: %q lacks %q", lang, s, w)
			}
		}
		if v := narrate.Value(lang, cat.Definitions()[0], r.Rows[0][1]); !strings.Contains(s, v) {
			t.Errorf("%s: %q lacks the value %s", lang, s, v)
		}
	}
}
