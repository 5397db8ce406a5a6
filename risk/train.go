package risk

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/beaconbi/beacon/warehouse"
)

// TrainOptions configure training on a bank's own history.
type TrainOptions struct {
	// Horizon is the outcome window: churn within this many months after
	// the snapshot month.
	Horizon int `json:"horizon"`
	// TestMonths is how many of the last labelled snapshot months are held
	// out for the test.
	TestMonths int `json:"test_months"`
	// TrainMonths is the most snapshot months to train on, ending Horizon
	// months before the first test month.
	TrainMonths int `json:"train_months"`
	// Params are the model's settings (kind, trees, seed, ...).
	Params TrainParams `json:"params"`
	// Capacity sets the tier cut-offs.
	Capacity Capacity `json:"capacity"`
	// Baseline also fits logistic regression and reports its test figures
	// beside the model's.
	Baseline bool `json:"baseline"`
	// MaxTrainRows bounds the training customer-months: when the training
	// months hold more, a fixed share of customers (by a hash of the id and
	// the seed, see Sample) is kept in every month of the split, training
	// and test alike, so time and memory stop growing with the bank. 0
	// keeps every customer.
	MaxTrainRows int `json:"max_train_rows,omitempty"`
}

// DefaultMaxTrainRows is the shipped bound on training customer-months:
// enough for the trees (a bank of 200,000 customers scores as well from a
// sample of this size as from all 1.5 million of its rows), and a fit that
// stays within about 2 GB of memory.
const DefaultMaxTrainRows = 1_000_000

// DefaultTrainOptions are the shipped settings: a 3-month horizon, the last
// 3 labelled months held out, up to 12 months of training snapshots, GBDT.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{Horizon: 3, TestMonths: 3, TrainMonths: 12, Params: DefaultTrainParams(KindGBDT), Capacity: DefaultCapacity(), Baseline: true,
		MaxTrainRows: DefaultMaxTrainRows}
}

// Validate reports the first option out of range.
func (o TrainOptions) Validate() error {
	switch {
	case o.Horizon < 1 || o.Horizon > 12:
		return fmt.Errorf("train: horizon is %d months, want 1 to 12", o.Horizon)
	case o.TestMonths < 1 || o.TestMonths > 12:
		return fmt.Errorf("train: test months is %d, want 1 to 12", o.TestMonths)
	case o.TrainMonths < 1 || o.TrainMonths > 60:
		return fmt.Errorf("train: train months is %d, want 1 to 60", o.TrainMonths)
	case o.MaxTrainRows < 0:
		return fmt.Errorf("train: max train rows is %d, want 0 (no bound) or more", o.MaxTrainRows)
	}
	return o.Capacity.Validate()
}

// ChurnModel is a churn model trained on a bank's history, with everything
// needed to score and to explain it: the encoder, the calibrated model, the
// tier cut-offs and the held-out figures.
type ChurnModel struct {
	// Version names the model: its kind, training end and a hash of its
	// content, so that the same data and settings give the same version.
	Version   string       `json:"version"`
	TrainedAt time.Time    `json:"trained_at"`
	Options   TrainOptions `json:"options"`
	// TrainFrom and TrainTo are the first and last training snapshot
	// months; TestFrom and TestTo the held-out ones (YYYY-MM).
	TrainFrom string  `json:"train_from"`
	TrainTo   string  `json:"train_to"`
	TestFrom  string  `json:"test_from"`
	TestTo    string  `json:"test_to"`
	Encoder   Encoder `json:"encoder"`
	Model     *Model  `json:"model"`
	Tiers     Tiers   `json:"tiers"`
	// TrainRows and TestRows count customer-months.
	TrainRows int `json:"train_rows"`
	TestRows  int `json:"test_rows"`
	// Sample is the share of customers trained and tested on, when the
	// bank held more training customer-months (OpenTrainRows) than
	// Options.MaxTrainRows; nil when every customer was used.
	Sample        *Sample `json:"sample,omitempty"`
	OpenTrainRows int     `json:"open_train_rows,omitempty"`
	// Timings are how long each step took, in milliseconds.
	Timings Timings `json:"timings_ms"`
	// Test is the model's evaluation on the held-out months; Baseline is
	// logistic regression's on the same rows, the floor the trees must beat.
	Test     Evaluation  `json:"test"`
	Baseline *Evaluation `json:"baseline,omitempty"`
	// BaselineCalibration is the calibration method the baseline chose.
	BaselineCalibration string `json:"baseline_calibration,omitempty"`
}

// TrainBank computes features on db and trains with the time split that
// PlanSplit chooses.
func TrainBank(ctx context.Context, db *warehouse.DB, opts TrainOptions, now time.Time) (*ChurnModel, error) {
	split, err := PlanSplit(ctx, db, opts)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	sample, open, err := planSample(ctx, db, split, opts)
	if err != nil {
		return nil, err
	}
	table, err := ComputeSampledFeatures(ctx, db, split.TrainFrom, split.TestTo, opts.Horizon, sample)
	if err != nil {
		return nil, err
	}
	featuresMS := time.Since(start).Milliseconds()
	cm, err := TrainTable(table, split, opts, now)
	if err != nil {
		return nil, err
	}
	cm.Timings.Features = featuresMS
	if sample.Share < 1 {
		cm.Sample, cm.OpenTrainRows = &sample, open
	}
	return cm, nil
}

// planSample counts the open customer-months of the training months and
// chooses the share of customers that brings them down to
// opts.MaxTrainRows (all customers when they are fewer). The seed is the
// model's.
func planSample(ctx context.Context, db *warehouse.DB, split TimeSplit, opts TrainOptions) (Sample, int, error) {
	var open int
	err := db.Read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, `SELECT count(*) FROM customer_months WHERE month BETWEEN $1 AND $2 AND NOT churned`,
			split.TrainFrom, split.TrainTo).Scan(&open)
	})
	if err != nil {
		return Sample{}, 0, fmt.Errorf("train: count training rows: %w", err)
	}
	s := Sample{Share: 1, Seed: opts.Params.Seed}
	if opts.MaxTrainRows > 0 && open > opts.MaxTrainRows {
		s.Share = float64(opts.MaxTrainRows) / float64(open)
	}
	return s, open, nil
}

// PlanSplit chooses the months of a time split on db's history: the test
// holds the last opts.TestMonths snapshot months whose outcome is known;
// training uses up to opts.TrainMonths earlier months whose outcome window
// ends no later than the first test month, so nothing the test asks about
// was known when the training rows were labelled.
func PlanSplit(ctx context.Context, db *warehouse.DB, opts TrainOptions) (TimeSplit, error) {
	if err := opts.Validate(); err != nil {
		return TimeSplit{}, err
	}
	start, end, err := historyRange(ctx, db)
	if err != nil {
		return TimeSplit{}, err
	}
	s := TimeSplit{TestTo: end.AddDate(0, -opts.Horizon, 0)}
	s.TestFrom = s.TestTo.AddDate(0, -(opts.TestMonths - 1), 0)
	s.TrainTo = s.TestFrom.AddDate(0, -opts.Horizon, 0)
	s.TrainFrom = s.TrainTo.AddDate(0, -(opts.TrainMonths - 1), 0)
	// Six months of history make the "3 months against the 3 before" windows whole.
	if earliest := start.AddDate(0, 6, 0); s.TrainFrom.Before(earliest) {
		s.TrainFrom = earliest
	}
	if s.TrainTo.Before(s.TrainFrom) {
		return TimeSplit{}, fmt.Errorf("train: the history %s to %s is too short for a %d-month horizon, %d test months and 6 months of lead-in",
			start.Format("2006-01"), end.Format("2006-01"), opts.Horizon, opts.TestMonths)
	}
	return s, nil
}

// Timings are the durations of training's steps, in milliseconds.
type Timings struct {
	Features int64 `json:"features"`
	Fit      int64 `json:"fit"`
	Baseline int64 `json:"baseline,omitempty"`
}

// TimeSplit names the training and test snapshot months (first days).
type TimeSplit struct {
	TrainFrom, TrainTo, TestFrom, TestTo time.Time
}

// Rows returns the labelled rows of t in the training and the test months.
func (s TimeSplit) Rows(t *FeatureTable) (train, test []int) {
	for i, m := range t.Month {
		if math.IsNaN(t.Label[i]) {
			continue
		}
		switch {
		case !m.Before(s.TrainFrom) && !m.After(s.TrainTo):
			train = append(train, i)
		case !m.Before(s.TestFrom) && !m.After(s.TestTo):
			test = append(test, i)
		}
	}
	return train, test
}

// TrainTable trains on the training months of t and evaluates on its test
// months. Only training rows reach the encoder, the model, the calibration
// and the tier cut-offs.
func TrainTable(t *FeatureTable, split TimeSplit, opts TrainOptions, now time.Time) (*ChurnModel, error) {
	trainRows, testRows := split.Rows(t)
	if len(trainRows) == 0 || len(testRows) == 0 {
		return nil, fmt.Errorf("train: %d training and %d test customer-months, want some of each", len(trainRows), len(testRows))
	}
	pos := 0
	for _, i := range testRows {
		pos += int(t.Label[i])
	}
	if pos == 0 || pos == len(testRows) {
		return nil, fmt.Errorf("train: the test months have %d churners among %d customer-months; AUC needs both outcomes", pos, len(testRows))
	}
	enc := NewEncoder(t, trainRows)
	train, test := enc.Dataset(t, trainRows), enc.Dataset(t, testRows)
	start := time.Now()
	m, err := Fit(train, opts.Params)
	if err != nil {
		return nil, err
	}
	fitMS := time.Since(start).Milliseconds()
	cm := &ChurnModel{
		TrainedAt: now.UTC(), Options: opts, Encoder: enc, Model: m,
		TrainFrom: split.TrainFrom.Format("2006-01"), TrainTo: split.TrainTo.Format("2006-01"),
		TestFrom: split.TestFrom.Format("2006-01"), TestTo: split.TestTo.Format("2006-01"),
		TrainRows: len(trainRows), TestRows: len(testRows),
		Tiers: opts.Capacity.Cutoffs(m.ValidScores),
	}
	cm.Timings.Fit = fitMS
	cm.Test = Evaluate(m.Score(test), test.Y)
	if opts.Baseline && opts.Params.Kind != KindLogistic {
		lp := opts.Params
		lp.Kind = KindLogistic
		start := time.Now()
		lr, err := Fit(train, lp)
		if err != nil {
			return nil, fmt.Errorf("train baseline: %w", err)
		}
		cm.Timings.Baseline = time.Since(start).Milliseconds()
		e := Evaluate(lr.Score(test), test.Y)
		cm.Baseline, cm.BaselineCalibration = &e, lr.Calibration.Method
	}
	cm.Version, err = modelVersion(cm)
	if err != nil {
		return nil, err
	}
	return cm, nil
}

// modelVersion hashes what the model computes (not when it was trained).
func modelVersion(cm *ChurnModel) (string, error) {
	b, err := json.Marshal(struct {
		E Encoder
		M *Model
		T Tiers
	}{cm.Encoder, cm.Model, cm.Tiers})
	if err != nil {
		return "", fmt.Errorf("model version: %w", err)
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%s-%s-%s", cm.Model.Kind, cm.TrainTo, hex.EncodeToString(sum[:4])), nil
}

// historyRange returns the first and last months of customer_months.
func historyRange(ctx context.Context, db *warehouse.DB) (first, last time.Time, err error) {
	var lo, hi sql.NullTime
	err = db.Read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, "SELECT min(month), max(month) FROM customer_months").Scan(&lo, &hi)
	})
	if err != nil {
		return first, last, fmt.Errorf("history range: %w", err)
	}
	if !lo.Valid {
		return first, last, errors.New("history range: customer_months is empty")
	}
	return monthStart(lo.Time), monthStart(hi.Time), nil
}
