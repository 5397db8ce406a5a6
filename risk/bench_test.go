package risk

import "testing"

// BenchmarkGBDTBankChurners times one fit of the shipped GBDT settings on
// the BankChurners training part.
func BenchmarkGBDTBankChurners(b *testing.B) {
	d := bankChurners(b)
	tr, _ := StratifiedSplit(d.Y, 0.2, 42)
	train := d.Subset(tr)
	p := DefaultTrainParams(KindGBDT)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := Fit(train, p)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(m.GBDT.Trees)), "trees")
	}
}
