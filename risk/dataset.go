package risk

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// Dataset is a table of numeric features and a binary outcome, stored by
// column because tree training walks one feature at a time.
type Dataset struct {
	// Features names each column of X.
	Features []string
	// X holds one slice per feature, each of length Len().
	X [][]float64
	// Y is 1 for a customer who left and 0 otherwise.
	Y []float64
}

// Len returns the number of rows.
func (d *Dataset) Len() int { return len(d.Y) }

// Row copies row i into dst (allocated when nil) and returns it.
func (d *Dataset) Row(i int, dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(d.X))
	}
	for j := range d.X {
		dst[j] = d.X[j][i]
	}
	return dst
}

// Validate checks that every column has one value per outcome and that the
// outcomes are 0 or 1.
func (d *Dataset) Validate() error {
	if len(d.Features) != len(d.X) {
		return fmt.Errorf("dataset: %d feature names for %d columns", len(d.Features), len(d.X))
	}
	for j, col := range d.X {
		if len(col) != len(d.Y) {
			return fmt.Errorf("dataset: feature %s has %d values for %d outcomes", d.Features[j], len(col), len(d.Y))
		}
	}
	for i, y := range d.Y {
		if y != 0 && y != 1 {
			return fmt.Errorf("dataset: outcome of row %d is %v, want 0 or 1", i, y)
		}
	}
	return nil
}

// Subset returns the rows idx, in that order, sharing nothing with d.
func (d *Dataset) Subset(idx []int) *Dataset {
	out := &Dataset{Features: d.Features, X: make([][]float64, len(d.X)), Y: make([]float64, len(idx))}
	for j, col := range d.X {
		c := make([]float64, len(idx))
		for k, i := range idx {
			c[k] = col[i]
		}
		out.X[j] = c
	}
	for k, i := range idx {
		out.Y[k] = d.Y[i]
	}
	return out
}

// StratifiedSplit shuffles the rows with seed and splits them into two parts
// keeping the share of positives in each: the second part gets frac of each
// class (rounded). The same seed gives the same split.
func StratifiedSplit(y []float64, frac float64, seed uint64) (first, second []int) {
	var pos, neg []int
	for i, v := range y {
		if v == 1 {
			pos = append(pos, i)
		} else {
			neg = append(neg, i)
		}
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for _, class := range [][]int{neg, pos} {
		rng.Shuffle(len(class), func(a, b int) { class[a], class[b] = class[b], class[a] })
		k := int(float64(len(class))*frac + 0.5)
		second = append(second, class[:k]...)
		first = append(first, class[k:]...)
	}
	sort.Ints(first)
	sort.Ints(second)
	return first, second
}
