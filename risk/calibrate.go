package risk

import "math"

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
