package main

import (
	"context"
	"fmt"
	"time"

	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
)

// scoreEvalBank fills risk_scores on an evaluation's demo bank, for sets
// whose questions read the early-warning scores (expected churn, the risk
// list). A logistic model on a short training window keeps it quick: the
// set scores the planner, not the model.
func scoreEvalBank(ctx context.Context, db *warehouse.DB, set *queries.EvalSet, now time.Time) error {
	if !set.NeedsScores() {
		return nil
	}
	opts := risk.DefaultTrainOptions()
	opts.Params = risk.DefaultTrainParams(risk.KindLogistic)
	opts.TrainMonths, opts.TestMonths, opts.Baseline = 2, 1, false
	cm, err := risk.TrainBank(ctx, db, opts, now)
	if err != nil {
		return fmt.Errorf("train the evaluation's risk model: %w", err)
	}
	if err := risk.SaveModel(ctx, db, cm); err != nil {
		return err
	}
	pb, err := readPlaybook("")
	if err != nil {
		return err
	}
	if _, err := risk.Score(ctx, db, cm, pb, time.Time{}, now); err != nil {
		return fmt.Errorf("score the evaluation's bank: %w", err)
	}
	return nil
}
