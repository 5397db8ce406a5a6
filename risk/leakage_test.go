package risk

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
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

func TestFeaturesDoNotSeeTheFuture(t *testing.T) {
	// Features of month t computed on the whole bank must equal those
	// computed on the bank as it stood at the end of t: every row after t
	// deleted, accounts that closed later still open, contracts running at
	// t with their scheduled due date and no renewal decision yet.
	ctx := context.Background()
	db, err := warehousetest.OpenDemo(1500, 20)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cut := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) // history ends 2026-11
	full, err := ComputeFeatures(ctx, db, cut, cut, 3)
	if err != nil {
		t.Fatal(err)
	}
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
	past, err := ComputeFeatures(ctx, db, cut, cut, 3)
	if err != nil {
		t.Fatal(err)
	}
	if full.Len() != past.Len() || full.Len() < 1000 || !slices.Equal(full.CustomerID, past.CustomerID) {
		t.Fatalf("%d customers on the whole bank, %d on the bank at the cut", full.Len(), past.Len())
	}
	for j, name := range NumericFeatures {
		for i := range full.Numeric[j] {
			if a, b := full.Numeric[j][i], past.Numeric[j][i]; math.Abs(a-b) > 1e-6*math.Max(1, math.Abs(a)) {
				t.Errorf("%s of customer %d: %v with the future in the data, %v without", name, full.CustomerID[i], a, b)
				break
			}
		}
	}
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
