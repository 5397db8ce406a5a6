package risk

import "fmt"

// Tier names.
const (
	TierHigh   = "high"
	TierMedium = "medium"
	TierLow    = "low"
)

// Capacity is how many customers the bank can work each month, as shares of
// the customers scored: relationship managers call the high tier, campaigns
// (app offers, messages) reach the medium tier.
type Capacity struct {
	High   float64 `json:"high"`
	Medium float64 `json:"medium"`
}

// DefaultCapacity: managers call 5% of customers a month, campaigns reach
// the next 15%.
func DefaultCapacity() Capacity { return Capacity{High: 0.05, Medium: 0.15} }

// Validate checks that the shares are between 0 and 1 and add to at most 1.
func (c Capacity) Validate() error {
	if c.High <= 0 || c.Medium < 0 || c.High+c.Medium > 1 {
		return fmt.Errorf("capacity: high %v and medium %v, want shares > 0 adding to at most 1", c.High, c.Medium)
	}
	return nil
}

// Tiers are score cut-offs: a score at or above High is high, at or above
// Medium is medium, otherwise low.
type Tiers struct {
	High   float64 `json:"high"`
	Medium float64 `json:"medium"`
	// Capacity is what the cut-offs were chosen for.
	Capacity Capacity `json:"capacity"`
}

// Cutoffs chooses tier cut-offs on validation scores sorted from high to
// low: High is the score of the last customer within the high capacity,
// Medium that of the last within high plus medium.
func (c Capacity) Cutoffs(sortedDesc []float64) Tiers {
	t := Tiers{High: 1, Medium: 1, Capacity: c}
	n := len(sortedDesc)
	if n == 0 {
		return t
	}
	at := func(share float64) float64 {
		k := int(share*float64(n)+0.5) - 1
		k = min(max(k, 0), n-1)
		return sortedDesc[k]
	}
	t.High = at(c.High)
	t.Medium = at(c.High + c.Medium)
	return t
}

// Of returns the tier of a score.
func (t Tiers) Of(score float64) string {
	switch {
	case score >= t.High:
		return TierHigh
	case score >= t.Medium:
		return TierMedium
	}
	return TierLow
}
