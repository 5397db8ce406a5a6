package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/beaconbi/beacon"
)

// Partitioning names the time column and grain a table's rows are loaded
// by (a month of snapshots, a day of transactions), from the semantic
// model. An append whose rows fall in partitions the table already holds
// is refused unless ReplacePartitions is set: loading March twice would
// count March twice.
type Partitioning struct {
	Column string
	Grain  string // day, week, month, quarter or year
}

// Change is what one committed load did to a table: the table, whether
// rows were appended (or the table replaced), and for an append the time
// partitions it wrote. Rollups refresh from it.
type Change struct {
	Table      string
	Append     bool
	Partitions []time.Time
}

// AfterLoad runs inside a load's transaction, after the rows are written
// and before the commit: what it writes (rollup partitions) commits with
// the rows or not at all, so no reader sees the new rows without them.
type AfterLoad func(ctx context.Context, tx *sql.Tx, ch Change) error

// OverlapError refuses an append whose rows fall in time partitions the
// table already holds.
type OverlapError struct {
	Table      string
	Column     string
	Partitions []time.Time
}

func (e *OverlapError) Error() string {
	days := make([]string, len(e.Partitions))
	for i, p := range e.Partitions {
		days[i] = p.Format(time.DateOnly)
	}
	if len(days) > 6 {
		days = append(days[:6], fmt.Sprintf("and %d more", len(e.Partitions)-6))
	}
	return fmt.Sprintf("%s already holds rows for %s %s; appending would count them twice: nothing was loaded (append only new periods, or replace those periods with --replace-partitions / replace_partitions=true)",
		e.Table, e.Column, strings.Join(days, ", "))
}

// Beacon reports the overlap as a conflict with the data already loaded.
func (e *OverlapError) Beacon() *beacon.Error {
	return &beacon.Error{Code: beacon.ECONFLICT, Field: "body", Message: e.Error(), Err: e}
}

// tableState is the in-memory version of each table: the data version at
// its last load in this process, or at the last write that did not say
// which tables it changed (which may have changed any).
type tableState struct {
	mu       sync.Mutex
	versions map[string]uint64
	loadedAt map[string]time.Time
	anyWrite uint64
}

// TableVersion is the data version at which table last changed: a cached
// result that read only other tables stays valid across a load of it.
func (db *DB) TableVersion(table string) uint64 {
	db.tables.mu.Lock()
	defer db.tables.mu.Unlock()
	return max(db.tables.versions[strings.ToLower(table)], db.tables.anyWrite)
}

// TableStatus is a table's data version and last load time, as /readyz
// and answers show them.
type TableStatus struct {
	Table    string     `json:"table"`
	Version  uint64     `json:"data_version"`
	LoadedAt *time.Time `json:"loaded_at,omitempty"`
}

// TableStatuses lists tables' versions and last load times. Load times
// are recorded in beacon_meta by every load, so they survive a restart;
// they are read from it once and then kept in memory, as answers show them.
func (db *DB) TableStatuses(ctx context.Context, tables []string) ([]TableStatus, error) {
	if err := db.seedLoadTimes(ctx); err != nil {
		return nil, err
	}
	db.tables.mu.Lock()
	defer db.tables.mu.Unlock()
	out := make([]TableStatus, 0, len(tables))
	for _, t := range tables {
		key := strings.ToLower(t)
		st := TableStatus{Table: t, Version: max(db.tables.versions[key], db.tables.anyWrite)}
		if at, ok := db.tables.loadedAt[key]; ok {
			st.LoadedAt = &at
		}
		out = append(out, st)
	}
	return out, nil
}

// seedLoadTimes reads the load times from beacon_meta, unless read since
// the last write that did not name its tables.
func (db *DB) seedLoadTimes(ctx context.Context) error {
	db.tables.mu.Lock()
	seeded := db.tables.loadedAt != nil
	db.tables.mu.Unlock()
	if seeded {
		return nil
	}
	loaded := map[string]time.Time{}
	err := db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT key, value FROM beacon_meta WHERE key LIKE 'loaded_at:%'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				loaded[strings.TrimPrefix(k, "loaded_at:")] = t
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("read load times: %w", err)
	}
	db.tables.mu.Lock()
	defer db.tables.mu.Unlock()
	if db.tables.loadedAt == nil {
		db.tables.loadedAt = loaded
	}
	return nil
}

// writeTables is Write for a change to named tables only: after the
// commit just those tables take the new data version. With no tables the
// write may have changed any table.
func (db *DB) writeTables(ctx context.Context, tables []string, fn func(tx *sql.Tx) error) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit write: %w", err)
	}
	v := db.version.Add(1)
	db.tables.mu.Lock()
	defer db.tables.mu.Unlock()
	if db.tables.versions == nil {
		db.tables.versions = map[string]uint64{}
	}
	if len(tables) == 0 {
		db.tables.anyWrite = v
		db.tables.loadedAt = nil // re-read: the write may have recorded loads
	}
	for _, t := range tables {
		db.tables.versions[strings.ToLower(t)] = v
		if db.tables.loadedAt != nil {
			db.tables.loadedAt[strings.ToLower(t)] = time.Now().UTC()
		}
	}
	return nil
}

// MetaTableEpoch prefixes the beacon_meta key counting the loads of a
// table; a rollup records the counts it was built at, so a load that did
// not refresh it (another model, manual refresh) leaves it unused.
const MetaTableEpoch = "table_epoch:"

// TableEpoch reads the load count of table inside tx (0 if never loaded).
func TableEpoch(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, table string) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM beacon_meta WHERE key = ?`, MetaTableEpoch+strings.ToLower(table)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read load count of %s: %w", table, err)
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n, nil
}

// MarkTablesChanged records in tx that tables were (re)written: their load
// counts move on and their load time is now. Writers outside Load that
// replace model tables (the demo-bank generator) call it, so rollups built
// on the old rows are not used.
func MarkTablesChanged(ctx context.Context, tx *sql.Tx, tables ...string) error {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, t := range tables {
		n, err := TableEpoch(ctx, tx, t)
		if err != nil {
			return err
		}
		if err := SetMeta(ctx, tx, MetaTableEpoch+strings.ToLower(t), strconv.FormatInt(n+1, 10)); err != nil {
			return err
		}
		if err := SetMeta(ctx, tx, "loaded_at:"+strings.ToLower(t), now); err != nil {
			return err
		}
	}
	return nil
}

// stagedPartitions reads the time partitions of the staged rows, and
// those of them the table already holds.
func stagedPartitions(ctx context.Context, tx *sql.Tx, table string, part *Partitioning) (staged, overlap []time.Time, err error) {
	if !slices.Contains([]string{"day", "week", "month", "quarter", "year"}, part.Grain) {
		return nil, nil, fmt.Errorf("partitions of %s: unknown grain %q", table, part.Grain)
	}
	trunc := func(col string) string {
		return "CAST(date_trunc('" + part.Grain + "', " + QuoteIdent(col) + ") AS DATE)"
	}
	read := func(q string) ([]time.Time, error) {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []time.Time
		for rows.Next() {
			var t time.Time
			if err := rows.Scan(&t); err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, rows.Err()
	}
	staged, err = read("SELECT DISTINCT " + trunc(part.Column) + " AS p FROM beacon_load_staging WHERE " + QuoteIdent(part.Column) + " IS NOT NULL ORDER BY 1")
	if err != nil {
		return nil, nil, fmt.Errorf("read the periods of the file (column %s): %w", part.Column, err)
	}
	if len(staged) == 0 {
		return nil, nil, nil
	}
	// The table's rows are read only between the file's first and last
	// periods, bounds given as constants so that DuckDB skips the row
	// groups outside them instead of scanning the whole history.
	lo, hi := staged[0], staged[len(staged)-1]
	hi = map[string]time.Time{"day": hi.AddDate(0, 0, 1), "week": hi.AddDate(0, 0, 7), "month": hi.AddDate(0, 1, 0),
		"quarter": hi.AddDate(0, 3, 0), "year": hi.AddDate(1, 0, 0)}[part.Grain]
	col := QuoteIdent(part.Column)
	overlap, err = read("SELECT DISTINCT " + trunc(part.Column) + " AS p FROM " + QuoteIdent(table) +
		" WHERE " + col + " >= DATE '" + lo.Format(time.DateOnly) + "' AND " + col + " < DATE '" + hi.Format(time.DateOnly) + "'" +
		" AND " + trunc(part.Column) + " IN (SELECT DISTINCT " + trunc(part.Column) + " FROM beacon_load_staging) ORDER BY 1")
	if err != nil {
		return nil, nil, fmt.Errorf("read the periods %s holds: %w", table, err)
	}
	return staged, overlap, nil
}

// appendPartitions checks an append against the partitions the table
// holds: an overlap is refused, or with replace those partitions' rows are
// deleted first. It returns the partitions the append writes.
func appendPartitions(ctx context.Context, tx *sql.Tx, opts LoadOptions) ([]time.Time, error) {
	if opts.Partitioning == nil {
		return nil, nil
	}
	staged, overlap, err := stagedPartitions(ctx, tx, opts.Table, opts.Partitioning)
	if err != nil {
		return nil, err
	}
	if len(overlap) == 0 {
		return staged, nil
	}
	if !opts.ReplacePartitions {
		return nil, &OverlapError{Table: opts.Table, Column: opts.Partitioning.Column, Partitions: overlap}
	}
	col := QuoteIdent(opts.Partitioning.Column)
	q := "DELETE FROM " + QuoteIdent(opts.Table) + " WHERE CAST(date_trunc('" + opts.Partitioning.Grain + "', " + col + ") AS DATE) IN (SELECT DISTINCT CAST(date_trunc('" +
		opts.Partitioning.Grain + "', " + col + ") AS DATE) FROM beacon_load_staging)"
	if _, err := tx.ExecContext(ctx, q); err != nil {
		return nil, fmt.Errorf("replace the periods of %s: %w", opts.Table, err)
	}
	return staged, nil
}
