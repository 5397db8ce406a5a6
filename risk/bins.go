package risk

import (
	"math"
	"sort"
)

// binner maps each feature's raw values to at most 256 ordered bins. Bin b of
// a feature holds the values v with edges[b-1] < v <= edges[b]; the last bin
// has no upper edge. NaN goes to bin 0, below every value.
type binner struct {
	edges [][]float64
}

// newBinner chooses up to maxBins-1 edges per feature: the midpoints between
// neighbouring distinct values when there are few of them, otherwise the
// midpoints at evenly spaced quantiles.
func newBinner(x [][]float64, maxBins int) *binner {
	if maxBins < 2 {
		maxBins = 2
	}
	if maxBins > 256 {
		maxBins = 256
	}
	b := &binner{edges: make([][]float64, len(x))}
	for j, col := range x {
		b.edges[j] = featureEdges(col, maxBins)
	}
	return b
}

func featureEdges(col []float64, maxBins int) []float64 {
	vals := make([]float64, 0, len(col))
	for _, v := range col {
		if !math.IsNaN(v) {
			vals = append(vals, v)
		}
	}
	sort.Float64s(vals)
	distinct := vals[:0:0]
	for i, v := range vals {
		if i == 0 || v != vals[i-1] {
			distinct = append(distinct, v)
		}
	}
	var edges []float64
	if len(distinct) <= maxBins {
		for i := 1; i < len(distinct); i++ {
			edges = append(edges, midpoint(distinct[i-1], distinct[i]))
		}
		return edges
	}
	// Quantile cuts over all values, so dense regions get more bins.
	n := len(vals)
	for q := 1; q < maxBins; q++ {
		i := q * n / maxBins
		if i <= 0 || i >= n || vals[i-1] == vals[i] {
			// The cut falls inside a run of equal values: cut after the run.
			for i < n && i > 0 && vals[i-1] == vals[i] {
				i++
			}
			if i <= 0 || i >= n {
				continue
			}
		}
		e := midpoint(vals[i-1], vals[i])
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	return edges
}

func midpoint(a, b float64) float64 { return a + (b-a)/2 }

// bin returns the bin of value v for feature j.
func (b *binner) bin(j int, v float64) uint8 {
	if math.IsNaN(v) {
		return 0
	}
	return uint8(sort.SearchFloat64s(b.edges[j], v))
}

// binAll returns the bins of every value, by feature.
func (b *binner) binAll(x [][]float64) [][]uint8 {
	out := make([][]uint8, len(x))
	for j, col := range x {
		bins := make([]uint8, len(col))
		for i, v := range col {
			bins[i] = b.bin(j, v)
		}
		out[j] = bins
	}
	return out
}

// numBins returns the number of bins of feature j.
func (b *binner) numBins(j int) int { return len(b.edges[j]) + 1 }
