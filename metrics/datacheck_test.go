package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// churnModel is a model an analyst would write for a public bank-churn
// file (country, gender, age, balance, active member, exited), with checks.
const churnModel = `
name: churn
sources:
  - name: customers
    table: churn
    dimensions:
      - name: geography
        column: Geography
        checks: {not_null: true, accepted_values: [France, Germany, Spain]}
      - name: gender
        column: Gender
        checks: {accepted_values: [Male, Female]}
      - name: is_active_member
        column: IsActiveMember
        checks: {not_null: true, accepted_values: [0, 1]}
    columns:
      - name: CustomerId
        checks: {not_null: true, unique: true}
      - name: Exited
        checks: {not_null: true, accepted_values: [0, 1]}
      - name: Age
        type: number
        checks: {range: {min: 18, max: 100}}
    measures:
      - {name: customer_count, agg: count}
      - {name: exited_customers, agg: sum, column: Exited}
      - {name: balance_avg, agg: avg, column: Balance}
metrics:
  - {name: churn_rate, type: ratio, numerator: exited_customers, denominator: customer_count, format: percent, owner: x, description: y}
`

// churnFile writes a bank-churn CSV of n customers, every fifth exited.
func churnFile(t *testing.T, n int, edit func(i int, f []string) []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("RowNumber,CustomerId,Surname,Geography,Gender,Age,Balance,IsActiveMember,Exited\n")
	geos := []string{"France", "Germany", "Spain"}
	for i := 0; i < n; i++ {
		exited := 0
		if i%5 == 0 {
			exited = 1
		}
		f := []string{fmt.Sprint(i + 1), fmt.Sprint(15600000 + i), fmt.Sprintf("Name%d", i), geos[i%3], []string{"Male", "Female"}[i%2],
			fmt.Sprint(18 + i%60), fmt.Sprintf("%d.25", 500*i), fmt.Sprint(i % 2), fmt.Sprint(exited)}
		if edit != nil {
			f = edit(i, f)
		}
		b.WriteString(strings.Join(f, ",") + "\n")
	}
	p := filepath.Join(t.TempDir(), "Churn_Modelling.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func churnRate(t *testing.T, db *warehouse.DB, cat *metrics.Catalog) (got, hand float64) {
	t.Helper()
	e, err := metrics.NewEngine(db, cat, metrics.EngineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.Run(context.Background(), metrics.Query{Metrics: []string{"churn_rate"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got = warehousetest.Normalize(res.Rows[0][0]).(float64)
	hand = warehousetest.Normalize(warehousetest.Rows(t, db, `SELECT avg("Exited") FROM churn`)[0][0]).(float64)
	return got, hand
}

// A row with the right number of fields but shifted values (Exited = 50000)
// used to load and make churn 520%: the model's checks refuse the file.
func TestModelChecksRefuseShiftedRow(t *testing.T) {
	ctx := context.Background()
	m, err := metrics.ParseModel("churn.yaml", []byte(churnModel))
	if err != nil {
		t.Fatal(err)
	}
	checks, err := m.DataChecks("churn")
	if err != nil {
		t.Fatal(err)
	}
	db := warehousetest.MustOpen(t)
	// A fresh table: the model's checks alone guard it.
	if _, err := db.Load(ctx, warehouse.LoadOptions{Table: "churn", Path: churnFile(t, 500, nil), Checks: checks}); err != nil {
		t.Fatalf("clean file: %v", err)
	}
	cat, err := metrics.NewCatalog(ctx, m, db)
	if err != nil {
		t.Fatal(err)
	}
	before, hand := churnRate(t, db, cat)
	if before != hand || before != 0.2 {
		t.Fatalf("churn_rate %v, hand SQL %v, want 0.2", before, hand)
	}

	// Line 78 lost its Surname; a stray field after Balance keeps the
	// count right, and the balance slides into Exited.
	shifted := churnFile(t, 500, func(i int, f []string) []string {
		if i == 76 {
			return []string{f[0], f[1], f[3], f[4], f[5], "1", "0", "1", "50000"}
		}
		return f
	})
	_, err = db.Load(ctx, warehouse.LoadOptions{Table: "churn", Path: shifted, Checks: cat.DataChecks("churn")})
	var le *warehouse.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a LoadError", err)
	}
	found := false
	for _, r := range le.Errors {
		if r.Line == 78 && r.Column == "Exited" && r.Rule == "accepted_values" && r.Value == "50000" {
			found = true
		}
	}
	if !found || !strings.Contains(err.Error(), `line 78, column Exited: value "50000" breaks accepted_values: 0, 1`) {
		t.Fatalf("want line 78, column Exited, value 50000, accepted_values; got\n%v", err)
	}
	if after, _ := churnRate(t, db, cat); after != before {
		t.Fatalf("churn_rate moved from %v to %v after a refused load", before, after)
	}

	// Unchecked, the same file is what made churn absurd.
	if _, err := db.Load(ctx, warehouse.LoadOptions{Table: "churn", Path: shifted}); err != nil {
		t.Fatal(err)
	}
	if after, _ := churnRate(t, db, cat); after < 1 {
		t.Fatalf("unchecked churn_rate %v: the shifted row should have pushed it past 100%%", after)
	}
}

// A column the model reads as a number ("forty" in Age, Balance of a
// measure) cannot become text on a fresh load.
func TestModelNumericColumnsStayNumeric(t *testing.T) {
	ctx := context.Background()
	m, err := metrics.ParseModel("churn.yaml", []byte(churnModel))
	if err != nil {
		t.Fatal(err)
	}
	checks, err := m.DataChecks("CHURN") // table names ignore case, as DuckDB's do
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		column, value string
		field, line   int
	}{
		{"Age", "forty", 5, 14},
		{"Balance", "n/a", 6, 30}, // read as a number because a measure averages it
	} {
		t.Run(tc.column, func(t *testing.T) {
			db := warehousetest.MustOpen(t)
			p := churnFile(t, 40, func(i int, f []string) []string {
				if i == tc.line-2 {
					f[tc.field] = tc.value
				}
				return f
			})
			_, err := db.Load(ctx, warehouse.LoadOptions{Table: "churn", Path: p, Checks: checks})
			var le *warehouse.LoadError
			if !errors.As(err, &le) || le.Total != 1 || le.Errors[0].Line != int64(tc.line) || le.Errors[0].Column != tc.column ||
				le.Errors[0].Rule != "number" || le.Errors[0].Value != tc.value {
				t.Fatalf("want line %d, column %s, rule number, value %q; got %v", tc.line, tc.column, tc.value, err)
			}
		})
	}
}

// The demo bank's declared checks hold on the data the generator writes,
// so they refuse only what is wrong.
func TestDemoBankChecksHoldOnTheDemoBank(t *testing.T) {
	m, err := metrics.ParseModel(models.DemoBankFile, models.DemoBank)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := metrics.NewCatalog(context.Background(), m, bank)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, table := range cat.Tables() {
		checks := cat.DataChecks(table)
		for _, c := range checks {
			if c.Rule != warehouse.RuleNumber && c.Rule != warehouse.RuleDate {
				declared++
			}
		}
		res, err := bank.Check(context.Background(), table, checks, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			t.Errorf("%s.%s breaks %s %d times, e.g. %q", table, r.Check.Column, r.Check.Rule, r.Count, r.Breaches[0].Value)
		}
	}
	if declared < 8 {
		t.Fatalf("the demo model declares %d checks; its keys, flags and categories should have them", declared)
	}
}

// A one-letter table typo is one error naming the closest table, not one
// for every measure and metric built on the source.
func TestTableTypoIsOneError(t *testing.T) {
	src := strings.Replace(string(models.DemoBank), "table: customer_months", "table: customer_month", 1)
	m, err := metrics.ParseModel("demo.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = metrics.NewCatalog(context.Background(), m, bank)
	var errs metrics.ModelErrors
	if !errors.As(err, &errs) || len(errs) != 1 {
		t.Fatalf("want exactly one error, got %d:\n%v", len(errs), err)
	}
	if !strings.Contains(errs[0].Error(), `unknown table "customer_month" (fix: did you mean "customer_months"?)`) {
		t.Fatalf("got %v", errs[0])
	}
}

func TestWarningWhenSourceMeasureAndMetricShareAName(t *testing.T) {
	m, err := metrics.ParseModel("churn.yaml", []byte(strings.ReplaceAll(churnModel, "customer_count", "customers")+
		`  - {name: customers, type: simple, measure: customers, format: count, owner: x, description: y}
`))
	if err != nil {
		t.Fatal(err)
	}
	w := m.Warnings()
	if len(w) != 1 || !strings.Contains(w[0].Error(), `"customers" names a source (line 4), a measure`) {
		t.Fatalf("got %v", w)
	}
	demo, err := metrics.ParseModel(models.DemoBankFile, models.DemoBank)
	if err != nil {
		t.Fatal(err)
	}
	if w := demo.Warnings(); len(w) != 0 {
		t.Fatalf("the demo model warns: %v", w)
	}
}
