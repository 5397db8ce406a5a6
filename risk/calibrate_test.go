package risk

import (
	"math"
	"math/rand/v2"
	"testing"
)

// skewed draws log-odds m from a model whose scores rank well but whose
// probabilities are not a sigmoid of them: the true chance of leaving is
// a step-like curve of m (0.05 up to m = 0, then 0.3, then 0.8 above m = 1.5).
func skewed(n int, seed uint64) (m, y []float64) {
	rng := rand.New(rand.NewPCG(seed, 11))
	m, y = make([]float64, n), make([]float64, n)
	for i := range m {
		m[i] = rng.Float64()*6 - 3
		p := 0.05
		if m[i] > 0 {
			p = 0.3
		}
		if m[i] > 1.5 {
			p = 0.8
		}
		if rng.Float64() < p {
			y[i] = 1
		}
	}
	return m, y
}

func TestIsotonicByHand(t *testing.T) {
	// Outcomes 0 1 0 1 1 by margin: the middle violator pair pools to 0.5.
	c := FitIsotonic([]float64{1, 2, 3, 4, 5}, []float64{0, 1, 0, 1, 1})
	wantX, wantY := []float64{1, 2.5, 4.5}, []float64{isoFloor, 0.5, 1 - isoFloor}
	if len(c.X) != 3 {
		t.Fatalf("got %d blocks (%v, %v), want 3", len(c.X), c.X, c.Y)
	}
	for i := range wantX {
		if c.X[i] != wantX[i] || math.Abs(c.Y[i]-wantY[i]) > 1e-12 {
			t.Errorf("block %d: (%v, %v), want (%v, %v)", i, c.X[i], c.Y[i], wantX[i], wantY[i])
		}
	}
	// Linear between block points, flat beyond the ends.
	for _, tc := range []struct{ m, want float64 }{{0, isoFloor}, {2.5, 0.5}, {3.5, 0.5 + (1-isoFloor-0.5)/2}, {9, 1 - isoFloor}} {
		if got := c.Apply(tc.m); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Apply(%v) = %v, want %v", tc.m, got, tc.want)
		}
	}
}

// On held-out rows, a calibrated "0.3" means about 30%: every band of the
// reliability table with enough rows has an observed rate within 0.04 of
// its mean prediction. Platt's sigmoid cannot follow the step-like curve,
// so cross-fitted Brier scores choose isotonic.
func TestCalibrationHoldsOnHeldOutRows(t *testing.T) {
	mv, yv := skewed(20_000, 1) // validation part: calibration is fitted here
	mt, yt := skewed(20_000, 2) // held out
	c := FitCalibration(mv, yv, 1)
	if c.Method != CalibIsotonic || c.CVBrier[CalibIsotonic] >= c.CVBrier[CalibPlatt] {
		t.Fatalf("chose %s with cross-fitted Brier %v; want isotonic, the lower", c.Method, c.CVBrier)
	}
	p := make([]float64, len(mt))
	for i := range mt {
		p[i] = c.Apply(mt[i])
	}
	e := Evaluate(p, yt)
	saw30 := false
	for _, b := range e.Reliability {
		t.Logf("%.1f-%.1f: %5d rows, predicted %.3f, observed %.3f", b.Lower, b.Upper, b.Rows, b.Predicted, b.Observed)
		if b.Rows < 500 {
			continue
		}
		if math.Abs(b.Observed-b.Predicted) > 0.04 {
			t.Errorf("band %.1f-%.1f: predicted %.3f, observed %.3f", b.Lower, b.Upper, b.Predicted, b.Observed)
		}
		saw30 = saw30 || (b.Lower <= 0.3 && 0.3 < b.Upper)
	}
	if !saw30 {
		t.Error("no well-filled band holds 0.3")
	}
	// Platt alone, on the same rows, misses the 0.3 band by more: the reason
	// to have both.
	pl := FitPlatt(mv, yv)
	for i := range mt {
		p[i] = pl.Apply(mt[i])
	}
	if pe := Evaluate(p, yt); pe.Brier <= e.Brier {
		t.Errorf("held-out Brier: Platt %.5f, isotonic %.5f; isotonic should be lower here", pe.Brier, e.Brier)
	}
}

// When the log-odds are already a sigmoid's (a well-specified logistic
// model), Platt is as good and the choice falls on it or ties closely.
func TestCalibrationKeepsPlattWhenItFits(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	n := 20_000
	m, y := make([]float64, n), make([]float64, n)
	for i := range m {
		m[i] = rng.NormFloat64() * 1.5
		if rng.Float64() < sigmoid(0.7*m[i]-1) {
			y[i] = 1
		}
	}
	c := FitCalibration(m, y, 1)
	if c.Method == CalibPlatt {
		if math.Abs(c.A-0.7) > 0.1 || math.Abs(c.B+1) > 0.1 {
			t.Errorf("Platt fitted A %.3f B %.3f, want about 0.7 and -1", c.A, c.B)
		}
	} else if c.CVBrier[CalibIsotonic] < c.CVBrier[CalibPlatt]-1e-3 {
		t.Errorf("isotonic won by %v on logistic data; Platt should be as good", c.CVBrier)
	}
	// A model stored before the method existed decodes as Platt.
	old := Calibration{A: 0.7, B: -1}
	if got, want := old.Apply(1), sigmoid(-0.3); math.Abs(got-want) > 1e-12 {
		t.Errorf("calibration without a method gives %v, want Platt's %v", got, want)
	}
}
