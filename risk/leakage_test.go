package risk

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// quickOptions keep training to a second or two.
func quickOptions() TrainOptions {
	o := DefaultTrainOptions()
	o.TrainMonths = 6
	o.Params.GBDT.Trees = 60
	o.Baseline = false
	return o
}

// leakyVariants are features.sql with a feature made to read past the
// snapshot month, each the kind of slip the check below must catch.
var leakyVariants = map[string]struct{ from, to, feature string }{
	"due date from maturity_date": {
		// maturity_date is cut short when a customer leaves later.
		from: "k.start_date + to_months(pr.term_months) <= s.month_end + 90", to: "k.maturity_date <= s.month_end + 90",
		feature: "term_deposits_maturing_90d",
	},
	"window runs a month ahead": {
		from: "last3 AS (PARTITION BY customer_id ORDER BY m RANGE BETWEEN 2 PRECEDING AND CURRENT ROW)",
		to:   "last3 AS (PARTITION BY customer_id ORDER BY m RANGE BETWEEN 2 PRECEDING AND 1 FOLLOWING)",
		// history also holds months after the snapshot when more than one is computed
		feature: "tx_count_3m",
	},
	"complaints after the month end": {
		from: "c.complaint_date > s.month_end - 90 AND c.complaint_date <= s.month_end", to: "c.complaint_date > s.month_end - 90",
		feature: "complaints_90d",
	},
}

func TestFeaturesDoNotSeeTheFuture(t *testing.T) {
	// Features of month t computed on the whole bank must equal those
	// computed on the bank as it stood at the end of t: every row after t
	// deleted, accounts that closed later still open, contracts running at
	// t with their scheduled due date and no renewal decision yet. The same
	// comparison must catch each leaky variant of the query, or it proves
	// nothing.
	ctx := context.Background()
	db, err := warehousetest.OpenDemo(1500, 20)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cut := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) // history ends 2026-11
	// The month after the cut is computed too, so history reaches past it.
	last := cut.AddDate(0, 1, 0)
	queries := map[string]string{"features.sql": featuresSQL}
	for name, v := range leakyVariants {
		if !strings.Contains(featuresSQL, v.from) {
			t.Fatalf("variant %q: features.sql no longer contains %q", name, v.from)
		}
		queries[name] = strings.Replace(featuresSQL, v.from, v.to, 1)
	}
	run := func() map[string]*FeatureTable {
		out := map[string]*FeatureTable{}
		for name, q := range queries {
			ft, err := runFeatures(ctx, db, q, cut, last, 3, Sample{Share: 1})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out[name] = ft.rowsOf(cut)
		}
		return out
	}
	full := run()
	err = db.Write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM customer_months WHERE month > DATE '2026-06-01'`,
			`DELETE FROM complaints WHERE complaint_date > DATE '2026-06-30'`,
			`DELETE FROM contracts WHERE start_date > DATE '2026-06-30'`,
			`UPDATE contracts k SET maturity_date = k.start_date + to_months(p.term_months), renewed = NULL
				FROM products p WHERE p.product_id = k.product_id AND k.maturity_date > DATE '2026-06-30'`,
			`DELETE FROM customers WHERE onboard_date > DATE '2026-06-30'`,
			`UPDATE customers SET close_date = NULL WHERE close_date > DATE '2026-06-30'`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	past := run()
	for name := range queries {
		f, p := full[name], past[name]
		if f.Len() != p.Len() || f.Len() < 1000 || !slices.Equal(f.CustomerID, p.CustomerID) {
			t.Fatalf("%s: %d customers on the whole bank, %d on the bank at the cut", name, f.Len(), p.Len())
		}
		differ := futureFeatures(f, p)
		if name == "features.sql" {
			for _, d := range differ {
				t.Errorf("features.sql sees the future: %s", d)
			}
			continue
		}
		want := leakyVariants[name].feature
		if !slices.ContainsFunc(differ, func(d string) bool { return strings.HasPrefix(d, want+" ") }) {
			t.Errorf("variant %q reads past the cut but the check found no change in %s (changed: %v)", name, want, differ)
		}
	}
}

// futureFeatures names the features that differ between two tables of the
// same rows, with the first customer where each does.
func futureFeatures(full, past *FeatureTable) []string {
	var out []string
	for j, name := range NumericFeatures {
		for i := range full.Numeric[j] {
			if a, b := full.Numeric[j][i], past.Numeric[j][i]; math.Abs(a-b) > 1e-6*math.Max(1, math.Abs(a)) {
				out = append(out, fmt.Sprintf("%s of customer %d: %v with the future in the data, %v without", name, full.CustomerID[i], a, b))
				break
			}
		}
	}
	return out
}

// rowsOf returns the rows of t in month m, as a new table.
func (t *FeatureTable) rowsOf(m time.Time) *FeatureTable {
	out := &FeatureTable{Categorical: make([][]string, len(t.Categorical)), Numeric: make([][]float64, len(t.Numeric))}
	for i := range t.CustomerID {
		if !t.Month[i].Equal(m) {
			continue
		}
		out.CustomerID = append(out.CustomerID, t.CustomerID[i])
		out.Month = append(out.Month, t.Month[i])
		out.BranchID = append(out.BranchID, t.BranchID[i])
		out.Label = append(out.Label, t.Label[i])
		for c := range t.Categorical {
			out.Categorical[c] = append(out.Categorical[c], t.Categorical[c][i])
		}
		for j := range t.Numeric {
			out.Numeric[j] = append(out.Numeric[j], t.Numeric[j][i])
		}
	}
	return out
}

func TestShufflingTestOutcomesLeavesModelAlone(t *testing.T) {
	ctx := context.Background()
	db, _, _ := scoredBank(t) // read only: the model there is not used
	opts := quickOptions()
	split, err := PlanSplit(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	table, err := ComputeFeatures(ctx, db, split.TrainFrom, split.TestTo, opts.Horizon)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := TrainTable(table, split, opts, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, testRows := split.Rows(table)
	rng := rand.New(rand.NewPCG(1, 1))
	labels := make([]float64, len(testRows))
	for k, i := range testRows {
		labels[k] = table.Label[i]
	}
	rng.Shuffle(len(labels), func(a, b int) { labels[a], labels[b] = labels[b], labels[a] })
	for k, i := range testRows {
		table.Label[i] = labels[k]
	}
	m3, err := TrainTable(table, split, opts, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if m2.Version != m3.Version {
		t.Errorf("versions %s and %s: shuffling the test outcomes changed the model", m2.Version, m3.Version)
	}
	j2, _ := json.Marshal(m2.Model)
	j3, _ := json.Marshal(m3.Model)
	if string(j2) != string(j3) {
		t.Error("shuffling the test outcomes changed the trained model")
	}
	if m2.Test.AUC < 0.8 {
		t.Errorf("test AUC %.3f: the model learned nothing", m2.Test.AUC)
	}
	if math.Abs(m3.Test.AUC-0.5) > 0.1 || m3.Test.AUC == m2.Test.AUC {
		t.Errorf("test AUC %.3f on shuffled outcomes, %.3f on real ones: want about 0.5", m3.Test.AUC, m2.Test.AUC)
	}
	t.Logf("test AUC %.4f real, %.4f shuffled", m2.Test.AUC, m3.Test.AUC)
}
