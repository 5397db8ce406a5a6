package warehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func ptr(f float64) *float64 { return &f }

// churnChecks are the checks a model of a bank-churn file declares.
var churnChecks = []DataCheck{
	{Column: "CustomerId", Expr: `"CustomerId"`, Rule: RuleUnique},
	{Column: "CustomerId", Expr: `"CustomerId"`, Rule: RuleNotNull},
	{Column: "Geography", Expr: `"Geography"`, Rule: RuleAcceptedValues, Values: []string{"France", "Germany", "Spain"}},
	{Column: "Age", Expr: `"Age"`, Rule: RuleNumber},
	{Column: "Age", Expr: `"Age"`, Rule: RuleRange, Min: ptr(18), Max: ptr(100)},
	{Column: "Exited", Expr: `"Exited"`, Rule: RuleAcceptedValues, Values: []string{"0", "1"}},
}

// churnCSV writes a bank-churn file of n customers, every third exited;
// edit may change a row's fields (i counts from 0; line i+2).
func churnCSV(n int, edit func(i int, f []string) []string) string {
	var b strings.Builder
	b.WriteString("CustomerId,Surname,Geography,Gender,Age,Balance,Exited\n")
	geos := []string{"France", "Germany", "Spain"}
	for i := 0; i < n; i++ {
		f := []string{fmt.Sprint(15600000 + i), fmt.Sprintf("Name%d", i), geos[i%3], "Female",
			fmt.Sprint(20 + i%50), fmt.Sprintf("%d.50", 1000*i), fmt.Sprint(boolInt(i%3 == 0))}
		if edit != nil {
			f = edit(i, f)
		}
		b.WriteString(strings.Join(f, ",") + "\n")
	}
	return b.String()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// churnRate is the share of exited rows, computed by hand SQL.
func churnRate(t *testing.T, db *DB) float64 {
	t.Helper()
	exited := count(t, db, `SELECT count(*) FROM churn WHERE "Exited" = 1`)
	all := count(t, db, `SELECT count(*) FROM churn`)
	return float64(exited) / float64(all)
}

func loadError(t *testing.T, err error) *LoadError {
	t.Helper()
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a *LoadError", err)
	}
	return le
}

// hasBreach reports whether le names line, column, rule and value.
func hasBreach(le *LoadError, line int64, column, rule, value string) bool {
	for _, r := range le.Errors {
		if r.Line == line && r.Column == column && r.Rule == rule && r.Value == value {
			return true
		}
	}
	return false
}

// A row with the right number of fields but shifted values (Exited = 50000)
// is refused, and the live table does not change.
func TestChecksRefuseShiftedRow(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	good := writeFile(t, "churn.csv", churnCSV(300, nil))
	if _, err := db.Load(ctx, LoadOptions{Table: "churn", Path: good, Checks: churnChecks}); err != nil {
		t.Fatalf("clean file: %v", err)
	}
	before := churnRate(t, db)
	if want := 100.0 / 300; before != want {
		t.Fatalf("churn rate %v, want %v", before, want)
	}
	v0 := db.Version()

	// Row 41 (line 42) lost its Surname and gained a field (tenure) further
	// on, so the fields between moved one left and a balance landed in
	// Exited; the field count still matches.
	shifted := writeFile(t, "churn.csv", churnCSV(300, func(i int, f []string) []string {
		if i == 40 {
			return []string{f[0], f[2], f[3], f[4], "2", "0.0", "50000"}
		}
		return f
	}))
	_, err := db.Load(ctx, LoadOptions{Table: "churn", Path: shifted, Checks: churnChecks})
	le := loadError(t, err)
	if !le.Checks || !hasBreach(le, 42, "Exited", RuleAcceptedValues, "50000") {
		t.Fatalf("want line 42, column Exited, accepted_values, value 50000; got %v", err)
	}
	if !hasBreach(le, 42, "Geography", RuleAcceptedValues, "Female") {
		t.Fatalf("want line 42, column Geography, value Female too; got %v", err)
	}
	for _, want := range []string{"line 42", "column Exited", `"50000"`, "accepted_values", "nothing was loaded"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	if after := churnRate(t, db); after != before || db.Version() != v0 {
		t.Fatalf("a refused file changed the table: churn %v → %v, version %d → %d", before, after, v0, db.Version())
	}

	// Without checks the same file loads, and churn goes wild: what the checks prevent.
	if _, err := db.Load(ctx, LoadOptions{Table: "churn", Path: shifted}); err != nil {
		t.Fatal(err)
	}
	if s := count(t, db, `SELECT sum("Exited") FROM churn`); s < 50000 {
		t.Fatalf("sum of Exited %d: the unchecked load should have taken 50000 in", s)
	}
}

func TestChecksNameLineColumnRule(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		edit   func(i int, f []string) []string
		line   int64
		column string
		rule   string
		value  string
	}{
		{"not_null", func(i int, f []string) []string {
			if i == 5 {
				f[0] = ""
			}
			return f
		}, 7, "CustomerId", RuleNotNull, ""},
		{"unique", func(i int, f []string) []string {
			if i == 9 {
				f[0] = "15600002"
			}
			return f
		}, 11, "CustomerId", RuleUnique, "15600002"},
		{"range", func(i int, f []string) []string {
			if i == 0 {
				f[4] = "180"
			}
			return f
		}, 2, "Age", RuleRange, "180"},
		{"accepted", func(i int, f []string) []string {
			if i == 19 {
				f[2] = "france"
			}
			return f
		}, 21, "Geography", RuleAcceptedValues, "france"},
		{"number on a fresh table", func(i int, f []string) []string {
			if i == 12 {
				f[4] = "forty"
			}
			return f
		}, 14, "Age", RuleNumber, "forty"},
		{"line after a quoted newline", func(i int, f []string) []string {
			if i == 2 {
				f[1] = "\"two\nlines\""
			}
			if i == 3 {
				f[6] = "7"
			}
			return f
		}, 6, "Exited", RuleAcceptedValues, "7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpen(t)
			p := writeFile(t, "churn.csv", churnCSV(30, tc.edit))
			_, err := db.Load(ctx, LoadOptions{Table: "churn", Path: p, Checks: churnChecks})
			le := loadError(t, err)
			if !hasBreach(le, tc.line, tc.column, tc.rule, tc.value) {
				t.Fatalf("want line %d, column %s, rule %s, value %q; got\n%v", tc.line, tc.column, tc.rule, tc.value, err)
			}
			if n := count(t, db, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'churn'"); n != 0 {
				t.Fatalf("a refused fresh load created the table")
			}
		})
	}
}

// "forty" in Age would make the whole column text on a fresh load; the
// number rule refuses the file and names the value.
func TestNumberRuleKeepsColumnNumeric(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	p := writeFile(t, "churn.csv", churnCSV(20, func(i int, f []string) []string {
		if i == 17 {
			f[4] = "forty"
		}
		return f
	}))
	number := []DataCheck{{Column: "Age", Expr: `"Age"`, Rule: RuleNumber}}
	_, err := db.Load(ctx, LoadOptions{Table: "churn", Path: p, Checks: number})
	le := loadError(t, err)
	if le.Total != 1 || !hasBreach(le, 19, "Age", RuleNumber, "forty") {
		t.Fatalf("got %v", err)
	}
	clean := writeFile(t, "churn.csv", churnCSV(20, nil))
	if _, err := db.Load(ctx, LoadOptions{Table: "churn", Path: clean, Checks: number}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'churn' AND column_name = 'Age' AND data_type = 'BIGINT'`); n != 1 {
		t.Fatalf("Age is not BIGINT after a clean load")
	}
}

func TestUniqueAcrossAppend(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	checks := []DataCheck{{Column: "CustomerId", Expr: `"CustomerId"`, Rule: RuleUnique}}
	if _, err := db.Load(ctx, LoadOptions{Table: "churn", Path: writeFile(t, "a.csv", churnCSV(10, nil)), Checks: checks}); err != nil {
		t.Fatal(err)
	}
	more := "CustomerId,Surname,Geography,Gender,Age,Balance,Exited\n99,A,France,Male,30,1,0\n15600004,B,Spain,Male,31,2,1\n"
	_, err := db.Load(ctx, LoadOptions{Table: "churn", Path: writeFile(t, "b.csv", more), Append: true, Checks: checks})
	le := loadError(t, err)
	if le.Total != 1 || !hasBreach(le, 3, "CustomerId", RuleUnique, "15600004") || !strings.Contains(err.Error(), "already") {
		t.Fatalf("got %v", err)
	}
	if n := count(t, db, "SELECT count(*) FROM churn"); n != 10 {
		t.Fatalf("%d rows after a refused append, want 10", n)
	}
}

func TestChecksOnParquetNameRows(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	csvPath := writeFile(t, "churn.csv", churnCSV(8, func(i int, f []string) []string {
		if i == 6 {
			f[6] = "2"
		}
		return f
	}))
	pq := strings.TrimSuffix(csvPath, ".csv") + ".parquet"
	if _, err := db.write.ExecContext(ctx, "COPY (SELECT * FROM read_csv("+sqlString(csvPath)+")) TO "+sqlString(pq)+" (FORMAT parquet)"); err != nil {
		t.Fatal(err)
	}
	_, err := db.Load(ctx, LoadOptions{Table: "churn", Path: pq, Checks: churnChecks})
	le := loadError(t, err)
	if !hasBreach(le, 7, "Exited", RuleAcceptedValues, "2") {
		t.Fatalf("want row 7; got %v", err)
	}
}

// Check runs the same rules over a table already loaded and counts every breach.
func TestCheckLiveTable(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t)
	p := writeFile(t, "churn.csv", churnCSV(100, func(i int, f []string) []string {
		if i%10 == 0 {
			f[6] = "50000"
		}
		return f
	}))
	if _, err := db.Load(ctx, LoadOptions{Table: "churn", Path: p}); err != nil {
		t.Fatal(err)
	}
	res, err := db.Check(ctx, "churn", churnChecks, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Check.Column != "Exited" || len(res[0].Breaches) != 3 || res[0].Breaches[0].Value != "50000" {
		t.Fatalf("got %+v", res)
	}
	if want := count(t, db, `SELECT count(*) FROM churn WHERE "Exited" NOT IN (0, 1)`); res[0].Count != want {
		t.Fatalf("count %d, want %d", res[0].Count, want)
	}
}

// A check on a column the file lacks cannot run: the load says which.
func TestCheckOnMissingColumnNamesIt(t *testing.T) {
	db := mustOpen(t)
	checks := append([]DataCheck{{Column: "Tenure", Expr: `"Tenure"`, Rule: RuleNotNull}}, churnChecks...)
	_, err := db.Load(context.Background(), LoadOptions{Table: "churn", Path: writeFile(t, "c.csv", churnCSV(5, nil)), Checks: checks})
	if err == nil || !strings.Contains(err.Error(), "data check not_null on Tenure could not run") {
		t.Fatalf("got %v", err)
	}
}

// BenchmarkChecks runs six checks, one of each rule, over two million rows.
func BenchmarkChecks(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, "", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE big AS SELECT range AS id, range % 3 AS geo, range % 2 = 0 AS flag,
		18 + range % 70 AS age, CAST(range AS VARCHAR) AS code, DATE '2024-01-01' + CAST(range % 700 AS INTEGER) AS day
		FROM range(2000000)`); err != nil {
		b.Fatal(err)
	}
	checks := []DataCheck{
		{Column: "id", Expr: `"id"`, Rule: RuleUnique},
		{Column: "id", Expr: `"id"`, Rule: RuleNotNull},
		{Column: "geo", Expr: `"geo"`, Rule: RuleAcceptedValues, Values: []string{"0", "1", "2"}},
		{Column: "flag", Expr: `"flag"`, Rule: RuleAcceptedValues, Values: []string{"true", "false"}},
		{Column: "age", Expr: `"age"`, Rule: RuleRange, Min: ptr(18), Max: ptr(100)},
		{Column: "code", Expr: `"code"`, Rule: RuleNumber},
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := db.Check(ctx, "big", checks, 5)
		if err != nil || len(res) != 0 {
			b.Fatalf("%v %v", res, err)
		}
	}
}
