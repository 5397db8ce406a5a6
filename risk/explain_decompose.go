package risk

import (
	"math"
	"sort"
)

// GroupFigures are one group's raw figures in the two periods: for an
// additive metric Value only; for a ratio its numerator and denominator
// (Value is then unused).
type GroupFigures struct {
	Value           string
	Baseline        float64
	Current         float64
	BaselineNum     float64
	BaselineDen     float64
	CurrentNum      float64
	CurrentDen      float64
	MissingBaseline bool // the group has no row in the baseline period
	MissingCurrent  bool
}

// Driver is one group's part in a change, ranked by its size.
type Driver struct {
	// Value is the group (the dimension's value); "" for rows with none.
	Value string `json:"value"`
	Label string `json:"label,omitempty"`
	// Baseline and Current are the group's own value of the metric in each
	// period: its amount for an additive metric, its rate for a ratio
	// (null where the group had no denominator).
	Baseline *float64 `json:"baseline"`
	Current  *float64 `json:"current"`
	// BaselineWeight and CurrentWeight are the group's share of the
	// denominator (ratio metrics only).
	BaselineWeight *float64 `json:"baseline_weight,omitempty"`
	CurrentWeight  *float64 `json:"current_weight,omitempty"`
	// RateEffect and MixEffect split a ratio's contribution (see Decompose).
	RateEffect *float64 `json:"rate_effect,omitempty"`
	MixEffect  *float64 `json:"mix_effect,omitempty"`
	// Contribution is the group's part of the total change, in the metric's
	// units; the contributions of all groups add up to the total change.
	Contribution float64 `json:"contribution"`
	// Share is Contribution over the total change (null when there is
	// no change to share out).
	Share *float64 `json:"share"`
}

// Decomposition is a change split across the groups of one dimension.
type Decomposition struct {
	Baseline float64  `json:"baseline"`
	Current  float64  `json:"current"`
	Change   float64  `json:"change"`
	Drivers  []Driver `json:"drivers"`
	// RateEffect and MixEffect are the sums over groups (ratio metrics).
	RateEffect *float64 `json:"rate_effect,omitempty"`
	MixEffect  *float64 `json:"mix_effect,omitempty"`
}

// shareEpsilon is the smallest change shares are given for: below it a
// "share of the change" is noise divided by noise.
const shareEpsilon = 1e-12

func fptr(f float64) *float64 { return &f }

// DecomposeAdditive splits the change of an additive metric (a sum, a
// count, or a difference of them) across groups: each group's delta, and
// its share of the total. The total is the sum of the groups, so the
// deltas add up to the change by construction.
func DecomposeAdditive(groups []GroupFigures) Decomposition {
	var d Decomposition
	for _, g := range groups {
		d.Baseline += g.Baseline
		d.Current += g.Current
	}
	d.Change = d.Current - d.Baseline
	for _, g := range groups {
		dr := Driver{Value: g.Value, Contribution: g.Current - g.Baseline}
		if !g.MissingBaseline {
			dr.Baseline = fptr(g.Baseline)
		}
		if !g.MissingCurrent {
			dr.Current = fptr(g.Current)
		}
		d.Drivers = append(d.Drivers, dr)
	}
	d.share()
	return d
}

// DecomposeRatio splits the change of a ratio R = ΣN/ΣD across groups by
// the symmetric (midpoint) shift-share decomposition. With w the group's
// share of the denominator, r its own rate and bars the mean of the two
// periods:
//
//	rate effect = (r₁ − r₀)·w̄        the group's own rate moved
//	mix effect  = (w₁ − w₀)·(r̄ − R̄)  the group grew or shrank, weighted by
//	                                  how far its rate is from the whole's
//
// Over all groups these add up exactly to R₁ − R₀: Σ(w₁r₁ − w₀r₀) is the
// change, w₁r₁ − w₀r₀ = (r₁−r₀)w̄ + (w₁−w₀)r̄ for each group, and
// Σ(w₁−w₀)R̄ = 0 because the weights sum to one in both periods. Centring
// the mix on R̄ makes a growing group with a below-average rate pull the
// whole down, as it does, instead of every growing group pushing it up.
//
// A group absent from one period (or with no denominator there) takes its
// rate from the other period, so its whole contribution is mix. A
// numerator with no denominator in its group (customers who joined and
// left within the period) still counts in R; it is added to that group's
// rate effect, which keeps the sum exact.
func DecomposeRatio(groups []GroupFigures) (Decomposition, bool) {
	var n0, d0, n1, d1 float64
	for _, g := range groups {
		n0 += g.BaselineNum
		d0 += g.BaselineDen
		n1 += g.CurrentNum
		d1 += g.CurrentDen
	}
	if d0 == 0 || d1 == 0 {
		return Decomposition{}, false
	}
	r0, r1 := n0/d0, n1/d1
	mean := (r0 + r1) / 2
	d := Decomposition{Baseline: r0, Current: r1, Change: r1 - r0}
	var rateSum, mixSum float64
	for _, g := range groups {
		dr := Driver{Value: g.Value}
		w0, w1 := g.BaselineDen/d0, g.CurrentDen/d1
		var gr0, gr1 float64
		var orphan float64 // numerator without denominator, as a part of R
		switch {
		case g.BaselineDen > 0 && g.CurrentDen > 0:
			gr0, gr1 = g.BaselineNum/g.BaselineDen, g.CurrentNum/g.CurrentDen
		case g.BaselineDen > 0:
			gr0 = g.BaselineNum / g.BaselineDen
			gr1 = gr0
			orphan = g.CurrentNum / d1
		case g.CurrentDen > 0:
			gr1 = g.CurrentNum / g.CurrentDen
			gr0 = gr1
			orphan = -g.BaselineNum / d0
		default:
			orphan = g.CurrentNum/d1 - g.BaselineNum/d0
		}
		if g.BaselineDen > 0 {
			dr.Baseline = fptr(gr0)
		}
		if g.CurrentDen > 0 {
			dr.Current = fptr(gr1)
		}
		dr.BaselineWeight, dr.CurrentWeight = fptr(w0), fptr(w1)
		rate := (gr1-gr0)*(w0+w1)/2 + orphan
		mix := 0.0
		if w0 > 0 || w1 > 0 {
			mix = (w1 - w0) * ((gr0+gr1)/2 - mean)
		}
		dr.RateEffect, dr.MixEffect = fptr(rate), fptr(mix)
		dr.Contribution = rate + mix
		rateSum += rate
		mixSum += mix
		d.Drivers = append(d.Drivers, dr)
	}
	d.RateEffect, d.MixEffect = fptr(rateSum), fptr(mixSum)
	d.share()
	return d, true
}

// share sets each driver's share of the change and ranks the drivers:
// the largest part in the direction of the change first, then by size.
func (d *Decomposition) share() {
	for i := range d.Drivers {
		if math.Abs(d.Change) > shareEpsilon {
			d.Drivers[i].Share = fptr(d.Drivers[i].Contribution / d.Change)
		}
	}
	sign := 1.0
	if d.Change < 0 {
		sign = -1
	}
	sort.SliceStable(d.Drivers, func(i, j int) bool {
		a, b := d.Drivers[i].Contribution*sign, d.Drivers[j].Contribution*sign
		if a != b {
			return a > b
		}
		return d.Drivers[i].Value < d.Drivers[j].Value
	})
}
