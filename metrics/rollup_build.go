package metrics

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon/warehouse"
)

// queryer is a connection or a transaction.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// RollupBuild reports one rollup built or refreshed.
type RollupBuild struct {
	Name  string `json:"name"`
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
	// Periods are the rollup periods rewritten by a refresh; empty for a
	// full build.
	Periods []string      `json:"periods,omitempty"`
	Elapsed time.Duration `json:"-"`
}

// metaRollup prefixes the beacon_meta key holding the signature a rollup
// was built at: its SQL and the load counts of the tables it reads.
const metaRollup = "rollup:"

// rollupSQL is the SELECT computing rollup r over win (zero: all time):
// the compiler's own aggregate of the source by the rollup's dimensions
// at its grain, so a rollup holds what a query over the base tables
// would aggregate (semi-additive measures at each period's first or last
// bucket, found over the whole table as queries find them).
func (c *Catalog) rollupSQL(r *rollupDef, win Window) (string, []any, error) {
	d := DuckDB{}
	p := &plan{dims: r.dims, grain: r.Grain, loc: c.Location, window: win}
	w := &sqlWriter{d: d}
	tz := ""
	ctes, err := c.sourceCTEs(w, p, r.source, r.measures, window{name: "r", win: win}, &tz)
	if err != nil {
		return "", nil, fmt.Errorf("rollup %s: %w", r.Name, err)
	}
	return "WITH " + strings.Join(ctes, ",\n") + "\nSELECT * FROM " + d.Quote("r__"+r.source.Name), w.args, nil
}

// rollupSignature is what a current rollup was built at.
func (c *Catalog) rollupSignature(ctx context.Context, q queryer, r *rollupDef) (string, error) {
	query, args, err := c.rollupSQL(r, Window{})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%v", query, args)
	for _, t := range r.tables {
		n, err := warehouse.TableEpoch(ctx, q, t)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "\x00%s=%d", t, n)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (c *Catalog) markBuilt(ctx context.Context, tx *sql.Tx, r *rollupDef) error {
	sig, err := c.rollupSignature(ctx, tx, r)
	if err != nil {
		return err
	}
	return warehouse.SetMeta(ctx, tx, metaRollup+r.Name, sig)
}

// BuildRollup builds rollup name whole inside tx: into a new table, which
// then takes the old one's place, so readers see the old rollup or the
// new one and never a part.
func (c *Catalog) BuildRollup(ctx context.Context, tx *sql.Tx, name string) (RollupBuild, error) {
	start := time.Now()
	r := c.rollup(name)
	if r == nil {
		return RollupBuild{}, invalid("rollup", c.Rollups(), "unknown rollup %q", name)
	}
	query, args, err := c.rollupSQL(r, Window{})
	if err != nil {
		return RollupBuild{}, err
	}
	table, fresh := r.Table(), r.Table()+"__new"
	stmts := []struct {
		q    string
		args []any
	}{
		{"DROP TABLE IF EXISTS " + quoteIdent(fresh), nil},
		{"CREATE TABLE " + quoteIdent(fresh) + " AS " + query, args},
		{"DROP TABLE IF EXISTS " + quoteIdent(table), nil},
		{"ALTER TABLE " + quoteIdent(fresh) + " RENAME TO " + quoteIdent(table), nil},
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
			return RollupBuild{}, fmt.Errorf("build rollup %s: %w", name, err)
		}
	}
	if err := c.markBuilt(ctx, tx, r); err != nil {
		return RollupBuild{}, err
	}
	out := RollupBuild{Name: name, Table: table}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(table)).Scan(&out.Rows); err != nil {
		return RollupBuild{}, fmt.Errorf("count rollup %s: %w", name, err)
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

// refreshPeriods rewrites only the periods of rollup r that hold the
// given source partitions, inside tx.
func (c *Catalog) refreshPeriods(ctx context.Context, tx *sql.Tx, r *rollupDef, parts []time.Time) (RollupBuild, error) {
	start := time.Now()
	out := RollupBuild{Name: r.Name, Table: r.Table()}
	table := quoteIdent(r.Table())
	for _, w := range rollupPeriods(r.Grain, parts) {
		query, args, err := c.rollupSQL(r, w)
		if err != nil {
			return RollupBuild{}, err
		}
		s, e := w.Start.Format(time.DateOnly), w.End.Format(time.DateOnly)
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE period >= CAST($1 AS DATE) AND period < CAST($2 AS DATE)", s, e); err != nil {
			return RollupBuild{}, fmt.Errorf("refresh rollup %s: %w", r.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+table+" BY NAME "+query, args...); err != nil {
			return RollupBuild{}, fmt.Errorf("refresh rollup %s: %w", r.Name, err)
		}
		out.Periods = append(out.Periods, s)
	}
	if err := c.markBuilt(ctx, tx, r); err != nil {
		return RollupBuild{}, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&out.Rows); err != nil {
		return RollupBuild{}, fmt.Errorf("count rollup %s: %w", r.Name, err)
	}
	out.Elapsed = time.Since(start)
	return out, nil
}

// RefreshAfterLoad brings the rollups that read the loaded table up to
// date inside the load's transaction: an append to a rollup's own source
// rewrites only the rollup periods holding the appended partitions; any
// other load rebuilds the rollup whole. Rollups with refresh: manual are
// left, and are unused until rebuilt. A rollup not yet built is left too.
func (c *Catalog) RefreshAfterLoad(ctx context.Context, tx *sql.Tx, ch warehouse.Change) ([]RollupBuild, error) {
	var out []RollupBuild
	for _, r := range c.rollups {
		if r.Refresh == "manual" || !slices.ContainsFunc(r.tables, func(t string) bool { return strings.EqualFold(t, ch.Table) }) {
			continue
		}
		var exists int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $1", r.Table()).Scan(&exists); err != nil {
			return nil, fmt.Errorf("refresh rollup %s: %w", r.Name, err)
		}
		if exists == 0 {
			continue
		}
		var b RollupBuild
		var err error
		if ch.Append && strings.EqualFold(r.source.Table, ch.Table) && len(ch.Partitions) > 0 {
			b, err = c.refreshPeriods(ctx, tx, r, ch.Partitions)
		} else {
			b, err = c.BuildRollup(ctx, tx, r.Name)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// RollupsReady reads which rollups are built and current: their table
// exists and was built at the present definition and load counts of the
// tables they read. Only those are routed to.
func (c *Catalog) RollupsReady(ctx context.Context, db Reader) (RollupAvailability, error) {
	out := RollupAvailability{}
	if len(c.rollups) == 0 {
		return out, nil
	}
	err := db.Read(ctx, func(conn *sql.Conn) error {
		for _, r := range c.rollups {
			sig, err := c.rollupSignature(ctx, conn, r)
			if err != nil {
				return err
			}
			var built string
			err = conn.QueryRowContext(ctx, "SELECT value FROM beacon_meta WHERE key = $1", metaRollup+r.Name).Scan(&built)
			if errors.Is(err, sql.ErrNoRows) || built != sig {
				continue
			}
			if err != nil {
				return err
			}
			var exists int
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = $1", r.Table()).Scan(&exists); err != nil {
				return err
			}
			if exists == 0 {
				continue // dropped by hand: not built
			}
			var rows int64
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+quoteIdent(r.Table())).Scan(&rows); err != nil {
				return err
			}
			out[r.Name] = rows
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read rollup state: %w", err)
	}
	return out, nil
}

// BuildRollups builds the named rollups (all when names is empty), each
// in a transaction of its own.
func BuildRollups(ctx context.Context, db *warehouse.DB, c *Catalog, names []string) ([]RollupBuild, error) {
	if len(names) == 0 {
		names = c.Rollups()
	}
	var out []RollupBuild
	for _, n := range names {
		var b RollupBuild
		err := db.WriteState(ctx, func(tx *sql.Tx) error {
			var err error
			b, err = c.BuildRollup(ctx, tx, n)
			return err
		})
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
	return out, nil
}
