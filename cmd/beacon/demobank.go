package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/beaconbi/beacon/warehouse"
)

// demoBankMeta is what a database records of the demo bank it holds.
type demoBankMeta map[string]string

func readDemoBankMeta(ctx context.Context, db *warehouse.DB) (demoBankMeta, error) {
	have := demoBankMeta{}
	for _, k := range []string{warehouse.MetaDemoAsOf, warehouse.MetaDemoCustomers, warehouse.MetaDemoMonths,
		warehouse.MetaDemoSeed, warehouse.MetaDemoTransactions, warehouse.MetaDemoGeneratedAt} {
		v, _, err := db.Meta(ctx, k)
		if err != nil {
			return nil, err
		}
		have[k] = v
	}
	return have, nil
}

// differences names the options of the bank that differ from the
// requested ones ("seed 7, not 42"). The as-of date counts only when serve
// was given one; transactions only when not left to auto.
func (have demoBankMeta) differences(o demoOptions, want warehouse.GenerateOptions) []string {
	var out []string
	cmp := func(name, key, wanted string) {
		if have[key] != wanted {
			out = append(out, fmt.Sprintf("%s %s, not %s", name, have[key], wanted))
		}
	}
	cmp("customers", warehouse.MetaDemoCustomers, fmt.Sprint(want.Customers))
	cmp("months", warehouse.MetaDemoMonths, fmt.Sprint(want.Months))
	cmp("seed", warehouse.MetaDemoSeed, fmt.Sprint(want.Seed))
	if o.transactions != "auto" {
		cmp("transactions", warehouse.MetaDemoTransactions, fmt.Sprint(want.Transactions))
	}
	if o.asOf != "" {
		cmp("as-of", warehouse.MetaDemoAsOf, want.AsOf.Format(time.DateOnly))
	}
	return out
}

// followsToday reports whether the bank was generated as of the day it was
// generated (no fixed --as-of): only such a bank is moved on when a month
// turns; a bank of a fixed date stays as it was written.
func (have demoBankMeta) followsToday() bool {
	at, err := time.Parse(time.RFC3339, have[warehouse.MetaDemoGeneratedAt])
	if err != nil {
		return false
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return at.In(loc).Format(time.DateOnly) == have[warehouse.MetaDemoAsOf]
}

// ensureDemoBank generates the demo bank when the database has none. A
// bank generated with other options (by beacon generate, or by serve with
// other flags) is served as it is, with a warning naming what differs,
// unless --regenerate asks to replace it. A bank that follows today is
// regenerated, with its own options, when its history no longer ends with
// the current month.
func ensureDemoBank(ctx context.Context, db *warehouse.DB, o demoOptions, log *slog.Logger) error {
	opts, err := o.generateOptions(time.Now())
	if err != nil {
		return err
	}
	have, err := readDemoBankMeta(ctx, db)
	if err != nil {
		return err
	}
	want := opts.AsOf.Format(time.DateOnly)
	switch diff := have.differences(o, opts); {
	case have[warehouse.MetaDemoAsOf] == "":
		log.Info("generating the demo bank", "customers", opts.Customers, "months", opts.Months, "seed", opts.Seed)
	case len(diff) > 0 && !o.regenerate:
		log.Warn("the demo bank in the database was generated with other options; serving it as it is (pass --regenerate to replace it)",
			"differences", strings.Join(diff, "; "))
		return nil
	case len(diff) > 0:
		log.Info("regenerating the demo bank (--regenerate)", "differences", strings.Join(diff, "; "))
	case o.asOf != "" || strings.HasPrefix(have[warehouse.MetaDemoAsOf], want[:7]):
		return nil // the bank asked for, or current: any day of this month will do
	case !have.followsToday() && !o.regenerate:
		log.Warn("the demo bank's history ends on a fixed date; serving it as it is (pass --regenerate to move it to this month)",
			"as_of", have[warehouse.MetaDemoAsOf])
		return nil
	default:
		log.Info("moving the demo bank to the current month", "was_as_of", have[warehouse.MetaDemoAsOf], "as_of", want)
	}
	st, err := warehouse.Generate(ctx, db, opts)
	if err != nil {
		return fmt.Errorf("generate demo bank: %w", err)
	}
	log.Info("demo bank ready", "customers", st.Customers, "customer_months", st.CustomerMonths, "seconds", st.Elapsed.Seconds())
	return nil
}
