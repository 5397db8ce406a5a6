package risk

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/stat"
)

// LogisticParams are the settings of logistic regression.
type LogisticParams struct {
	// L2 is the penalty (lambda/2)·|w|² added to the mean log-loss; the
	// intercept is not penalised.
	L2 float64 `json:"l2"`
	// MaxIterations bounds the optimiser.
	MaxIterations int `json:"max_iterations"`
}

// DefaultLogisticParams are the shipped settings.
func DefaultLogisticParams() LogisticParams {
	return LogisticParams{L2: 1e-3, MaxIterations: 500}
}

// Logistic is a fitted logistic regression on standardised features.
type Logistic struct {
	Mean      []float64 `json:"mean"`
	Scale     []float64 `json:"scale"`
	Weights   []float64 `json:"weights"`
	Intercept float64   `json:"intercept"`
}

// Margin returns the log-odds for row x.
func (m *Logistic) Margin(x []float64) float64 {
	z := m.Intercept
	for j, w := range m.Weights {
		v := x[j]
		if math.IsNaN(v) {
			continue // a missing value sits at the mean
		}
		z += w * (v - m.Mean[j]) / m.Scale[j]
	}
	return z
}

// Predict returns the uncalibrated probability for row x.
func (m *Logistic) Predict(x []float64) float64 { return sigmoid(m.Margin(x)) }

// Contributions returns, per feature, its term w·z in the log-odds; the
// intercept is the part common to every row.
func (m *Logistic) Contributions(x []float64) (contrib []float64, bias float64) {
	contrib = make([]float64, len(m.Weights))
	for j, w := range m.Weights {
		if !math.IsNaN(x[j]) {
			contrib[j] = w * (x[j] - m.Mean[j]) / m.Scale[j]
		}
	}
	return contrib, m.Intercept
}

// TrainLogistic fits logistic regression to d with L-BFGS.
func TrainLogistic(d *Dataset, p LogisticParams) (*Logistic, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if p.L2 < 0 {
		return nil, fmt.Errorf("logistic: l2 is %v, want >= 0", p.L2)
	}
	nf, n := len(d.X), d.Len()
	m := &Logistic{Mean: make([]float64, nf), Scale: make([]float64, nf), Weights: make([]float64, nf)}
	z := make([][]float64, nf)
	for j, col := range d.X {
		clean := make([]float64, 0, n)
		for _, v := range col {
			if !math.IsNaN(v) {
				clean = append(clean, v)
			}
		}
		mean, sd := stat.MeanStdDev(clean, nil)
		if sd == 0 || math.IsNaN(sd) {
			sd = 1 // a constant column: its weight stays near 0
		}
		if math.IsNaN(mean) {
			mean = 0
		}
		m.Mean[j], m.Scale[j] = mean, sd
		zc := make([]float64, n)
		for i, v := range col {
			if !math.IsNaN(v) {
				zc[i] = (v - mean) / sd
			}
		}
		z[j] = zc
	}
	margin := make([]float64, n)
	resid := make([]float64, n)
	eval := func(params []float64) {
		for i := range margin {
			margin[i] = params[nf]
		}
		for j := 0; j < nf; j++ {
			floats.AddScaled(margin, params[j], z[j])
		}
	}
	problem := optimize.Problem{
		Func: func(params []float64) float64 {
			eval(params)
			return logLoss(d.Y, margin) + p.L2/2*floats.Dot(params[:nf], params[:nf])
		},
		Grad: func(grad, params []float64) {
			eval(params)
			for i, v := range margin {
				resid[i] = (sigmoid(v) - d.Y[i]) / float64(n)
			}
			for j := 0; j < nf; j++ {
				grad[j] = floats.Dot(resid, z[j]) + p.L2*params[j]
			}
			grad[nf] = floats.Sum(resid)
		},
	}
	settings := &optimize.Settings{MajorIterations: p.MaxIterations, GradientThreshold: 1e-7}
	res, err := optimize.Minimize(problem, make([]float64, nf+1), settings, &optimize.LBFGS{})
	if err != nil && res == nil {
		return nil, fmt.Errorf("logistic: %w", err)
	}
	copy(m.Weights, res.X[:nf])
	m.Intercept = res.X[nf]
	return m, nil
}
