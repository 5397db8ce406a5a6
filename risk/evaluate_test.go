package risk

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteAUC compares every positive with every negative.
func bruteAUC(p, y []float64) float64 {
	var wins, pairs float64
	for i := range p {
		for j := range p {
			if y[i] == 1 && y[j] == 0 {
				pairs++
				switch {
				case p[i] > p[j]:
					wins++
				case p[i] == p[j]:
					wins += 0.5
				}
			}
		}
	}
	return wins / pairs
}

func TestAUCMatchesPairwiseCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		n := 50 + rng.IntN(300)
		p, y := make([]float64, n), make([]float64, n)
		for i := range p {
			// Coarse scores so that ties happen.
			p[i] = float64(rng.IntN(20)) / 20
			if rng.Float64() < p[i] {
				y[i] = 1
			}
		}
		y[0], y[1] = 0, 1
		if got, want := AUC(p, y), bruteAUC(p, y); math.Abs(got-want) > 1e-12 {
			t.Fatalf("trial %d: AUC %v, pairwise %v", trial, got, want)
		}
	}
	if !math.IsNaN(AUC([]float64{.1, .2}, []float64{1, 1})) {
		t.Error("AUC with one class is not NaN")
	}
}

func TestEvaluateByHand(t *testing.T) {
	// 20 rows; the top two scores (0.95, 0.9) are positives, one more
	// positive sits low. Top decile = 2 rows, both positive: precision 1,
	// recall 2/3, lift 1 / (3/20) = 6.67.
	p := make([]float64, 20)
	y := make([]float64, 20)
	for i := range p {
		p[i] = 0.05
	}
	p[3], y[3] = 0.95, 1
	p[7], y[7] = 0.9, 1
	p[12], y[12] = 0.05, 1
	e := Evaluate(p, y)
	if e.TopDecile.Rows != 2 || e.TopDecile.Positive != 2 {
		t.Fatalf("top decile: %+v", e.TopDecile)
	}
	if math.Abs(e.TopDecile.Recall-2.0/3) > 1e-12 || math.Abs(e.TopDecile.Lift-20.0/3) > 1e-12 {
		t.Errorf("recall %v lift %v, want 0.6667 and 6.6667", e.TopDecile.Recall, e.TopDecile.Lift)
	}
	// Brier: two (0.05)², (0.1)², one (0.95)², 17 (0.05)².
	brier := (0.05*0.05 + 0.1*0.1 + 0.95*0.95 + 17*0.05*0.05) / 20
	if math.Abs(e.Brier-brier) > 1e-12 {
		t.Errorf("Brier %v, want %v", e.Brier, brier)
	}
	// Reliability: band 0 holds 18 rows with one positive; band 9 holds two
	// rows, both positive.
	if len(e.Reliability) != 2 || e.Reliability[0].Rows != 18 || math.Abs(e.Reliability[0].Observed-1.0/18) > 1e-12 ||
		e.Reliability[1].Rows != 2 || e.Reliability[1].Observed != 1 || math.Abs(e.Reliability[1].Predicted-0.925) > 1e-12 {
		t.Errorf("reliability: %+v", e.Reliability)
	}
}

func TestPlattRecoversKnownScaling(t *testing.T) {
	// Outcomes drawn at sigmoid(0.5 m - 1): the fit should find A ≈ 0.5, B ≈ -1.
	rng := rand.New(rand.NewPCG(3, 4))
	n := 40000
	m, y := make([]float64, n), make([]float64, n)
	for i := range m {
		m[i] = rng.NormFloat64() * 3
		if rng.Float64() < sigmoid(0.5*m[i]-1) {
			y[i] = 1
		}
	}
	c := FitPlatt(m, y)
	if math.Abs(c.A-0.5) > 0.05 || math.Abs(c.B+1) > 0.08 {
		t.Errorf("got A=%v B=%v, want about 0.5 and -1", c.A, c.B)
	}
}

func TestLogisticRecoversWeights(t *testing.T) {
	// y ~ sigmoid(-1 + 2 a - b) with a, b standard normal: on standardised
	// inputs the weights are the same.
	rng := rand.New(rand.NewPCG(5, 6))
	n := 30000
	d := &Dataset{Features: []string{"a", "b"}, X: [][]float64{make([]float64, n), make([]float64, n)}, Y: make([]float64, n)}
	for i := 0; i < n; i++ {
		a, b := rng.NormFloat64(), rng.NormFloat64()
		d.X[0][i], d.X[1][i] = a, b
		if rng.Float64() < sigmoid(-1+2*a-b) {
			d.Y[i] = 1
		}
	}
	m, err := TrainLogistic(d, LogisticParams{L2: 0, MaxIterations: 200})
	if err != nil {
		t.Fatal(err)
	}
	// Weights are per standard deviation: w·sd recovers the raw slope.
	a := m.Weights[0] / m.Scale[0]
	b := m.Weights[1] / m.Scale[1]
	icpt := m.Intercept - m.Weights[0]*m.Mean[0]/m.Scale[0] - m.Weights[1]*m.Mean[1]/m.Scale[1]
	if math.Abs(a-2) > 0.1 || math.Abs(b+1) > 0.07 || math.Abs(icpt+1) > 0.07 {
		t.Errorf("got slopes %v, %v and intercept %v; want 2, -1, -1", a, b, icpt)
	}
}

func TestStratifiedSplitKeepsShares(t *testing.T) {
	y := make([]float64, 1000)
	for i := 0; i < 160; i++ {
		y[i*6] = 1
	}
	a, b := StratifiedSplit(y, 0.2, 9)
	if len(a)+len(b) != 1000 || len(b) != 200 {
		t.Fatalf("sizes %d and %d", len(a), len(b))
	}
	pos := 0
	for _, i := range b {
		pos += int(y[i])
	}
	if pos != 32 {
		t.Errorf("second part has %d positives, want 32 (20%% of 160)", pos)
	}
	seen := map[int]bool{}
	for _, i := range append(a, b...) {
		if seen[i] {
			t.Fatalf("row %d in both parts", i)
		}
		seen[i] = true
	}
}

func TestBinEdges(t *testing.T) {
	// Few distinct values: midpoints. Many: at most bins-1 increasing edges.
	b := newBinner([][]float64{{3, 1, 2, 2, math.NaN()}}, 8)
	want := []float64{1.5, 2.5}
	if len(b.edges[0]) != 2 || b.edges[0][0] != want[0] || b.edges[0][1] != want[1] {
		t.Fatalf("edges %v, want %v", b.edges[0], want)
	}
	for v, bin := range map[float64]uint8{1: 0, 1.5: 0, 2: 1, 2.5: 1, 3: 2, 99: 2, math.Inf(-1): 0} {
		if got := b.bin(0, v); got != bin {
			t.Errorf("bin(%v) = %d, want %d", v, got, bin)
		}
	}
	col := make([]float64, 10000)
	for i := range col {
		col[i] = float64(i % 997)
	}
	e := featureEdges(col, 32)
	if len(e) > 31 || len(e) < 25 {
		t.Errorf("%d edges for 32 bins", len(e))
	}
	for i := 1; i < len(e); i++ {
		if e[i] <= e[i-1] {
			t.Fatalf("edges not increasing at %d: %v", i, e)
		}
	}
}
