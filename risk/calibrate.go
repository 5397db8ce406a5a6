package risk

import (
	"math"
	"sort"
)

// Platt maps a model's log-odds m to a calibrated probability
// sigmoid(A·m + B), fitted on rows the model did not train on, so that a
// score of 0.3 means about 30% of such customers leave.
type Platt struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// Apply returns the calibrated probability for log-odds m.
func (c Platt) Apply(m float64) float64 { return sigmoid(c.A*m + c.B) }

// FitPlatt fits A and B by minimising the log-loss, with Platt's
// smoothed targets (n₊+1)/(n₊+2) and 1/(n₋+2), which keep A finite when the
// margins separate the outcomes perfectly.
func FitPlatt(margin, y []float64) Platt {
	var npos, nneg float64
	for _, v := range y {
		if v == 1 {
			npos++
		} else {
			nneg++
		}
	}
	hi, lo := (npos+1)/(npos+2), 1/(nneg+2)
	t := make([]float64, len(y))
	for i, v := range y {
		if v == 1 {
			t[i] = hi
		} else {
			t[i] = lo
		}
	}
	objective := func(c Platt) float64 {
		s := 0.0
		for i, m := range margin {
			z := c.A*m + c.B
			s += softplus(z) - t[i]*z
		}
		return s
	}
	// Newton's method with backtracking (Lin, Lin and Weng, 2007): start
	// from the base rate and halve each step until the loss falls.
	c := Platt{A: 0, B: math.Log((npos + 1) / (nneg + 1))}
	f := objective(c)
	for iter := 0; iter < 100; iter++ {
		var ga, gb, haa, hab, hbb float64
		for i, m := range margin {
			p := c.Apply(m)
			d := p - t[i]
			w := math.Max(p*(1-p), 1e-12)
			ga += d * m
			gb += d
			haa += w * m * m
			hab += w * m
			hbb += w
		}
		if math.Abs(ga) < 1e-7 && math.Abs(gb) < 1e-7 {
			break
		}
		haa += 1e-12
		hbb += 1e-12
		det := haa*hbb - hab*hab
		da := -(hbb*ga - hab*gb) / det
		db := -(haa*gb - hab*ga) / det
		step, moved := 1.0, false
		for step >= 1e-10 {
			next := Platt{A: c.A + step*da, B: c.B + step*db}
			if nf := objective(next); nf < f+1e-4*step*(ga*da+gb*db) {
				c, f, moved = next, nf, true
				break
			}
			step /= 2
		}
		if !moved {
			break
		}
	}
	return c
}

// Calibration methods.
const (
	CalibPlatt    = "platt"
	CalibIsotonic = "isotonic"
)

// Calibration maps a model's log-odds to a probability by the method
// chosen on the validation part: Platt scaling (a sigmoid of the log-odds)
// or isotonic regression (any non-decreasing curve). A model stored before
// isotonic calibration existed has no method and A and B set: Platt.
type Calibration struct {
	Method string `json:"method,omitempty"`
	// A and B are Platt's parameters, when Method is platt.
	A float64 `json:"a"`
	B float64 `json:"b"`
	// Isotonic is the fitted curve, when Method is isotonic.
	Isotonic *Isotonic `json:"isotonic,omitempty"`
	// CVBrier is each method's Brier score on the validation part,
	// cross-fitted: fitted on one half, measured on the other, both ways.
	CVBrier map[string]float64 `json:"cv_brier,omitempty"`
}

// Apply returns the calibrated probability for log-odds m.
func (c Calibration) Apply(m float64) float64 {
	if c.Method == CalibIsotonic && c.Isotonic != nil {
		return c.Isotonic.Apply(m)
	}
	return Platt{A: c.A, B: c.B}.Apply(m)
}

// Isotonic is a non-decreasing map from log-odds to probability: the
// pool-adjacent-violators fit, one point per pooled block (its mean
// log-odds and its rate of churners), linear in between and flat beyond
// the ends, so that scores keep their order inside a block's span.
type Isotonic struct {
	X []float64 `json:"x"`
	Y []float64 `json:"y"`
}

// isoFloor keeps isotonic probabilities off 0 and 1, where one surprise
// would make the log-loss infinite.
const isoFloor = 1e-4

// Apply returns the calibrated probability for log-odds m.
func (c *Isotonic) Apply(m float64) float64 {
	n := len(c.X)
	switch {
	case n == 0:
		return 0.5
	case m <= c.X[0]:
		return c.Y[0]
	case m >= c.X[n-1]:
		return c.Y[n-1]
	}
	i := sort.SearchFloat64s(c.X, m) // c.X[i-1] < m <= c.X[i]
	x0, x1, y0, y1 := c.X[i-1], c.X[i], c.Y[i-1], c.Y[i]
	return y0 + (y1-y0)*(m-x0)/(x1-x0)
}

// FitIsotonic fits a non-decreasing curve of outcome y on log-odds margin
// by pool adjacent violators; rows of equal margin are pooled first.
func FitIsotonic(margin, y []float64) *Isotonic {
	idx := make([]int, len(margin))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return margin[idx[a]] < margin[idx[b]] })
	type block struct{ sumX, sumY, n float64 }
	var st []block
	for k, i := range idx {
		if k > 0 && margin[i] == margin[idx[k-1]] {
			top := &st[len(st)-1]
			top.sumX, top.sumY, top.n = top.sumX+margin[i], top.sumY+y[i], top.n+1
		} else {
			st = append(st, block{margin[i], y[i], 1})
		}
		// Pool while the last block's rate is not above the one before.
		for len(st) > 1 {
			a, b := st[len(st)-2], st[len(st)-1]
			if a.sumY/a.n < b.sumY/b.n {
				break
			}
			st = st[:len(st)-1]
			st[len(st)-1] = block{a.sumX + b.sumX, a.sumY + b.sumY, a.n + b.n}
		}
	}
	c := &Isotonic{X: make([]float64, len(st)), Y: make([]float64, len(st))}
	for i, b := range st {
		c.X[i] = b.sumX / b.n
		c.Y[i] = math.Min(math.Max(b.sumY/b.n, isoFloor), 1-isoFloor)
	}
	return c
}

// FitCalibration chooses between Platt scaling and isotonic regression by
// their Brier score on the validation rows, cross-fitted on two halves
// (each method fitted on one half is measured on the other, and the other
// way round) so that isotonic's freedom does not win by fitting the very
// rows it is judged on; the chosen method is then fitted on all the rows.
// Halves are stratified by outcome with seed.
func FitCalibration(margin, y []float64, seed uint64) Calibration {
	a, b := StratifiedSplit(y, 0.5, seed)
	pick := func(idx []int) ([]float64, []float64) {
		m, t := make([]float64, len(idx)), make([]float64, len(idx))
		for k, i := range idx {
			m[k], t[k] = margin[i], y[i]
		}
		return m, t
	}
	ma, ya := pick(a)
	mb, yb := pick(b)
	brier := func(apply func(float64) float64, m, t []float64) float64 {
		s := 0.0
		for i := range m {
			d := apply(m[i]) - t[i]
			s += d * d
		}
		return s
	}
	n := float64(len(y))
	c := Calibration{CVBrier: map[string]float64{
		CalibPlatt:    (brier(FitPlatt(ma, ya).Apply, mb, yb) + brier(FitPlatt(mb, yb).Apply, ma, ya)) / n,
		CalibIsotonic: (brier(FitIsotonic(ma, ya).Apply, mb, yb) + brier(FitIsotonic(mb, yb).Apply, ma, ya)) / n,
	}}
	if c.CVBrier[CalibIsotonic] < c.CVBrier[CalibPlatt] {
		c.Method, c.Isotonic = CalibIsotonic, FitIsotonic(margin, y)
		return c
	}
	p := FitPlatt(margin, y)
	c.Method, c.A, c.B = CalibPlatt, p.A, p.B
	return c
}
