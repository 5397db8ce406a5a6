package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const churnModelYAML = `name: churn
sources:
  - name: customers
    table: churn
    dimensions:
      - {name: geography, column: Geography, checks: {accepted_values: [France, Germany, Spain]}}
    columns:
      - {name: CustomerId, checks: {not_null: true, unique: true}}
      - {name: Exited, checks: {not_null: true, accepted_values: [0, 1]}}
    measures:
      - {name: customer_count, agg: count}
      - {name: exited_customers, agg: sum, column: Exited}
      - {name: balance_avg, agg: avg, column: Balance}
metrics:
  - {name: churn_rate, type: ratio, numerator: exited_customers, denominator: customer_count, format: percent, owner: x, description: y}
`

func writeChurn(t *testing.T, dir, name string, shiftLine int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("CustomerId,Surname,Geography,Balance,Exited\n")
	for i := 0; i < 50; i++ {
		row := fmt.Sprintf("%d,N%d,%s,%d.5,%d", 1000+i, i, []string{"France", "Spain", "Germany"}[i%3], 100*i, i%4/3)
		if i+2 == shiftLine {
			row = fmt.Sprintf("%d,France,0,50000,%d", 1000+i, 50000) // Surname lost, Balance slid into Exited
		}
		b.WriteString(row + "\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// beacon load runs the model's checks; beacon check runs them again on
// what is loaded, and fails when any breaks.
func TestLoadAndCheckRunDataChecks(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "churn.duckdb")
	model := filepath.Join(dir, "churn.yaml")
	if err := os.WriteFile(model, []byte(churnModelYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	good := writeChurn(t, dir, "good.csv", 0)
	shifted := writeChurn(t, dir, "shifted.csv", 31)
	if err := load(ctx, []string{"--db", db, "--table", "churn", "--model", model, good}); err != nil {
		t.Fatalf("clean file: %v", err)
	}
	if err := check(ctx, []string{"--db", db, model}); err != nil {
		t.Fatalf("check on clean data: %v", err)
	}
	err := load(ctx, []string{"--db", db, "--table", "churn", "--model", model, shifted})
	for _, want := range []string{"line 31, column Exited", `"50000"`, "accepted_values", "line 31, column Geography"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("want %q in the error, got %v", want, err)
		}
	}
	// Forced in without checks, the data is caught by beacon check.
	if err := load(ctx, []string{"--db", db, "--table", "churn", "--no-checks", shifted}); err != nil {
		t.Fatal(err)
	}
	if err := check(ctx, []string{"--db", db, model}); err == nil || !strings.Contains(err.Error(), "2 of 7 data check(s) failed") {
		t.Fatalf("check on shifted data: %v", err)
	}
	wdb, err := openDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer wdb.Close()
	cat, err := loadCatalog(ctx, wdb, model)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_ = checkData(ctx, &out, wdb, cat)
	if !strings.Contains(out.String(), `churn.Exited: 1 row(s) break accepted_values: 0, 1; e.g. "50000"`) {
		t.Fatalf("report:\n%s", out.String())
	}
}
