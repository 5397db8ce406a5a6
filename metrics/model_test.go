package metrics_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
)

// Each file in testdata/broken marks the line that must be reported with a
// trailing "# want: <message part>" comment.
func TestBrokenModelsAreRejectedAtTheRightLine(t *testing.T) {
	files, err := filepath.Glob("testdata/broken/*.yaml")
	if err != nil || len(files) < 10 {
		t.Fatalf("want at least 10 broken models, found %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			line, want := 0, ""
			for i, l := range strings.Split(string(data), "\n") {
				if _, after, ok := strings.Cut(l, "# want: "); ok {
					line, want = i+1, after
				}
			}
			if line == 0 {
				t.Fatal("no '# want:' marker")
			}
			_, err = metrics.LoadCatalog(context.Background(), file, bank)
			if err == nil {
				t.Fatal("the model was accepted")
			}
			prefix := file + ":" + itoa(line) + ": "
			found := false
			for _, l := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(l, prefix) && strings.Contains(l, want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("got error\n%s\nwant a line starting %q containing %q", err, prefix, want)
			}
		})
	}
}

func itoa(i int) string {
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestDemoModelIsValid(t *testing.T) {
	m, err := metrics.ParseModel(models.DemoBankFile, models.DemoBank)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := metrics.NewCatalog(context.Background(), m, bank)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"churn_rate", "retention_rate", "renewal_rate", "segment_contribution", "active_customers", "aum",
		"net_inflow", "complaint_rate", "win_back_rate", "products_per_customer", "cost_to_serve", "contribution_margin"} {
		m, ok := cat.Metric(name)
		if !ok {
			t.Errorf("governed metric %s is missing", name)
			continue
		}
		if m.Label.ZH == "" || m.Label.EN == "" || m.Owner == "" || m.Description == "" {
			t.Errorf("metric %s lacks a zh/en label, owner or description", name)
		}
	}
}
