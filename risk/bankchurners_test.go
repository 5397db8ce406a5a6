package risk

import (
	"os"
	"testing"
)

// bankChurners reads the public credit-card attrition data shipped in
// examples/, without the identifier and the two columns another model
// computed from the outcome.
func bankChurners(t testing.TB) *Dataset {
	t.Helper()
	f, err := os.Open("../examples/bankchurners/BankChurners.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := ReadCSV(f, BankChurnersSpec)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBankChurnersHeldOutAUC(t *testing.T) {
	d := bankChurners(t)
	if d.Len() != 10127 {
		t.Fatalf("%d rows, want 10127", d.Len())
	}
	for _, f := range d.Features {
		if f == "CLIENTNUM" || len(f) > 11 && f[:11] == "Naive_Bayes" {
			t.Fatalf("feature %s should have been left out", f)
		}
	}
	rep, err := Holdout(d, 0.2, 42, DefaultTrainParams(KindGBDT), DefaultTrainParams(KindLogistic))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Test.Positive != 325 { // 20% of 1,627 attrited, rounded
		t.Errorf("test part has %d attrited, want 325", rep.Test.Positive)
	}
	for _, m := range rep.Models {
		t.Logf("%-8s AUC %.4f  Brier %.4f  top-decile precision %.3f  lift %.2f", m.Kind, m.Test.AUC, m.Test.Brier, m.Test.TopDecile.Precision, m.Test.TopDecile.Lift)
	}
	gbdt, lr := rep.Models[0].Test, rep.Models[1].Test
	if gbdt.AUC < 0.99 {
		t.Errorf("GBDT held-out AUC %.4f, want >= 0.99", gbdt.AUC)
	}
	if gbdt.AUC <= lr.AUC {
		t.Errorf("GBDT AUC %.4f does not beat logistic regression's %.4f", gbdt.AUC, lr.AUC)
	}
}
