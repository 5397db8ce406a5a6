package warehouse

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Data-check rules. The semantic model declares the first four; Number and
// Date guard the columns the model reads as numbers or dates, which a
// single stray value would otherwise turn into text on a fresh load.
const (
	RuleNotNull        = "not_null"
	RuleUnique         = "unique"
	RuleAcceptedValues = "accepted_values"
	RuleRange          = "range"
	RuleNumber         = "number"
	RuleDate           = "date"
)

// DataCheck is one rule that a column's values must keep.
type DataCheck struct {
	// Column names the checked values for people: a column or a dimension.
	Column string
	// Expr is the SQL read from each row: a quoted column, or a dimension's
	// expression over the table's columns.
	Expr string
	Rule string
	// Values are the accepted values (RuleAcceptedValues).
	Values []string
	// Min and Max bound the values (RuleRange); nil is unbounded.
	Min, Max *float64
}

// Describe says what the rule asks, after its name in messages:
// "breaks accepted_values: 0, 1", "breaks range: 18 to 100".
func (c DataCheck) Describe() string {
	switch c.Rule {
	case RuleNotNull:
		return "a value is required"
	case RuleUnique:
		return "values must be unique"
	case RuleAcceptedValues:
		return strings.Join(c.Values, ", ")
	case RuleRange:
		switch {
		case c.Min != nil && c.Max != nil:
			return fmt.Sprintf("%s to %s", num(*c.Min), num(*c.Max))
		case c.Min != nil:
			return "at least " + num(*c.Min)
		case c.Max != nil:
			return "at most " + num(*c.Max)
		}
	case RuleNumber:
		return "the model reads it as a number"
	case RuleDate:
		return "the model reads it as a date"
	}
	return ""
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// Breach is one value that broke a check.
type Breach struct {
	// Row is the row's position in the checked rows, from 0 (file order for a load).
	Row   int64
	Value string
	Null  bool
	// First is the earlier row holding the same value (RuleUnique), or -1
	// when the value is already in the live table (an append).
	First int64
}

// CheckResult is what one check found: every breach counted, the first
// few kept.
type CheckResult struct {
	Check    DataCheck
	Count    int64
	Breaches []Breach
}

// querier is what checks run on: a write transaction (a load's staged rows)
// or a read connection (a live table).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// runChecks runs the checks over table in DuckDB and returns those that
// found breaches, with at most keep breaches each. One scan counts the
// breaches of every check; only a check that fails reads its rows again.
// Rows are numbered in table order; live names a table whose existing
// values an appended unique column must not repeat ("" for none).
func runChecks(ctx context.Context, q querier, table, live string, checks []DataCheck, keep int) ([]CheckResult, error) {
	types, err := columnTypes(ctx, q, table)
	if err != nil {
		return nil, err
	}
	counts, err := countBreaches(ctx, q, table, types, checks)
	if err != nil {
		// Find the check that cannot run, to name it.
		for _, c := range checks {
			if _, err1 := countBreaches(ctx, q, table, types, []DataCheck{c}); err1 != nil {
				return nil, fmt.Errorf("data check %s on %s could not run (does the data have the column?): %w", c.Rule, c.Column, err1)
			}
		}
		return nil, fmt.Errorf("data checks: %w", err)
	}
	var out []CheckResult
	for i, c := range checks {
		if counts[i] == 0 && !(c.Rule == RuleUnique && live != "") {
			continue
		}
		res, err := runCheck(ctx, q, table, live, types, c, keep)
		if err != nil {
			return nil, fmt.Errorf("data check %s on %s: %w", c.Rule, c.Column, err)
		}
		if res.Count > 0 {
			out = append(out, res)
		}
	}
	return out, nil
}

// countBreaches counts each check's breaches in one scan of table.
func countBreaches(ctx context.Context, q querier, table string, types map[string]string, checks []DataCheck) ([]int64, error) {
	counts := make([]int64, len(checks))
	if len(checks) == 0 {
		return counts, nil
	}
	cols := make([]string, len(checks))
	for i, c := range checks {
		if c.Rule == RuleUnique {
			// Rows beyond the first of each value; the rows themselves come later.
			cols[i] = "count(" + c.Expr + ") - count(DISTINCT " + c.Expr + ")"
			continue
		}
		cond, err := breachCond(c, types)
		if err != nil {
			return nil, err
		}
		cols[i] = "count(*) FILTER (WHERE " + cond + ")"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+QuoteIdent(table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
	}
	return counts, rows.Err()
}

// breachCond is the SQL condition true of a row that breaks c (not
// unique). types are the table's column types: a plain column of a known
// type is read directly, which is several times faster than through text.
func breachCond(c DataCheck, types map[string]string) (string, error) {
	v := "(" + c.Expr + ")"
	text := "CAST(" + v + " AS VARCHAR)"
	// TRY_CAST through text reads any type (a date has no number) without a binder error.
	asNumber := "TRY_CAST(" + text + " AS DOUBLE)"
	typ := ""
	if c.Expr == QuoteIdent(c.Column) {
		typ = types[strings.ToLower(c.Column)]
	}
	numeric, temporal := IsNumericType(typ), typ == "DATE" || strings.HasPrefix(typ, "TIMESTAMP")
	if numeric {
		asNumber = "CAST(" + v + " AS DOUBLE)"
	}
	switch {
	case c.Rule == RuleNumber && numeric, c.Rule == RuleDate && temporal:
		return "false", nil
	case c.Rule == RuleAcceptedValues && numeric:
		if nums, ok := numbers(c.Values); ok {
			return v + " IS NOT NULL AND " + asNumber + " NOT IN (" + nums + ")", nil
		}
	}
	switch c.Rule {
	case RuleNotNull:
		return v + " IS NULL", nil
	case RuleAcceptedValues:
		cond := v + " IS NOT NULL AND " + text + " NOT IN (" + sqlList(c.Values) + ")"
		if nums, ok := numbers(c.Values); ok {
			// 1.0 in a DOUBLE column is the accepted 1.
			cond += " AND (" + asNumber + " IS NULL OR " + asNumber + " NOT IN (" + nums + "))"
		}
		return cond, nil
	case RuleRange:
		// A value that is no number at all breaks RuleNumber, which a range implies.
		out := []string{"false"}
		if c.Min != nil {
			out = append(out, asNumber+" < "+num(*c.Min))
		}
		if c.Max != nil {
			out = append(out, asNumber+" > "+num(*c.Max))
		}
		return strings.Join(out, " OR "), nil
	case RuleNumber:
		return v + " IS NOT NULL AND " + asNumber + " IS NULL", nil
	case RuleDate:
		return v + " IS NOT NULL AND TRY_CAST(" + text + " AS TIMESTAMP) IS NULL", nil
	}
	return "", fmt.Errorf("unknown rule %q", c.Rule)
}

func runCheck(ctx context.Context, q querier, table, live string, types map[string]string, c DataCheck, keep int) (CheckResult, error) {
	if c.Rule == RuleUnique {
		return runUnique(ctx, q, table, live, c, keep)
	}
	cond, err := breachCond(c, types)
	if err != nil {
		return CheckResult{}, err
	}
	t := QuoteIdent(table)
	text := "CAST((" + c.Expr + ") AS VARCHAR)"
	// rowid numbers a table's rows in insertion order; a fresh table's run
	// from an arbitrary base, so positions count from the smallest.
	query := `SELECT count(*) OVER (), rowid - (SELECT min(rowid) FROM ` + t + `), ` + text + `, (` + c.Expr + `) IS NULL
		FROM ` + t + ` WHERE ` + cond + ` ORDER BY rowid LIMIT ` + strconv.Itoa(keep)
	return scanBreaches(ctx, q, c, query, false)
}

// columnTypes maps a table's lower-case column names to their DuckDB types.
func columnTypes(ctx context.Context, q querier, table string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+QuoteIdent(table)+")")
	if err != nil {
		return nil, fmt.Errorf("describe %s: %w", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return nil, fmt.Errorf("describe %s: %w", table, err)
		}
		out[strings.ToLower(name)] = strings.ToUpper(typ)
	}
	return out, rows.Err()
}

// IsNumericType reports whether a DuckDB type name (upper case) is a number.
func IsNumericType(typ string) bool {
	for _, p := range []string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL"} {
		if strings.HasPrefix(typ, p) {
			return true
		}
	}
	return false
}

// runUnique finds the rows whose value an earlier row (or, for an append,
// the live table) already holds.
func runUnique(ctx context.Context, q querier, table, live string, c DataCheck, keep int) (CheckResult, error) {
	t := QuoteIdent(table)
	v := "(" + c.Expr + ")"
	inLive := "false"
	if live != "" {
		inLive = "beacon_v IN (SELECT " + v + " FROM " + QuoteIdent(live) + ")"
	}
	query := `SELECT count(*) OVER (), beacon_r - beacon_base, CAST(beacon_v AS VARCHAR), false,
			CASE WHEN beacon_r <> beacon_first THEN beacon_first - beacon_base ELSE -1 END
		FROM (SELECT rowid AS beacon_r, ` + v + ` AS beacon_v, min(rowid) OVER (PARTITION BY ` + v + `) AS beacon_first,
			(SELECT min(rowid) FROM ` + t + `) AS beacon_base FROM ` + t + `)
		WHERE beacon_v IS NOT NULL AND (beacon_r <> beacon_first OR ` + inLive + `) ORDER BY beacon_r LIMIT ` + strconv.Itoa(keep)
	return scanBreaches(ctx, q, c, query, true)
}

func scanBreaches(ctx context.Context, q querier, c DataCheck, query string, withFirst bool) (CheckResult, error) {
	res := CheckResult{Check: c}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	for rows.Next() {
		var b Breach
		var val sql.NullString
		dest := []any{&res.Count, &b.Row, &val, &b.Null}
		if withFirst {
			dest = append(dest, &b.First)
		}
		if err := rows.Scan(dest...); err != nil {
			return res, err
		}
		b.Value = val.String
		res.Breaches = append(res.Breaches, b)
	}
	return res, rows.Err()
}

// sqlList writes values as SQL string literals. Values come from the
// model's YAML, never from a request, and are quoted all the same.
func sqlList(values []string) string {
	out := make([]string, len(values))
	for i, s := range values {
		out[i] = sqlString(s)
	}
	return strings.Join(out, ", ")
}

// numbers writes values as SQL numbers when every one is a number.
func numbers(values []string) (string, bool) {
	out := make([]string, len(values))
	for i, s := range values {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return "", false
		}
		out[i] = num(f)
	}
	return strings.Join(out, ", "), len(out) > 0
}

// Check runs data checks over a live table and reports the breaches of
// each, with up to keep examples.
func (db *DB) Check(ctx context.Context, table string, checks []DataCheck, keep int) ([]CheckResult, error) {
	if len(checks) == 0 {
		return nil, nil
	}
	var out []CheckResult
	err := db.Read(ctx, func(conn *sql.Conn) error {
		var err error
		out, err = runChecks(ctx, conn, table, "", checks, keep)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("check table %s: %w", table, err)
	}
	return out, nil
}

// checkStaged runs the load's checks over the staged rows and returns a
// *LoadError naming each breach by the line of the file it came from.
func checkStaged(ctx context.Context, tx *sql.Tx, opts LoadOptions, format string) error {
	if len(opts.Checks) == 0 {
		return nil
	}
	live := ""
	if opts.Append {
		live = opts.Table
	}
	results, err := runChecks(ctx, tx, "beacon_load_staging", live, opts.Checks, maxRowErrors)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return nil
	}
	lineOf := func(row int64) int64 { return row + 1 } // Parquet: the row's number
	if format == "csv" {
		var want []int64
		for _, r := range results {
			for _, b := range r.Breaches {
				want = append(want, b.Row)
				if b.First >= 0 && r.Check.Rule == RuleUnique {
					want = append(want, b.First)
				}
			}
		}
		lines, err := csvRecordLines(opts.Path, want)
		if err != nil {
			return err
		}
		lineOf = func(row int64) int64 { return lines[row] }
	}
	le := &LoadError{File: filepath.Base(opts.Path), Checks: true}
	for _, r := range results {
		le.Total += r.Count
		for _, b := range r.Breaches {
			le.Errors = append(le.Errors, RowError{Line: lineOf(b.Row), Column: r.Check.Column, Kind: "check",
				Rule: r.Check.Rule, Value: b.Value, Message: breachMessage(r.Check, b, lineOf, format)})
		}
	}
	slices.SortStableFunc(le.Errors, func(a, b RowError) int { return int(a.Line - b.Line) })
	if len(le.Errors) > maxRowErrors {
		le.Errors = le.Errors[:maxRowErrors]
	}
	return le
}

// breachMessage says what is wrong with one value, naming the rule.
func breachMessage(c DataCheck, b Breach, lineOf func(int64) int64, format string) string {
	if b.Null {
		return "empty value breaks " + c.Rule + ": " + c.Describe()
	}
	head := "value " + strconv.Quote(b.Value) + " breaks " + c.Rule + ": "
	if c.Rule == RuleUnique {
		if b.First < 0 {
			return head + "the table already has it"
		}
		where := "line"
		if format != "csv" {
			where = "row"
		}
		return fmt.Sprintf("%s%s %d has it too", head, where, lineOf(b.First))
	}
	return head + c.Describe()
}

// csvRecordLines maps record positions (from 0, after the header) to the
// line each starts on, reading the file once; only called when a check
// failed, so a clean load never pays for it.
func csvRecordLines(path string, records []int64) (map[int64]int64, error) {
	want := map[int64]bool{}
	var last int64 = -1
	for _, r := range records {
		want[r] = true
		last = max(last, r)
	}
	out := make(map[int64]int64, len(want))
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("number the lines: %w", err)
	}
	defer f.Close()
	comma, err := sniffDelimiter(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil { // the header
		return nil, fmt.Errorf("number the lines: %w", err)
	}
	for i := int64(0); i <= last; i++ {
		if _, err := r.Read(); err != nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("number the lines: %w", err)
		}
		if want[i] {
			line, _ := r.FieldPos(0)
			out[i] = int64(line)
		}
	}
	return out, nil
}

// sniffDelimiter picks the header line's separator the way a person would:
// the most frequent of comma, semicolon, tab and bar.
func sniffDelimiter(path string) (rune, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("number the lines: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && err != io.EOF {
		return 0, fmt.Errorf("number the lines: %w", err)
	}
	best, bestN := ',', 0
	for _, c := range []rune{',', ';', '\t', '|'} {
		if n := strings.Count(line, string(c)); n > bestN {
			best, bestN = c, n
		}
	}
	return best, nil
}
