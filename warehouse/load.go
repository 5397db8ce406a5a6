package warehouse

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// LoadOptions describe one load of a CSV or Parquet file into a table.
type LoadOptions struct {
	Table string
	Path  string
	// Format is "csv" or "parquet"; empty means by the file's extension.
	Format string
	// Append adds rows to an existing table instead of replacing it.
	Append bool
	// KeepColumns requires a CSV replacing an existing table to carry all of
	// its columns, so a semantic model built on the table, or Beacon's own
	// reads of it, stay valid.
	KeepColumns bool
	// Progress, when set, is told each step as it starts.
	Progress func(step string, done, total int)
	// Checks are the semantic model's data checks on this table, run over
	// the staged rows before they replace the live table; any breach
	// rejects the whole file.
	Checks []DataCheck
	// Partitioning, from the model, names the time partitions an append
	// writes; rows in partitions already loaded are refused unless
	// ReplacePartitions, which replaces those partitions (append.go).
	Partitioning      *Partitioning
	ReplacePartitions bool
	// AfterLoad runs in the load's transaction (rollup refresh).
	AfterLoad AfterLoad
}

// LoadStats report a successful load.
type LoadStats struct {
	Table   string
	Rows    int64
	Elapsed time.Duration
	// Partitions are the time partitions an append wrote.
	Partitions []time.Time
}

// RowError is one rejected row of an input file.
type RowError struct {
	Line   int64  `json:"line"`
	Column string `json:"column,omitempty"`
	Kind   string `json:"kind"`
	// Rule and Value name the data check a value broke (Kind "check").
	Rule    string `json:"rule,omitempty"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
}

// LoadError reports the rows that made a load fail. Nothing was written.
type LoadError struct {
	File   string
	Total  int64      // rejected rows in all
	Errors []RowError // the first ones, in file order
	// Checks is set when the rows were read but broke the model's data checks.
	Checks bool
}

func (e *LoadError) Error() string {
	var b strings.Builder
	if e.Checks {
		fmt.Fprintf(&b, "%s: %d value(s) break the model's data checks, nothing was loaded", e.File, e.Total)
	} else {
		fmt.Fprintf(&b, "%s: %d bad row(s), nothing was loaded", e.File, e.Total)
	}
	for _, r := range e.Errors {
		fmt.Fprintf(&b, "\n  line %d", r.Line)
		if r.Column != "" {
			fmt.Fprintf(&b, ", column %s", r.Column)
		}
		fmt.Fprintf(&b, ": %s", r.Message)
	}
	return b.String()
}

var tableNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// stateTables are Beacon's own tables named without the beacon_ prefix:
// the alert scheduler's state (alerts/store.go), named before the prefix
// was the rule. Loading over one would erase rules, silences and the
// delivery log, and free SQL would read messages and their recipients.
var stateTables = []string{"alert_rules", "alert_schedule", "alert_state", "alert_history", "alert_silences",
	"alert_outbox", "alert_deliveries", "alert_lease"}

// ValidTableName reports whether name may be loaded into: a plain
// identifier that does not name Beacon's own tables. The same test keeps
// Beacon's tables out of free SQL, the table list and the catalog.
func ValidTableName(name string) error {
	if !tableNameRE.MatchString(name) {
		return fmt.Errorf("table name %q must be letters, digits and _ (at most 63), starting with a letter or _", name)
	}
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "beacon_") || slices.Contains(stateTables, lower) {
		return fmt.Errorf("table name %q is reserved for Beacon's own state", name)
	}
	return nil
}

// maxRowErrors bounds how many rejected rows a load reports.
const maxRowErrors = 50

// Load reads a file into a table atomically: either every row is loaded or,
// if any row is malformed, none is and a *LoadError lists the bad rows by
// line. Replacing an existing table keeps its column types, so values that
// do not fit are reported rather than silently widened.
func (db *DB) Load(ctx context.Context, opts LoadOptions) (LoadStats, error) {
	start := time.Now()
	progress := opts.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}
	if err := ValidTableName(opts.Table); err != nil {
		return LoadStats{}, err
	}
	format := opts.Format
	if format == "" {
		switch strings.ToLower(filepath.Ext(opts.Path)) {
		case ".parquet", ".pq":
			format = "parquet"
		default:
			format = "csv"
		}
	}
	if format != "csv" && format != "parquet" {
		return LoadStats{}, fmt.Errorf("unknown format %q: use csv or parquet", format)
	}
	if _, err := os.Stat(opts.Path); err != nil {
		return LoadStats{}, fmt.Errorf("load %s: %w", opts.Table, err)
	}
	if format == "csv" {
		if err := checkEncoding(opts.Path); err != nil {
			return LoadStats{}, err
		}
	}
	existing, err := db.tableColumns(ctx, opts.Table)
	if err != nil {
		return LoadStats{}, err
	}
	if opts.Append && existing == nil {
		return LoadStats{}, fmt.Errorf("append to %s: the table does not exist; load without append to create it", opts.Table)
	}
	path := sqlString(opts.Path)
	var reader string
	if format == "parquet" {
		reader = "read_parquet(" + path + ")"
	} else {
		args := []string{path, "header = true", "store_rejects = true",
			"rejects_table = 'beacon_load_rejects'", "rejects_scan = 'beacon_load_scan'", "rejects_limit = 0"}
		args = append(args, "sample_size = -1")
		if existing != nil {
			// Columns the table already has keep their types, matched by name, so
			// a value that does not fit is a bad row rather than a silently
			// widened column; new columns are inferred.
			header, err := csvHeader(opts.Path)
			if err != nil {
				return LoadStats{}, err
			}
			var types []string
			for _, c := range existing {
				// Named as the file spells it; DuckDB's names ignore case.
				if i := slices.IndexFunc(header, func(h string) bool { return strings.EqualFold(h, c.Name) }); i >= 0 {
					types = append(types, sqlString(header[i])+": "+sqlString(c.Type))
				}
			}
			if len(types) > 0 {
				args = append(args, "types = {"+strings.Join(types, ", ")+"}")
			}
		}
		reader = "read_csv(" + strings.Join(args, ", ") + ")"
	}
	var stats LoadStats
	stats.Table = opts.Table
	err = db.writeTables(ctx, []string{opts.Table}, func(tx *sql.Tx) error {
		progress("reading "+filepath.Base(opts.Path), 0, 3)
		if _, err := tx.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE beacon_load_staging AS SELECT * FROM "+reader); err != nil {
			return fmt.Errorf("read %s: %w", opts.Path, err)
		}
		progress("checking rows", 1, 3)
		if format == "csv" {
			if lerr := rejects(ctx, tx, opts.Path); lerr != nil {
				return lerr
			}
		}
		if opts.KeepColumns && existing != nil {
			if err := keepsColumns(ctx, tx, existing, opts); err != nil {
				return err
			}
		}
		if err := checkStaged(ctx, tx, opts, format); err != nil {
			return err
		}
		progress("writing "+opts.Table, 2, 3)
		q := "CREATE OR REPLACE TABLE " + QuoteIdent(opts.Table) + " AS SELECT * FROM beacon_load_staging"
		if opts.Append {
			parts, err := appendPartitions(ctx, tx, opts)
			if err != nil {
				return err
			}
			stats.Partitions = parts
			q = "INSERT INTO " + QuoteIdent(opts.Table) + " BY NAME SELECT * FROM beacon_load_staging"
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("write %s: %w", opts.Table, err)
		}
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM beacon_load_staging").Scan(&stats.Rows); err != nil {
			return fmt.Errorf("count rows: %w", err)
		}
		if _, err := tx.ExecContext(ctx, "DROP TABLE beacon_load_staging"); err != nil {
			return err
		}
		if err := MarkTablesChanged(ctx, tx, opts.Table); err != nil {
			return err
		}
		if opts.AfterLoad != nil {
			return opts.AfterLoad(ctx, tx, Change{Table: opts.Table, Append: opts.Append, Partitions: stats.Partitions})
		}
		return nil
	})
	if err != nil {
		return LoadStats{}, err
	}
	progress("done", 3, 3)
	stats.Elapsed = time.Since(start)
	return stats, nil
}

// keepsColumns reports an error when the staged file lacks a column the
// existing table has, or holds it with another type.
func keepsColumns(ctx context.Context, tx *sql.Tx, existing []Column, opts LoadOptions) error {
	rows, err := tx.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE beacon_load_staging)")
	if err != nil {
		return fmt.Errorf("read staged columns: %w", err)
	}
	staged := map[string]string{}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			rows.Close()
			return fmt.Errorf("read staged columns: %w", err)
		}
		staged[strings.ToLower(name)] = typ
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read staged columns: %w", err)
	}
	var missing, changed []string
	for _, c := range existing {
		typ, ok := staged[strings.ToLower(c.Name)]
		switch {
		case !ok:
			missing = append(missing, c.Name)
		case !strings.EqualFold(typ, c.Type):
			changed = append(changed, fmt.Sprintf("%s (%s, was %s)", c.Name, typ, c.Type))
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("%s lacks column(s) %s of table %s, which Beacon reads; nothing was loaded",
			filepath.Base(opts.Path), strings.Join(missing, ", "), opts.Table)
	case len(changed) > 0:
		return fmt.Errorf("%s changes the type of column(s) %s of table %s, which Beacon reads; nothing was loaded",
			filepath.Base(opts.Path), strings.Join(changed, ", "), opts.Table)
	}
	return nil
}

// csvHeader reads the column names on a CSV file's first line.
// checkEncoding refuses a CSV that is not UTF-8 before DuckDB reads it:
// DuckDB would take UTF-16 (what Excel saves as "Unicode text") for
// single-byte text and report columns named with NUL characters, and a GBK
// header as garbled names. Rows with bad bytes further on are left to
// DuckDB, which reports them by line.
func checkEncoding(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	head = head[:n]
	name := filepath.Base(path)
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(head, []byte{0, 0, 0xFE, 0xFF}):
		return fmt.Errorf("%s is UTF-32 text; save it as CSV UTF-8 and load it again", name)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return fmt.Errorf("%s is UTF-16 text (Excel's \"Unicode text\"); save it as CSV UTF-8 and load it again", name)
	case bytes.IndexByte(head, 0) >= 0:
		return fmt.Errorf("%s holds NUL bytes, as UTF-16 text does; a CSV must be UTF-8: save it as CSV UTF-8 and load it again", name)
	}
	line, _, _ := bytes.Cut(head, []byte("\n"))
	if n == len(head) && len(line) == n {
		// A header longer than the sample may end inside a character.
		for i := 0; i < utf8.UTFMax && len(line) > 0 && !utf8.Valid(line); i++ {
			line = line[:len(line)-1]
		}
	}
	if !utf8.Valid(line) {
		return fmt.Errorf("the header line of %s is not UTF-8 (GBK or GB18030, perhaps); save the file as CSV UTF-8 and load it again", name)
	}
	return nil
}

func csvHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read the header line of %s: %w", filepath.Base(path), err)
	}
	return header, nil
}

// rejects returns a *LoadError when DuckDB's CSV reader rejected rows.
func rejects(ctx context.Context, tx *sql.Tx, file string) error {
	var total int64
	if err := tx.QueryRowContext(ctx, "SELECT count(DISTINCT line) FROM beacon_load_rejects").Scan(&total); err != nil {
		return fmt.Errorf("read rejected rows: %w", err)
	}
	if total == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT line, coalesce(column_name, ''), CAST(error_type AS VARCHAR), error_message
		FROM beacon_load_rejects ORDER BY line, column_idx LIMIT `+fmt.Sprint(maxRowErrors))
	if err != nil {
		return fmt.Errorf("read rejected rows: %w", err)
	}
	defer rows.Close()
	le := &LoadError{File: filepath.Base(file), Total: total}
	for rows.Next() {
		var r RowError
		if err := rows.Scan(&r.Line, &r.Column, &r.Kind, &r.Message); err != nil {
			return fmt.Errorf("read rejected rows: %w", err)
		}
		r.Message = firstLine(r.Message)
		le.Errors = append(le.Errors, r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read rejected rows: %w", err)
	}
	return le
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// tableColumns lists a table's columns, or nil when it does not exist.
// DuckDB's names are case-insensitive, and so is this lookup.
func (db *DB) tableColumns(ctx context.Context, table string) ([]Column, error) {
	tables, err := db.Tables(ctx)
	if err != nil {
		return nil, err
	}
	for name, cols := range tables {
		if strings.EqualFold(name, table) {
			return cols, nil
		}
	}
	return nil, nil
}

// sqlString quotes a string literal for DuckDB. Only paths and names Beacon
// chose itself pass through here; client values are always bound parameters.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
