package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// serve never replaces a bank written with other options unless told to;
// a bank that follows today moves on when a month turns.
func TestServeKeepsABankGeneratedWithOtherOptions(t *testing.T) {
	ctx := context.Background()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	thisMonth := time.Now().In(shanghai).Format("2006-01")
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	small := demoOptions{customers: 300, months: 3, seed: 42, transactions: "false"}
	for _, tc := range []struct {
		name        string
		bank        *warehouse.GenerateOptions // nil: an empty database
		serve       demoOptions
		wantSeed    string
		wantAsOf    string // prefix of demo.as_of after serve's check
		wantLog     []string
		regenerated bool
	}{
		{name: "no bank: generate it", serve: small, wantSeed: "42", wantAsOf: thisMonth, regenerated: true},
		{name: "beacon generate --seed 7 --as-of 2025-06-30, then serve",
			bank:  &warehouse.GenerateOptions{Customers: 300, Months: 3, Seed: 7, AsOf: day("2025-06-30"), Now: func() time.Time { return day("2026-01-10") }},
			serve: demoOptions{customers: 50_000, months: 24, seed: 42, transactions: "auto"}, wantSeed: "7", wantAsOf: "2025-06-30",
			wantLog: []string{"customers 300, not 50000", "months 3, not 24", "seed 7, not 42", "--regenerate"}},
		{name: "the same with --regenerate",
			bank:  &warehouse.GenerateOptions{Customers: 300, Months: 3, Seed: 7, AsOf: day("2025-06-30"), Now: func() time.Time { return day("2026-01-10") }},
			serve: demoOptions{customers: 300, months: 3, seed: 42, transactions: "false", regenerate: true}, wantSeed: "42", wantAsOf: thisMonth,
			wantLog: []string{"seed 7, not 42"}, regenerated: true},
		{name: "same options, history of a fixed date",
			bank:  &warehouse.GenerateOptions{Customers: 300, Months: 3, Seed: 42, AsOf: day("2025-06-30"), Now: func() time.Time { return day("2026-01-10") }},
			serve: small, wantSeed: "42", wantAsOf: "2025-06-30", wantLog: []string{"fixed date"}},
		{name: "same options, generated as of its day, a month has turned",
			bank:  &warehouse.GenerateOptions{Customers: 300, Months: 3, Seed: 42, AsOf: day("2025-06-30"), Now: func() time.Time { return day("2025-06-30").Add(3 * time.Hour) }},
			serve: small, wantSeed: "42", wantAsOf: thisMonth, wantLog: []string{"current month"}, regenerated: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := warehousetest.MustOpen(t)
			if tc.bank != nil {
				if _, err := warehouse.Generate(ctx, db, *tc.bank); err != nil {
					t.Fatal(err)
				}
			}
			before := db.Version()
			var logs bytes.Buffer
			if err := ensureDemoBank(ctx, db, tc.serve, slog.New(slog.NewTextHandler(&logs, nil))); err != nil {
				t.Fatal(err)
			}
			seed, _, _ := db.Meta(ctx, warehouse.MetaDemoSeed)
			asOf, _, _ := db.Meta(ctx, warehouse.MetaDemoAsOf)
			if seed != tc.wantSeed || !strings.HasPrefix(asOf, tc.wantAsOf) {
				t.Errorf("bank now has seed %s, as of %s; want seed %s, as of %s…", seed, asOf, tc.wantSeed, tc.wantAsOf)
			}
			if got := db.Version() != before; got != tc.regenerated {
				t.Errorf("regenerated: %v, want %v\n%s", got, tc.regenerated, logs.String())
			}
			for _, w := range tc.wantLog {
				if !strings.Contains(logs.String(), w) {
					t.Errorf("log lacks %q:\n%s", w, logs.String())
				}
			}
		})
	}
}
