package risk

import (
	"math"
	"sort"
)

// Evaluation measures predicted probabilities against outcomes.
type Evaluation struct {
	Rows     int     `json:"rows"`
	Positive int     `json:"positive"`
	BaseRate float64 `json:"base_rate"`
	// AUC is the probability that a random leaver scores above a random
	// stayer (ties count half).
	AUC float64 `json:"auc"`
	// Brier is the mean squared error of the probabilities.
	Brier float64 `json:"brier"`
	// LogLoss is the mean binary cross-entropy.
	LogLoss float64 `json:"log_loss"`
	// TopDecile measures the tenth of rows with the highest scores.
	TopDecile TopDecile `json:"top_decile"`
	// Reliability compares predicted and observed rates in ten bands of
	// predicted probability (0–0.1, ..., 0.9–1); empty bands are left out.
	Reliability []ReliabilityBin `json:"reliability"`
}

// TopDecile is precision, recall and lift among the highest-scored tenth.
type TopDecile struct {
	Rows      int     `json:"rows"`
	Positive  int     `json:"positive"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	// Lift is Precision over the base rate.
	Lift float64 `json:"lift"`
}

// ReliabilityBin is one band of the reliability table.
type ReliabilityBin struct {
	Lower     float64 `json:"lower"`
	Upper     float64 `json:"upper"`
	Rows      int     `json:"rows"`
	Predicted float64 `json:"predicted"` // mean predicted probability
	Observed  float64 `json:"observed"`  // share of positives
}

// Evaluate measures probabilities p against outcomes y (0 or 1).
func Evaluate(p, y []float64) Evaluation {
	e := Evaluation{Rows: len(y)}
	var brier, ll float64
	for i, v := range y {
		if v == 1 {
			e.Positive++
		}
		d := p[i] - v
		brier += d * d
		q := math.Min(math.Max(p[i], 1e-15), 1-1e-15)
		ll -= v*math.Log(q) + (1-v)*math.Log(1-q)
	}
	if e.Rows == 0 {
		return e
	}
	n := float64(e.Rows)
	e.BaseRate = float64(e.Positive) / n
	e.Brier, e.LogLoss = brier/n, ll/n
	e.AUC = AUC(p, y)
	e.TopDecile = topDecile(p, y, e.Positive)
	e.Reliability = reliability(p, y)
	return e
}

// AUC is the area under the ROC curve, from the rank sum of the positives
// (Mann–Whitney U) with tied scores given their mean rank. It is NaN when
// either class is absent.
func AUC(p, y []float64) float64 {
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	var rankSum, npos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && p[idx[j]] == p[idx[i]] {
			j++
		}
		mean := float64(i+j+1) / 2 // ranks i+1..j
		for k := i; k < j; k++ {
			if y[idx[k]] == 1 {
				rankSum += mean
				npos++
			}
		}
		i = j
	}
	nneg := float64(len(p)) - npos
	if npos == 0 || nneg == 0 {
		return math.NaN()
	}
	return (rankSum - npos*(npos+1)/2) / (npos * nneg)
}

// topDecile takes the ceil(n/10) highest scores; among equal scores at the
// cut, the earlier rows come first so the result is reproducible.
func topDecile(p, y []float64, positives int) TopDecile {
	k := (len(p) + 9) / 10
	idx := make([]int, len(p))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] > p[idx[b]] })
	t := TopDecile{Rows: k}
	for _, i := range idx[:k] {
		if y[i] == 1 {
			t.Positive++
		}
	}
	if k > 0 {
		t.Precision = float64(t.Positive) / float64(k)
	}
	if positives > 0 {
		t.Recall = float64(t.Positive) / float64(positives)
		t.Lift = t.Precision / (float64(positives) / float64(len(p)))
	}
	return t
}

func reliability(p, y []float64) []ReliabilityBin {
	var bins [10]ReliabilityBin
	for i, v := range p {
		b := int(v * 10)
		b = min(max(b, 0), 9)
		bins[b].Rows++
		bins[b].Predicted += v
		bins[b].Observed += y[i]
	}
	var out []ReliabilityBin
	for b := range bins {
		r := bins[b]
		if r.Rows == 0 {
			continue
		}
		r.Lower, r.Upper = float64(b)/10, float64(b+1)/10
		r.Predicted /= float64(r.Rows)
		r.Observed /= float64(r.Rows)
		out = append(out, r)
	}
	return out
}
