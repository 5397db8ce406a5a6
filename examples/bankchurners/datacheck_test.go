package bankchurners_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// modelChecks are model.yaml's data checks on bank_churners.
func modelChecks(t *testing.T) []warehouse.DataCheck {
	t.Helper()
	m, err := metrics.ParseModelFile("model.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checks, err := m.DataChecks("bank_churners")
	if err != nil {
		t.Fatal(err)
	}
	return checks
}

// The published file passes every check of the model, and a copy with one
// row shifted by a field is refused whole, naming the line.
func TestBankChurnersChecks(t *testing.T) {
	ctx := context.Background()
	checks := modelChecks(t)
	db := warehousetest.MustOpen(t)
	if _, err := db.Load(ctx, warehouse.LoadOptions{Table: "bank_churners", Path: "BankChurners.csv", Checks: checks}); err != nil {
		t.Fatalf("the published file: %v", err)
	}

	// Line 501 loses its Attrition_Flag and gains a field at the end: the
	// field count is right, but the customer's age lands in Attrition_Flag.
	f, err := os.Open("BankChurners.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var age string
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if n == 501 {
			fields := strings.Split(line, ",")
			age = fields[2]
			line = strings.Join(append(append([]string{fields[0]}, fields[2:]...), "0"), ",")
		}
		b.WriteString(line + "\n")
	}
	shifted := filepath.Join(t.TempDir(), "BankChurners.csv")
	if err := os.WriteFile(shifted, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// Over the existing table the column types refuse the row already.
	_, err = db.Load(ctx, warehouse.LoadOptions{Table: "bank_churners", Path: shifted, Checks: checks})
	var le *warehouse.LoadError
	if !errors.As(err, &le) || le.Errors[0].Line != 501 {
		t.Fatalf("replace: got %v, want line 501 refused", err)
	}
	if n := warehousetest.Rows(t, db, "SELECT count(*) FROM bank_churners WHERE Attrition_Flag NOT IN ('Attrited Customer', 'Existing Customer')")[0][0]; n != float64(0) {
		t.Fatalf("a refused file changed the table")
	}

	// Into a fresh database, as a new user loads it, only the checks stand guard.
	fresh := warehousetest.MustOpen(t)
	_, err = fresh.Load(ctx, warehouse.LoadOptions{Table: "bank_churners", Path: shifted, Checks: checks})
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a LoadError", err)
	}
	found := false
	for _, r := range le.Errors {
		if r.Line != 501 {
			t.Errorf("breach on line %d, want only line 501: %+v", r.Line, r)
		}
		if r.Column == "Attrition_Flag" && r.Rule == warehouse.RuleAcceptedValues && r.Value == age {
			found = true
		}
	}
	if !found {
		t.Fatalf("want line 501, column Attrition_Flag, accepted_values, value %s; got\n%v", age, err)
	}
	if n := warehousetest.Rows(t, fresh, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'bank_churners'")[0][0]; n != float64(0) {
		t.Fatalf("a refused fresh load created the table")
	}
}
