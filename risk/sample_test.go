package risk

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestSampledFeaturesAreTheKeptCustomersRows(t *testing.T) {
	// The SQL sample must keep exactly the customers Sample.Keeps names,
	// every month of them, with the features they have on the whole bank.
	ctx := context.Background()
	db, _, _ := scoredBank(t) // read only
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	full, err := ComputeFeatures(ctx, db, from, to, 3)
	if err != nil {
		t.Fatal(err)
	}
	s := Sample{Share: 0.3, Seed: 7}
	part, err := ComputeSampledFeatures(ctx, db, from, to, 3, s)
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	kept := map[int64]bool{}
	for i, id := range full.CustomerID {
		if s.Keeps(id) {
			want = append(want, i)
			kept[id] = true
		}
	}
	if part.Len() != len(want) {
		t.Fatalf("sample has %d customer-months, want %d of %d", part.Len(), len(want), full.Len())
	}
	for k, i := range want {
		if part.CustomerID[k] != full.CustomerID[i] || !part.Month[k].Equal(full.Month[i]) {
			t.Fatalf("row %d: customer %d %s, want %d %s", k, part.CustomerID[k], part.Month[k], full.CustomerID[i], full.Month[i])
		}
		for j, name := range NumericFeatures {
			if part.Numeric[j][k] != full.Numeric[j][i] {
				t.Fatalf("customer %d %s: %v in the sample, %v on the whole bank", full.CustomerID[i], name, part.Numeric[j][k], full.Numeric[j][i])
			}
		}
		if a, b := part.Label[k], full.Label[i]; a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
			t.Fatalf("customer %d label %v in the sample, %v on the whole bank", full.CustomerID[i], a, b)
		}
	}
	customers := map[int64]bool{}
	for _, id := range full.CustomerID {
		customers[id] = true
	}
	share := float64(len(kept)) / float64(len(customers))
	if math.Abs(share-0.3) > 0.03 {
		t.Errorf("kept %d of %d customers (%.3f), want about 0.3", len(kept), len(customers), share)
	}
	other := Sample{Share: 0.3, Seed: 8}
	same := 0
	for id := range kept {
		if other.Keeps(id) {
			same++
		}
	}
	if same == len(kept) {
		t.Error("another seed kept the same customers")
	}
	if _, err := ComputeSampledFeatures(ctx, db, from, to, 3, Sample{Share: 0}); err == nil {
		t.Error("a share of 0 was accepted")
	}
}

func TestSampleKeepsByHand(t *testing.T) {
	// h = (|id| mod P) · 2654435761 · (seed mod (P−1) + 1) mod P, kept when h < share · P.
	const p = 4294967291
	cases := []struct {
		id    int64
		seed  uint64
		share float64
		want  bool
	}{
		{1, 0, 0.62, true},      // h = 2654435761, 0.618 P
		{1, 0, 0.61, false},     // 0.618 P is not below 0.61 P
		{-1, 0, 0.62, true},     // the id's sign does not matter
		{2, 0, 0.24, true},      // h = 5308871522 − P = 1013904231, 0.236 P
		{2, 0, 0.23, false},     //
		{1, 1, 0.24, true},      // seed 1 doubles the multiplier: h = 1013904231
		{1, 1, 0.23, false},     //
		{1, p, 0.24, true},      // P mod (P−1) = 1: as seed 1
		{1, p - 1, 0.62, true},  // (P−1) mod (P−1) = 0: as seed 0
		{1, p - 1, 0.61, false}, //
		{p + 2, 0, 0.24, true},  // the id counts mod P: as id 2
		{12345, 9, 1, true},     // a share of 1 keeps everyone
	}
	for _, c := range cases {
		if got := (Sample{Share: c.share, Seed: c.seed}).Keeps(c.id); got != c.want {
			t.Errorf("Keeps(id %d, seed %d, share %v) = %v, want %v", c.id, c.seed, c.share, got, c.want)
		}
	}
}

func TestTrainBankSamplesALargeBank(t *testing.T) {
	ctx := context.Background()
	db, _, _ := scoredBank(t) // read only: the model is not saved
	opts := quickOptions()
	split, err := PlanSplit(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	open := int(warehousetest.Rows(t, db, `SELECT count(*) FROM customer_months WHERE month BETWEEN $1 AND $2 AND NOT churned`,
		split.TrainFrom, split.TrainTo)[0][0].(float64))
	opts.MaxTrainRows = open / 4
	cm, err := TrainBank(ctx, db, opts, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if cm.Sample == nil || cm.OpenTrainRows != open || math.Abs(cm.Sample.Share-float64(open/4)/float64(open)) > 1e-12 {
		t.Fatalf("sample %+v of %d open training rows; want a share of %d/%d", cm.Sample, cm.OpenTrainRows, open/4, open)
	}
	if lo, hi := 0.85*float64(open/4), 1.15*float64(open/4); float64(cm.TrainRows) < lo || float64(cm.TrainRows) > hi {
		t.Errorf("trained on %d customer-months, want about %d", cm.TrainRows, open/4)
	}
	opts.MaxTrainRows = 0
	all, err := TrainBank(ctx, db, opts, time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if all.Sample != nil || all.TrainRows != open {
		t.Errorf("without a bound: sample %+v, %d training rows, want all %d", all.Sample, all.TrainRows, open)
	}
	if r := float64(cm.TestRows) / float64(all.TestRows); math.Abs(r-0.25) > 0.04 {
		t.Errorf("the sample kept %d of %d test customer-months, want about a quarter", cm.TestRows, all.TestRows)
	}
	if cm.Test.AUC < 0.8 {
		t.Errorf("test AUC %.3f on the sample: the model learned nothing", cm.Test.AUC)
	}
	again, err := TrainBank(ctx, db, func() TrainOptions { o := opts; o.MaxTrainRows = open / 4; return o }(), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != cm.Version {
		t.Errorf("versions %s and %s: the same bound and seed gave another model", cm.Version, again.Version)
	}
	opts.MaxTrainRows = -1
	if _, err := TrainBank(ctx, db, opts, time.Unix(0, 0)); err == nil {
		t.Error("a negative bound was accepted")
	}
}
