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
	"syscall"
	"time"

	"github.com/beaconbi/beacon/metrics"
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
	fs.Uint64Var(&o.Params.Seed, "seed", o.Params.Seed, "seed of the validation split and of the customer sample")
	fs.IntVar(&o.MaxTrainRows, "max-train-rows", o.MaxTrainRows, "most training customer-months; a larger bank is trained on a fixed sample of its customers (0: all)")
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
	if cm.Sample != nil {
		fmt.Fprintf(out, "sampled %.2f%% of customers (seed %d): the training months hold %d open customer-months, more than --max-train-rows %d\n",
			cm.Sample.Share*100, cm.Sample.Seed, cm.OpenTrainRows, cm.Options.MaxTrainRows)
	}
	fmt.Fprintf(out, "calibration: %s (cross-fitted validation Brier: platt %.5f, isotonic %.5f)\n", cm.Model.Calibration.Method,
		cm.Model.Calibration.CVBrier[risk.CalibPlatt], cm.Model.Calibration.CVBrier[risk.CalibIsotonic])
	printEval(out, cm.Model.Kind, cm.Test)
	if cm.Baseline != nil {
		printEval(out, risk.KindLogistic, *cm.Baseline)
		fmt.Fprintf(out, "logistic calibration: %s\n", cm.BaselineCalibration)
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
		fmt.Fprintf(out, "%-9s calibration: %s\n", m.Kind, m.Calibration)
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

// riskGate is the engine's gate on a bank the server scores: metric
// queries over months whose scores are still being computed are refused
// with the scoring progress rather than answered from older months.
func riskGate(db *warehouse.DB, scored bool) metrics.Gate {
	if !scored {
		return nil
	}
	return risk.ScoresGate(db)
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

// benchRisk measures training and scoring on a large generated bank (by
// default 1,000,000 customers x 36 months): wall and CPU time, and the
// process's peak resident memory, with the machine's load average beside
// them, since on a shared machine wall time says more about the others.
func benchRisk(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench risk", flag.ContinueOnError)
	dbPath := fs.String("db", "data/bench.duckdb", "DuckDB file of the bench bank (generated when missing or different)")
	var o demoOptions
	o.register(fs, 1_000_000)
	fs.Lookup("months").DefValue = "36"
	o.months = 36
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts, err := o.generateOptions(time.Now())
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	have, _, err := db.Meta(ctx, warehouse.MetaDemoCustomers)
	if err != nil {
		return err
	}
	months, _, _ := db.Meta(ctx, warehouse.MetaDemoMonths)
	if have != fmt.Sprint(opts.Customers) || months != fmt.Sprint(opts.Months) {
		fmt.Fprintf(out, "generating %d customers x %d months into %s\n", opts.Customers, opts.Months, *dbPath)
		m := measure(func() error { _, err := warehouse.Generate(ctx, db, opts); return err })
		if m.err != nil {
			return m.err
		}
		fmt.Fprintln(out, "generate:", m)
	}
	var cm *risk.ChurnModel
	m := measure(func() error {
		var err error
		if cm, err = risk.TrainBank(ctx, db, risk.DefaultTrainOptions(), time.Now()); err == nil {
			err = risk.SaveModel(ctx, db, cm)
		}
		return err
	})
	if m.err != nil {
		return m.err
	}
	fmt.Fprintf(out, "train: %s; %d training and %d test customer-months; features %d ms, %s fit %d ms, logistic %d ms\n",
		m, cm.TrainRows, cm.TestRows, cm.Timings.Features, cm.Model.Kind, cm.Timings.Fit, cm.Timings.Baseline)
	if cm.Sample != nil {
		fmt.Fprintf(out, "  trained on %.2f%% of customers: %d open customer-months in the training months, bound %d\n",
			cm.Sample.Share*100, cm.OpenTrainRows, cm.Options.MaxTrainRows)
	}
	printEval(out, cm.Model.Kind, cm.Test)
	if cm.Baseline != nil {
		printEval(out, risk.KindLogistic, *cm.Baseline)
	}
	pb, err := readPlaybook("")
	if err != nil {
		return err
	}
	var st risk.ScoreStats
	m = measure(func() error { st, err = risk.Score(ctx, db, cm, pb, time.Time{}, time.Now()); return err })
	if m.err != nil {
		return m.err
	}
	fmt.Fprintf(out, "score: %s; %d customers of %s\n", m, st.Customers, st.Month)
	return nil
}

// measured is one step's wall and CPU time, the process's peak resident
// memory so far and the 1-minute load average before and after.
type measured struct {
	wall, cpu     time.Duration
	peakMiB       int64
	before, after string
	err           error
}

func (m measured) String() string {
	return fmt.Sprintf("wall %s, CPU %s, peak RSS %d MiB, load average %s -> %s",
		m.wall.Round(time.Second), m.cpu.Round(time.Second), m.peakMiB, m.before, m.after)
}

func measure(fn func() error) measured {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	load := func() string {
		b, err := os.ReadFile("/proc/loadavg")
		if err != nil {
			return "?"
		}
		return strings.Fields(string(b))[0]
	}
	m := measured{before: load()}
	start, c0 := time.Now(), cpu()
	m.err = fn()
	m.wall, m.cpu, m.after = time.Since(start), cpu()-c0, load()
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	m.peakMiB = ru.Maxrss >> 10 // KiB on Linux
	return m
}
