package server

import (
	"strconv"
	"testing"
)

// Sums of money carry binary noise in their last bits; CSV writes them as
// an analyst would, and keeps every digit that means something.
func TestCSVFloat(t *testing.T) {
	sum := 0.0
	for range 10 {
		sum += 0.1 // 0.9999999999999999 in binary floating point
	}
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{103883145.91000001, "103883145.91"},
		{17419698.209999997, "17419698.21"},
		{sum, "1"},
		{0.0954328561690525, "0.0954328561690525"},
		{-3425000, "-3425000"},
		{123456789012345.6, "123456789012346"},
	} {
		got := csvFloat(tc.in)
		if got != tc.want {
			t.Errorf("csvFloat(%v) = %s, want %s", tc.in, got, tc.want)
		}
		if v, _ := strconv.ParseFloat(got, 64); tc.in != 0 && (v-tc.in)/tc.in > 1e-14 {
			t.Errorf("csvFloat(%v) = %s moves the value", tc.in, got)
		}
	}
}
