package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
)

const riskUsage = `usage:
  beacon risk train [--db FILE] [--kind gbdt|logistic] [--horizon 3] ...   train on the bank's history (time split) and store the model
  beacon risk train --csv FILE [--target COL --positive VALUE --drop A,B*]  compare GBDT and logistic regression on a CSV (80/20 stratified)
  beacon risk score [--db FILE] [--month YYYY-MM] [--playbook FILE]        score every open customer with the latest model`

// riskCmd runs the churn early-warning sub-commands.
func riskCmd(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(riskUsage)
	}
	switch args[0] {
	case "train":
		return riskTrain(ctx, args[1:], os.Stdout)
	case "score":
		return riskScore(ctx, args[1:], os.Stdout)
	}
	return fmt.Errorf("unknown risk command %q\n%s", args[0], riskUsage)
}

func riskTrain(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("risk train", flag.ContinueOnError)
	dbPath := fs.String("db", env("BEACON_DB", "data/beacon.duckdb"), "DuckDB file with the bank's history")
	o := risk.DefaultTrainOptions()
	fs.StringVar(&o.Params.Kind, "kind", o.Params.Kind, "model: gbdt or logistic")
	fs.IntVar(&o.Horizon, "horizon", o.Horizon, "outcome window: churn within this many months")
	fs.IntVar(&o.TestMonths, "test-months", o.TestMonths, "last labelled months held out for the test")
	fs.IntVar(&o.TrainMonths, "train-months", o.TrainMonths, "most snapshot months to train on")
	fs.Uint64Var(&o.Params.Seed, "seed", o.Params.Seed, "seed of the validation split")
	fs.Float64Var(&o.Capacity.High, "high", o.Capacity.High, "share of customers relationship managers can call a month (high tier)")
	fs.Float64Var(&o.Capacity.Medium, "medium", o.Capacity.Medium, "share reached by campaigns (medium tier)")
	csvPath := fs.String("csv", "", "train on a CSV of customers instead and report a stratified 80/20 hold-out")
	target := fs.String("target", risk.BankChurnersSpec.Target, "with --csv: the outcome column")
	positive := fs.String("positive", risk.BankChurnersSpec.Positive, "with --csv: the outcome value that means the customer left")
	drop := fs.String("drop", "CLIENTNUM,Naive_Bayes*", "with --csv: columns to leave out (A* drops every column starting with A)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *csvPath != "" {
		return riskTrainCSV(*csvPath, risk.CSVSpec{Target: *target, Positive: *positive, Drop: splitList(*drop)}, o.Params.Seed, *asJSON, out)
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	cm, err := risk.TrainBank(ctx, db, o, time.Now())
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	if err := risk.SaveModel(ctx, db, cm); err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(cm)
	}
	fmt.Fprintf(out, "model %s trained in %s (features %d ms, %s fit %d ms, logistic baseline %d ms; %s)\n", cm.Version,
		elapsed.Round(time.Millisecond), cm.Timings.Features, cm.Model.Kind, cm.Timings.Fit, cm.Timings.Baseline, memoryNote())
	fmt.Fprintf(out, "train %s..%s (%d customer-months), test %s..%s (%d), horizon %d months\n",
		cm.TrainFrom, cm.TrainTo, cm.TrainRows, cm.TestFrom, cm.TestTo, cm.TestRows, cm.Options.Horizon)
	printEval(out, cm.Model.Kind, cm.Test)
	if cm.Baseline != nil {
		printEval(out, risk.KindLogistic, *cm.Baseline)
	}
	fmt.Fprintf(out, "tiers: high >= %.4f (%.0f%% of customers), medium >= %.4f (next %.0f%%)\n",
		cm.Tiers.High, cm.Tiers.Capacity.High*100, cm.Tiers.Medium, cm.Tiers.Capacity.Medium*100)
	return nil
}

func riskTrainCSV(path string, spec risk.CSVSpec, seed uint64, asJSON bool, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := risk.ReadCSV(f, spec)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	gp, lp := risk.DefaultTrainParams(risk.KindGBDT), risk.DefaultTrainParams(risk.KindLogistic)
	gp.Seed, lp.Seed = seed, seed
	start := time.Now()
	rep, err := risk.Holdout(d, 0.2, 42, gp, lp)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(out).Encode(rep)
	}
	fmt.Fprintf(out, "%s: %d customers, %d features; 80/20 stratified split (seed 42), %d held out, trained in %s\n",
		path, d.Len(), len(d.Features), rep.Test.Rows, time.Since(start).Round(time.Millisecond))
	for _, m := range rep.Models {
		printEval(out, m.Kind, m.Test)
	}
	return nil
}

func printEval(out io.Writer, kind string, e risk.Evaluation) {
	fmt.Fprintf(out, "%-9s AUC %.4f  Brier %.4f  top decile: precision %.3f, recall %.3f, lift %.2f (base rate %.4f)\n",
		kind, e.AUC, e.Brier, e.TopDecile.Precision, e.TopDecile.Recall, e.TopDecile.Lift, e.BaseRate)
}

func memoryNote() string {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fmt.Sprintf("Go runtime memory %d MiB", ms.Sys>>20)
}

func riskScore(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("risk score", flag.ContinueOnError)
	dbPath := fs.String("db", env("BEACON_DB", "data/beacon.duckdb"), "DuckDB file with the bank's history and a trained model")
	month := fs.String("month", "", "month to score, YYYY-MM (default: the latest month of history)")
	playbookPath := fs.String("playbook", env("BEACON_PLAYBOOK", ""), "retention playbook YAML (default: the embedded models/playbook.yaml)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var m time.Time
	if *month != "" {
		var err error
		if m, err = time.Parse("2006-01", *month); err != nil {
			return fmt.Errorf("--month: want YYYY-MM, got %q", *month)
		}
	}
	pb, err := readPlaybook(*playbookPath)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	cm, err := risk.LatestModel(ctx, db)
	if err != nil {
		return err
	}
	st, err := risk.Score(ctx, db, cm, pb, m, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "scored %d customers for %s with %s in %s (%s): high %d, medium %d, low %d; expected churn within %d months %.1f\n",
		st.Customers, st.Month, st.Version, st.Elapsed.Round(time.Millisecond), memoryNote(),
		st.ByTier[risk.TierHigh], st.ByTier[risk.TierMedium], st.ByTier[risk.TierLow], cm.Options.Horizon, st.Expected)
	return nil
}

// readPlaybook parses the playbook at path, or the embedded default.
func readPlaybook(path string) (*risk.Playbook, error) {
	if path == "" {
		return risk.ParsePlaybook(models.PlaybookFile, models.Playbook)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return risk.ParsePlaybook(path, data)
}

// splitList splits a comma-separated flag value, dropping empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// riskKeepInterval is how often serve looks for new data to score.
const riskKeepInterval = time.Minute

// prepareRiskScores creates the score tables of a bank that has none (one
// generated before they existed), so that the demo model, which reads
// risk_scores, loads. It reports whether the database is a bank the churn
// model can score.
func prepareRiskScores(ctx context.Context, db *warehouse.DB) (bool, error) {
	ok, err := risk.IsBank(ctx, db)
	if err != nil || !ok {
		return false, err
	}
	return true, risk.EnsureSchema(ctx, db)
}

// keepRiskScores keeps the bank's churn scores current while serving, in
// the background: at start, and whenever the data changed (a load, the
// demo bank moving to a new month), it trains a model if none is stored
// and scores every month of history not yet scored with the latest model
// (the last 12 months of a bank never scored). Queries are served
// meanwhile; the governed risk metrics read the scores once they commit.
func keepRiskScores(ctx context.Context, db *warehouse.DB, log *slog.Logger) {
	pb, err := readPlaybook(env("BEACON_PLAYBOOK", ""))
	if err != nil {
		log.Error("churn scores: playbook", "err", err)
		return
	}
	o := risk.KeepOptions{Train: risk.DefaultTrainOptions(), Playbook: pb, Backfill: risk.DefaultBackfill}
	t := time.NewTicker(riskKeepInterval)
	defer t.Stop()
	var seen uint64
	for first := true; ; first = false {
		if v := db.Version(); first || v != seen {
			rep, err := risk.EnsureScored(ctx, db, o)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				log.Error("churn scores", "err", err)
			case rep.Trained != "" || len(rep.Scored) > 0:
				months := make([]string, len(rep.Scored))
				for i, s := range rep.Scored {
					months[i] = s.Month
				}
				log.Info("churn scores updated", "trained", rep.Trained, "months", strings.Join(months, ","))
			}
			seen = db.Version()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
