package risk

import "fmt"

// BankChurnersSpec reads examples/bankchurners/BankChurners.csv: the
// outcome is Attrition_Flag; CLIENTNUM is an identifier and the two
// Naive_Bayes columns are another model's outputs, so all three are left out.
var BankChurnersSpec = CSVSpec{
	Target:   "Attrition_Flag",
	Positive: "Attrited Customer",
	Drop:     []string{"CLIENTNUM", "Naive_Bayes*"},
}

// HoldoutReport compares models on one held-out part.
type HoldoutReport struct {
	TrainRows int           `json:"train_rows"`
	Test      Evaluation    `json:"-"`
	Models    []ModelReport `json:"models"`
}

// ModelReport is one model's held-out evaluation.
type ModelReport struct {
	Kind  string     `json:"kind"`
	Model *Model     `json:"-"`
	Test  Evaluation `json:"test"`
	// Calibration is the method the model's calibration chose.
	Calibration string `json:"calibration"`
}

// Holdout splits d into a stratified training part and a test part of
// testFraction with seed, fits each of params on the training part (which
// Fit splits again for validation) and evaluates on the test part.
func Holdout(d *Dataset, testFraction float64, seed uint64, params ...TrainParams) (*HoldoutReport, error) {
	trainIdx, testIdx := StratifiedSplit(d.Y, testFraction, seed)
	train, test := d.Subset(trainIdx), d.Subset(testIdx)
	rep := &HoldoutReport{TrainRows: train.Len(), Test: Evaluate(make([]float64, test.Len()), test.Y)}
	for _, p := range params {
		m, err := Fit(train, p)
		if err != nil {
			return nil, fmt.Errorf("holdout %s: %w", p.Kind, err)
		}
		rep.Models = append(rep.Models, ModelReport{Kind: p.Kind, Model: m, Test: Evaluate(m.Score(test), test.Y), Calibration: m.Calibration.Method})
	}
	return rep, nil
}
