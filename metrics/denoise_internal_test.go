package metrics

import (
	"math"
	"strconv"
	"testing"
)

// denoise takes a figure for the shortest decimal within noiseTolerance
// of it, and leaves every other figure within that fraction of itself.
func TestDenoise(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{
		{103883145.91000001, 103883145.91},
		{38560599.480000004, 38560599.48},
		{17419698.209999997, 17419698.21},
		{2094351.330000001, 2094351.33},
		{-2467487.35000047, -2467487.35},
		{6356204362.0402, 6356204362.04},
		{0.30000000000000004, 0.3},
		{-0.30000000000000004, -0.3},
		// Figures with no shorter decimal that close stay as they are.
		{1234567890.12, 1234567890.12},
		{8631.953938, 8631.953938},
		{0.014821, 0.014821},
		{419926, 419926},
		{0, 0},
		{5e-324, 5e-324},
		{1e21, 1e21},
	} {
		if got := denoise(tc.in); got != tc.want {
			t.Errorf("denoise(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, x := range []float64{1.0 / 3, 2.0 / 3, math.Pi * 1e7, 0.1234567890123456, 1e-9 / 7, 9.87654321e15 / 3} {
		got := denoise(x)
		if math.Abs(got-x) > noiseTolerance*math.Abs(x) {
			t.Errorf("denoise(%v) = %v moves it by more than the tolerance", x, got)
		}
		if len(strconv.FormatFloat(got, 'g', -1, 64)) > len(strconv.FormatFloat(x, 'g', -1, 64)) {
			t.Errorf("denoise(%v) = %v is longer", x, got)
		}
	}
}

// BenchmarkDenoise is the cost per money cell: a noisy sum, a clean one
// and a figure with no shorter decimal.
func BenchmarkDenoise(b *testing.B) {
	xs := []float64{103883145.91000001, 419926, 8631.953938123457}
	for i := 0; b.Loop(); i++ {
		denoise(xs[i%len(xs)])
	}
}
