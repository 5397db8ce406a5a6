package metrics

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/beaconbi/beacon/warehouse"
)

// Served-from values of an answer: every source read from its base table,
// every source from a rollup, or some of each.
const (
	ServedBase   = "base"
	ServedRollup = "rollup"
	ServedMixed  = "mixed"
)

// tableVersioner is a Store that versions each table: a load of one
// table leaves cached answers over the others valid.
type tableVersioner interface {
	TableVersion(table string) uint64
}

// tableStatuser reports tables' versions and last load times for answers.
type tableStatuser interface {
	TableStatuses(ctx context.Context, tables []string) ([]warehouse.TableStatus, error)
}

// RefreshRollupState re-reads which rollups are built and current; until
// it is first called, or after SetCatalog, queries read base tables only.
func (e *Engine) RefreshRollupState(ctx context.Context) (RollupAvailability, error) {
	avail, err := e.Catalog().RollupsReady(ctx, e.db)
	if err != nil {
		return nil, err
	}
	e.rollups.Store(&avail)
	return avail, nil
}

// DisableRollups makes every query read base tables until the next
// RefreshRollupState.
func (e *Engine) DisableRollups() { e.rollups.Store(nil) }

// TablesChanged drops the cached answers that read any of tables (and
// only those), after a load of them; it returns how many it dropped.
func (e *Engine) TablesChanged(tables ...string) int {
	if e.cache == nil {
		return 0
	}
	n := 0
	for _, k := range e.cache.Keys() {
		r, ok := e.cache.Peek(k)
		if !ok {
			continue
		}
		if slices.ContainsFunc(r.reads, func(t string) bool {
			return slices.ContainsFunc(tables, func(c string) bool { return strings.EqualFold(c, t) })
		}) {
			e.cache.Remove(k)
			n++
		}
	}
	return n
}

// CachedEntries is the number of answers in the result cache.
func (e *Engine) CachedEntries() int {
	if e.cache == nil {
		return 0
	}
	return e.cache.Len()
}

// AfterLoad is the load hook of a model with rollups: it refreshes, in
// the load's transaction, the rollups reading the loaded table.
func (e *Engine) AfterLoad(built *[]RollupBuild) warehouse.AfterLoad {
	return e.Catalog().AfterLoadHook(built)
}

// AfterLoadHook is RefreshAfterLoad as a load's hook; built receives what
// it refreshed.
func (c *Catalog) AfterLoadHook(built *[]RollupBuild) warehouse.AfterLoad {
	return func(ctx context.Context, tx *sql.Tx, ch warehouse.Change) error {
		b, err := c.RefreshAfterLoad(ctx, tx, ch)
		if built != nil {
			*built = b
		}
		return err
	}
}

// Loaded is what the server does after a committed load: drop the cached
// answers that read the table and re-read the rollups' state.
func (e *Engine) Loaded(ctx context.Context, table string) error {
	e.TablesChanged(table)
	if _, err := e.RefreshRollupState(ctx); err != nil {
		return fmt.Errorf("after loading %s: %w", table, err)
	}
	return nil
}

// dataKey is the part of a cache key that changes with the data: the
// versions of the tables the answer reads, or the whole warehouse's
// version where the store does not version tables.
func (e *Engine) dataKey(comp *Compiled) string {
	tv, ok := e.db.(tableVersioner)
	if !ok || len(comp.Tables) == 0 {
		return fmt.Sprint(e.db.Version())
	}
	var b strings.Builder
	for _, t := range comp.Tables {
		fmt.Fprintf(&b, "%s=%d;", t, tv.TableVersion(t))
	}
	return b.String()
}

// tableStatuses are the versions and last loads of the tables an answer read.
func (e *Engine) tableStatuses(ctx context.Context, comp *Compiled) []warehouse.TableStatus {
	ts, ok := e.db.(tableStatuser)
	if !ok || len(comp.Tables) == 0 {
		return nil
	}
	out, err := ts.TableStatuses(ctx, comp.Tables)
	if err != nil {
		return nil // the answer stands without them
	}
	return out
}

// extentsHold reports whether the extents comp named its period-end
// buckets from describe the data res was computed on: the same data
// version, or (with tables versioned one by one) no table the answer
// reads changed after the extents were read. A load of another table
// then leaves the cached answer exact.
func (e *Engine) extentsHold(res *Result, comp *Compiled) bool {
	if res.DataVersion == comp.ExtentsVersion {
		return true
	}
	tv, ok := e.db.(tableVersioner)
	if !ok || len(comp.Tables) == 0 {
		return false
	}
	for _, t := range comp.Tables {
		if tv.TableVersion(t) > comp.ExtentsVersion {
			return false
		}
	}
	return true
}
