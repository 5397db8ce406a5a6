package risk

import (
	"fmt"
	"slices"
)

// Model kinds.
const (
	KindGBDT     = "gbdt"
	KindLogistic = "logistic"
)

// TrainParams configure Fit.
type TrainParams struct {
	// Kind is KindGBDT or KindLogistic.
	Kind     string         `json:"kind"`
	GBDT     GBDTParams     `json:"gbdt"`
	Logistic LogisticParams `json:"logistic"`
	// ValidFraction is the share of the training rows held back,
	// stratified, for early stopping, calibration and tier cut-offs.
	ValidFraction float64 `json:"valid_fraction"`
	// Seed fixes the validation split: the same rows and seed give the same
	// model.
	Seed uint64 `json:"seed"`
}

// DefaultTrainParams are the shipped settings for kind.
func DefaultTrainParams(kind string) TrainParams {
	return TrainParams{Kind: kind, GBDT: DefaultGBDTParams(), Logistic: DefaultLogisticParams(), ValidFraction: 0.2, Seed: 1}
}

// Model is a trained, calibrated churn model over named features.
type Model struct {
	Kind     string   `json:"kind"`
	Features []string `json:"features"`
	// One of the two is set, by Kind.
	GBDT     *GBDT     `json:"gbdt,omitempty"`
	Logistic *Logistic `json:"logistic,omitempty"`
	// Calibration maps the raw log-odds to a probability; chosen and
	// fitted on the validation part.
	Calibration Calibration `json:"calibration"`
	Params      TrainParams `json:"params"`
	// Valid is the evaluation on the validation part (calibrated).
	Valid Evaluation `json:"valid"`
	// ValidScores are the calibrated scores of the validation part, sorted
	// from high to low, kept for choosing tier cut-offs.
	ValidScores []float64 `json:"-"`
}

// Margin returns the model's raw log-odds for row x.
func (m *Model) Margin(x []float64) float64 {
	if m.GBDT != nil {
		return m.GBDT.Margin(x)
	}
	return m.Logistic.Margin(x)
}

// Probability returns the calibrated probability of churn for row x.
func (m *Model) Probability(x []float64) float64 { return m.Calibration.Apply(m.Margin(x)) }

// Contributions returns each feature's part of x's raw log-odds and the part
// common to every row.
func (m *Model) Contributions(x []float64) ([]float64, float64) {
	if m.GBDT != nil {
		return m.GBDT.Contributions(x)
	}
	return m.Logistic.Contributions(x)
}

// Score returns the calibrated probabilities of every row of d.
func (m *Model) Score(d *Dataset) []float64 {
	p := make([]float64, d.Len())
	row := make([]float64, len(d.X))
	for i := range p {
		p[i] = m.Probability(d.Row(i, row))
	}
	return p
}

// Fit holds back a stratified validation part of d, trains the model of
// p.Kind on the rest and calibrates it on the validation part.
func Fit(d *Dataset, p TrainParams) (*Model, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if p.ValidFraction <= 0 || p.ValidFraction >= 1 {
		return nil, fmt.Errorf("train: valid fraction is %v, want (0, 1)", p.ValidFraction)
	}
	trainIdx, validIdx := StratifiedSplit(d.Y, p.ValidFraction, p.Seed)
	train, valid := d.Subset(trainIdx), d.Subset(validIdx)
	if pos := countPositive(valid.Y); pos == 0 || pos == valid.Len() {
		return nil, fmt.Errorf("train: the validation part has %d churners among %d rows; calibration needs both outcomes (too few churners in the training rows?)", pos, valid.Len())
	}
	m := &Model{Kind: p.Kind, Features: slices.Clone(d.Features), Params: p}
	var err error
	switch p.Kind {
	case KindGBDT:
		m.GBDT, err = TrainGBDT(train, valid, p.GBDT)
	case KindLogistic:
		m.Logistic, err = TrainLogistic(train, p.Logistic)
	default:
		return nil, fmt.Errorf("train: model kind is %q, want %s or %s", p.Kind, KindGBDT, KindLogistic)
	}
	if err != nil {
		return nil, err
	}
	margins := make([]float64, valid.Len())
	row := make([]float64, len(valid.X))
	for i := range margins {
		margins[i] = m.Margin(valid.Row(i, row))
	}
	m.Calibration = FitCalibration(margins, valid.Y, p.Seed)
	scores := m.Score(valid)
	m.Valid = Evaluate(scores, valid.Y)
	slices.Sort(scores)
	slices.Reverse(scores)
	m.ValidScores = scores
	return m, nil
}

func countPositive(y []float64) int {
	n := 0
	for _, v := range y {
		if v == 1 {
			n++
		}
	}
	return n
}
