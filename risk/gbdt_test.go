package risk

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// tinyData: feature x0 separates the outcomes between 2 and 3; x1 is noise.
func tinyData() *Dataset {
	return &Dataset{
		Features: []string{"x0", "x1"},
		X:        [][]float64{{1, 2, 3, 4}, {1, 2, 1, 2}},
		Y:        []float64{0, 0, 1, 1},
	}
}

func TestGBDTHandWorkedStump(t *testing.T) {
	// By hand: base log-odds log(2/2) = 0, so p = 0.5, g = p - y =
	// (.5, .5, -.5, -.5), h = p(1-p) = .25. Splitting x0 at 2.5 gives
	// GL = 1, HL = .5, GR = -1, HR = .5 and, with lambda = 1,
	// gain = ½(1/1.5 + 1/1.5 - 0) = 2/3, leaves -GL/(HL+λ) = -2/3 and 2/3.
	// Splitting at 1.5 gains only ½(.25/1.25 + .25/1.75) = 0.1714, and x1
	// gains 0 (each side has g summing to 0).
	p := GBDTParams{Trees: 1, LearningRate: 1, MaxDepth: 1, MinLeaf: 1, L2: 1, Bins: 16}
	m, err := TrainGBDT(tinyData(), &Dataset{Features: []string{"x0", "x1"}, X: [][]float64{{}, {}}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Trees) != 1 {
		t.Fatalf("got %d trees, want 1", len(m.Trees))
	}
	root := m.Trees[0].Nodes[0]
	checks := []struct {
		name      string
		got, want float64
	}{
		{"base", m.Base, 0},
		{"split feature", float64(root.Feature), 0},
		{"threshold", root.Threshold, 2.5},
		{"gain", root.Gain, 2.0 / 3},
		{"left leaf", m.Trees[0].Nodes[root.Left].Value, -2.0 / 3},
		{"right leaf", m.Trees[0].Nodes[root.Right].Value, 2.0 / 3},
		{"root value (G = 0)", root.Value, 0},
		{"margin of x0=2", m.Margin([]float64{2, 9}), -2.0 / 3},
		{"margin of x0=3", m.Margin([]float64{3, 9}), 2.0 / 3},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestGBDTGradientsOfSecondRound(t *testing.T) {
	// After the stump above, row 0 sits at log-odds -2/3, so its gradient
	// is sigmoid(-2/3) - 0 and its hessian sigmoid(-2/3)(1 - sigmoid(-2/3)).
	d := tinyData()
	bn := newBinner(d.X, 16)
	g := &grower{p: GBDTParams{Trees: 2, LearningRate: 1, MaxDepth: 1, MinLeaf: 1, L2: 1, Bins: 16}, bins: bn.binAll(d.X), binner: bn, y: d.Y}
	if _, err := g.boost(&Dataset{X: [][]float64{{}, {}}}, bn); err != nil {
		t.Fatal(err)
	}
	p0 := 1 / (1 + math.Exp(2.0/3))
	wantG := []float64{p0, p0, -p0, -p0} // by symmetry rows 2, 3 sit at +2/3
	for i, w := range wantG {
		if math.Abs(g.grad[i]-w) > 1e-12 {
			t.Errorf("grad[%d]: got %v, want %v", i, g.grad[i], w)
		}
		if wh := p0 * (1 - p0); math.Abs(g.hess[i]-wh) > 1e-12 {
			t.Errorf("hess[%d]: got %v, want %v", i, g.hess[i], wh)
		}
	}
}

func TestGBDTMinLeafBlocksSplit(t *testing.T) {
	// With at least 3 rows per leaf, 4 rows cannot be split: one leaf.
	p := GBDTParams{Trees: 1, LearningRate: 1, MaxDepth: 3, MinLeaf: 3, L2: 1, Bins: 16}
	m, err := TrainGBDT(tinyData(), &Dataset{Features: []string{"x0", "x1"}, X: [][]float64{{}, {}}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Trees[0].Nodes); n != 1 {
		t.Errorf("got %d nodes, want 1 leaf", n)
	}
}

// synthetic draws n rows of a known logistic model with an interaction, so
// trees have something to find that a linear model cannot.
func synthetic(n int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	d := &Dataset{Features: []string{"a", "b", "c", "noise"}, X: make([][]float64, 4), Y: make([]float64, n)}
	for j := range d.X {
		d.X[j] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		a, b, c, e := rng.NormFloat64(), rng.NormFloat64(), float64(rng.IntN(4)), rng.NormFloat64()
		d.X[0][i], d.X[1][i], d.X[2][i], d.X[3][i] = a, b, c, e
		z := -1.5 + 1.2*a - 0.8*b + 1.5*a*b*0.5 + 0.4*c
		if rng.Float64() < sigmoid(z) {
			d.Y[i] = 1
		}
	}
	return d
}

func TestFitIsDeterministicForASeed(t *testing.T) {
	d := synthetic(3000, 1)
	p := DefaultTrainParams(KindGBDT)
	p.GBDT.Trees = 60
	encode := func(seed uint64) string {
		p.Seed = seed
		m, err := Fit(d, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a, b, c := encode(3), encode(3), encode(4)
	if a != b {
		t.Error("two fits with seed 3 differ")
	}
	if a == c {
		t.Error("fits with seeds 3 and 4 are identical: the seed does not reach the split")
	}
}

func TestGBDTBeatsLogisticOnInteraction(t *testing.T) {
	d := synthetic(6000, 2)
	test := synthetic(4000, 3)
	auc := map[string]float64{}
	for _, kind := range []string{KindGBDT, KindLogistic} {
		m, err := Fit(d, DefaultTrainParams(kind))
		if err != nil {
			t.Fatal(err)
		}
		auc[kind] = AUC(m.Score(test), test.Y)
	}
	if auc[KindGBDT] <= auc[KindLogistic] {
		t.Errorf("GBDT AUC %.4f is not above logistic %.4f on data with an interaction", auc[KindGBDT], auc[KindLogistic])
	}
	if auc[KindLogistic] < 0.6 {
		t.Errorf("logistic AUC %.4f: the linear signal is not found", auc[KindLogistic])
	}
}

func TestGBDTContributionsAddUpToMargin(t *testing.T) {
	d := synthetic(2000, 5)
	m, err := Fit(d, DefaultTrainParams(KindGBDT))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		x := d.Row(i, nil)
		c, bias := m.Contributions(x)
		sum := bias
		for _, v := range c {
			sum += v
		}
		if got := m.Margin(x); math.Abs(sum-got) > 1e-9 {
			t.Fatalf("row %d: contributions add to %v, margin is %v", i, sum, got)
		}
	}
}

func TestEarlyStoppingKeepsBestRound(t *testing.T) {
	d := synthetic(3000, 6)
	tr, va := StratifiedSplit(d.Y, 0.25, 1)
	p := GBDTParams{Trees: 400, LearningRate: 0.5, MaxDepth: 6, MinLeaf: 2, L2: 0, Bins: 64, EarlyStop: 10}
	m, err := TrainGBDT(d.Subset(tr), d.Subset(va), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Trees) == 400 {
		t.Fatal("an over-fitting run never stopped early")
	}
	last := m.ValidLoss[len(m.ValidLoss)-1]
	for r, l := range m.ValidLoss {
		if l < last {
			t.Fatalf("round %d has validation loss %v below the kept last round's %v", r, l, last)
		}
	}
}

func TestGBDTParamsValidate(t *testing.T) {
	bad := []func(*GBDTParams){
		func(p *GBDTParams) { p.Trees = 0 },
		func(p *GBDTParams) { p.LearningRate = 0 },
		func(p *GBDTParams) { p.MaxDepth = 0 },
		func(p *GBDTParams) { p.MinLeaf = 0 },
		func(p *GBDTParams) { p.L2 = -1 },
		func(p *GBDTParams) { p.Bins = 300 },
		func(p *GBDTParams) { p.EarlyStop = -1 },
	}
	for i, f := range bad {
		p := DefaultGBDTParams()
		f(&p)
		if p.Validate() == nil {
			t.Errorf("case %d: %+v validated", i, p)
		}
	}
	if err := DefaultGBDTParams().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestFitIsTheSameOnAnyNumberOfCores(t *testing.T) {
	// Histograms are summed on several goroutines once a node holds 4,096
	// rows; 12,000 rows (9,600 after validation) take that path, and the
	// trees must not depend on how many cores there are.
	d := synthetic(12000, 9)
	p := DefaultTrainParams(KindGBDT)
	p.GBDT.Trees = 40
	fit := func(procs int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		m, err := Fit(d, p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if one, four := fit(1), fit(4); one != four {
		t.Error("the model fitted on 1 core differs from the one fitted on 4")
	}
}
