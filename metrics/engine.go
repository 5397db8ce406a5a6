package metrics

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/warehouse"
)

// Engine answers metric queries: it compiles them against the catalog,
// runs them on the warehouse's read pool with a timeout, and caches results
// keyed by the compiled SQL, its parameters and the data version.
type Engine struct {
	db      Store
	dialect Dialect
	catalog atomic.Pointer[Catalog]
	now     func() time.Time
	limits  Limits
	timeout time.Duration
	cache   *lru.Cache[string, *Result]
	// plans are compiled queries by query and everything compiling
	// reads (compile_cache.go).
	plans  *lru.Cache[string, planEntry]
	flight flight
	// budget is the result budget in bytes of JSON (see limits.go).
	budget int
	// overdue counts statements answered at their deadline that DuckDB
	// has not yet stopped.
	overdue atomic.Int64
	memory  memoryReturn
	// rollups are the built, current rollups queries may be routed to
	// (rollup_engine.go); nil routes everything to base tables.
	rollups atomic.Pointer[RollupAvailability]
	gate    Gate
}

// EngineConfig configures an Engine; zero fields take defaults.
type EngineConfig struct {
	Dialect      Dialect
	Now          func() time.Time
	Limits       Limits
	QueryTimeout time.Duration
	// CacheEntries bounds the result cache; negative turns caching off.
	CacheEntries int
	// ResultBytes is the result budget: the JSON one answer may hold
	// (default DefaultResultBytes). Queries estimated over it are refused
	// before they run; others are stopped once their rows pass it.
	ResultBytes int
	// Gate, when set, may refuse a query by the tables it reads and its
	// window (see Gate).
	Gate Gate
}

// NewEngine returns an engine over db and catalog.
func NewEngine(db Store, catalog *Catalog, cfg EngineConfig) (*Engine, error) {
	if cfg.Dialect == nil {
		cfg.Dialect = dialectOf(db) // a store on another engine names its dialect
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	if cfg.QueryTimeout == 0 {
		cfg.QueryTimeout = 30 * time.Second
	}
	if cfg.CacheEntries == 0 {
		cfg.CacheEntries = 2048
	}
	if cfg.ResultBytes <= 0 {
		cfg.ResultBytes = DefaultResultBytes
	}
	e := &Engine{db: db, dialect: cfg.Dialect, now: cfg.Now, limits: cfg.Limits, timeout: cfg.QueryTimeout, budget: cfg.ResultBytes, plans: newPlanCache(), gate: cfg.Gate}
	if cfg.CacheEntries > 0 {
		cache, err := lru.New[string, *Result](cfg.CacheEntries)
		if err != nil {
			return nil, fmt.Errorf("result cache: %w", err)
		}
		e.cache = cache
	}
	e.catalog.Store(catalog)
	return e, nil
}

// Catalog is the catalog in use.
func (e *Engine) Catalog() *Catalog { return e.catalog.Load() }

// SetCatalog swaps the catalog (after a model reload) and drops the cache.
func (e *Engine) SetCatalog(c *Catalog) {
	e.catalog.Store(c)
	e.rollups.Store(nil) // the new model's rollups are checked anew
	e.plans.Purge()
	if e.cache != nil {
		e.cache.Purge()
	}
}

// Timeout is how long one statement may run.
func (e *Engine) Timeout() time.Duration { return e.timeout }

// Limits are the engine's query bounds.
func (e *Engine) Limits() Limits { return e.limits }

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

// Compile compiles q for the caller's scope without running it.
func (e *Engine) Compile(q Query, scope Scope) (*Compiled, error) {
	return e.compileRouted(e.Catalog(), q, e.queryNow(q), scope, e.rollups.Load(), false)
}

// Run answers q for a caller with the given row scope.
func (e *Engine) Run(ctx context.Context, q Query, scope Scope) (*Result, error) {
	start := time.Now()
	cat := e.Catalog()
	now := e.queryNow(q)  // a model's as_of fixes "today" for its data
	e.currentExtents(ctx) // period-end buckets are named from the extents of this data version
	avail := e.rollups.Load()
	comp, err := e.compileRouted(cat, q, now, scope, avail, false)
	if err != nil {
		return nil, err
	}
	if est := cat.estimateBytes(comp); est > e.budget {
		return nil, budgetError("limit", fmt.Sprintf("this query can return up to %d rows of %d columns, about %s of JSON: ask for fewer metrics, dimensions or periods, or set a smaller limit",
			comp.EstimatedRows, len(comp.Columns), mb(est)), e.budget)
	}
	if err := e.gateQuery(ctx, cat, q, comp); err != nil {
		return nil, err
	}
	cov := e.coverageOf(ctx, cat, q, comp, now)
	if err := cov.outside(); err != nil {
		return nil, err
	}
	res, cached, err := e.executeExact(ctx, comp, func() (*Compiled, error) {
		return cat.compileFromData(e.dialect, q, now, scope, e.limits, false)
	})
	if err != nil {
		return nil, err
	}
	out := *res
	// A cached result may come from an equal query written differently
	// (last_month and 2026-10, another zone): echo this request's own reading.
	out.Time, out.Columns = comp.Time, comp.Columns
	out.Query = &q
	out.Cached = cached
	out.Definitions = cat.definitionsOf(comp.Definitions)
	out.Partial = cov.partial(&out)
	out.ServedFrom, out.Rollups, out.Tables = comp.ServedFrom, comp.Rollups, e.tableStatuses(ctx, comp)
	if q.Totals {
		tc, err := e.compileRouted(cat, q, now, scope, avail, true)
		if err != nil {
			return nil, fmt.Errorf("compile totals: %w", err)
		}
		tot, _, err := e.executeExact(ctx, tc, func() (*Compiled, error) {
			return cat.compileFromData(e.dialect, q, now, scope, e.limits, true)
		})
		if err != nil {
			return nil, err
		}
		out.Totals = map[string]any{}
		if len(tot.Rows) == 1 {
			for j, c := range tot.Columns {
				out.Totals[c.Name] = tot.Rows[0][j]
			}
		}
	}
	out.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return &out, nil
}

// execute runs compiled SQL through the cache; identical concurrent
// queries share one execution.
func (e *Engine) execute(ctx context.Context, comp *Compiled) (*Result, bool, error) {
	version, data := e.db.Version(), e.dataKey(comp)
	key := cacheKey(e.dialect.Name(), comp, data)
	if e.cache != nil {
		if r, ok := e.cache.Get(key); ok {
			return r, true, nil
		}
	}
	r, err := e.flight.do(ctx, key, func(ctx context.Context) (*Result, error) {
		r, err := e.query(ctx, comp)
		if err != nil {
			return nil, err
		}
		r.DataVersion, r.reads = version, comp.Tables
		// A load that finished meanwhile makes this result stale: do not keep it.
		if e.cache != nil && e.dataKey(comp) == data {
			e.cache.Add(key, r)
		}
		return r, nil
	})
	if err != nil {
		if be := e.stopped(ctx, err); be != nil {
			return nil, false, be
		}
		return nil, false, err
	}
	return r, false, nil
}

func cacheKey(dialect string, comp *Compiled, data string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%s", dialect, data, comp.SQL)
	for _, a := range comp.Args {
		// Length-prefixed, so no value can be spelled to look like two.
		v := fmt.Sprint(a)
		fmt.Fprintf(&b, "\x00%T:%d:%s", a, len(v), v)
	}
	return b.String()
}

func (e *Engine) query(ctx context.Context, comp *Compiled) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	res := &Result{Time: comp.Time, Columns: comp.Columns, SQL: comp.SQL, Params: comp.Args, Dialect: e.dialect.Name()}
	over := func(n int) error {
		return budgetError("limit", fmt.Sprintf("the result passed %s after %d rows: ask for fewer metrics, dimensions or periods, or set a smaller limit", mb(n), len(res.Rows)), e.budget)
	}
	err := e.bounded(ctx, func(ctx context.Context) (int, error) {
		size := 0
		// Compiled SQL is one SELECT, asked again and again: kept
		// prepared per read connection, it skips DuckDB's planning, and
		// once checked it runs without the read-only transaction's two
		// statements around it.
		err := readSelect(ctx, e.db, comp.SQL, comp.Args, func(rows *sql.Rows) error {
			var err error
			size, err = scanRows(rows, res, comp.Limit, e.budget, over)
			return err
		})
		return size, err
	})
	var tooLarge *beacon.Error
	if errors.As(err, &tooLarge) && tooLarge.Code == beacon.ETOOLARGE {
		return nil, tooLarge
	}
	if err != nil {
		if be := e.stopped(ctx, err); be != nil {
			return nil, be
		}
		if be := outOfMemory("", err); be != nil {
			return nil, be
		}
		return nil, fmt.Errorf("run metric query: %w", err)
	}
	return res, nil
}

// admit refuses new free-SQL statements while a stopped one is still
// ending, so that runaway statements cannot pile up and take the read
// pool from governed queries (whose compiled SQL stops at interrupts).
func (e *Engine) admit() error {
	switch n := e.overdue.Load(); {
	case n == 1 && n >= MaxOverdue:
		return &beacon.Error{Code: beacon.EBUSY, Message: "a statement stopped at its deadline is still ending; try again in a few seconds"}
	case n >= MaxOverdue:
		return &beacon.Error{Code: beacon.EBUSY, Message: fmt.Sprintf("%d statements stopped at their deadline are still ending; try again in a few seconds", n)}
	}
	return nil
}

// Overdue is how many statements answered at their deadline are still
// being stopped by DuckDB.
func (e *Engine) Overdue() int { return int(e.overdue.Load()) }

// bounded runs fn, which executes one statement, and returns by ctx's
// deadline plus stopGrace at the latest. The driver interrupts DuckDB
// when ctx ends and repeats the interrupt until the call returns, but
// DuckDB checks for interrupts only between chunks of work: a single
// function call that builds a huge value (a planner's constant folding
// of range(1e9), a repeat of a billion characters) runs to its end. Such
// a statement is answered with a timeout here and left to finish on its
// own, counted in overdue, holding its connection.
//
// fn returns the bytes of result it held, so that memory is handed back
// after large answers.
func (e *Engine) bounded(ctx context.Context, fn func(ctx context.Context) (int, error)) error {
	type outcome struct {
		size int
		err  error
	}
	done := make(chan outcome, 1)
	go func() {
		n, err := fn(ctx)
		done <- outcome{n, err}
	}()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		grace := time.NewTimer(stopGrace)
		defer grace.Stop()
		select {
		case o = <-done:
		case <-grace.C:
			e.overdue.Add(1)
			go func() {
				late := <-done
				e.overdue.Add(-1)
				e.memory.after(late.size, true)
			}()
			return fmt.Errorf("statement still running %s after its deadline: %w", stopGrace, ctx.Err())
		}
	}
	e.memory.after(o.size, o.err != nil && ctx.Err() != nil)
	return o.err
}

// stopped explains an error caused by the query's context ending.
func (e *Engine) stopped(ctx context.Context, err error) *beacon.Error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &beacon.Error{Code: beacon.ETIMEOUT, Message: fmt.Sprintf("the query ran longer than %s and was stopped", e.timeout), Err: err}
	case errors.Is(ctx.Err(), context.Canceled):
		return &beacon.Error{Code: beacon.ECANCELED, Message: "the request was cancelled", Err: err}
	}
	return nil
}

// scanRows reads up to limit rows into res, converting each value for
// JSON by its column's type, and marks res truncated when more remain. It
// counts the JSON the rows will take as it reads, and stops with over's
// error once they pass budget bytes, before the rest is fetched. It
// returns the bytes counted.
func scanRows(rows *sql.Rows, res *Result, limit, budget int, over func(n int) error) (int, error) {
	n := len(res.Columns)
	kinds := cellKinds(rows, res.Columns)
	res.Rows = [][]any{}
	perRow := rowOverhead(res.Columns)
	size := 0
	for rows.Next() {
		if len(res.Rows) == limit {
			res.Truncated = true
			break
		}
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return size, err
		}
		size += perRow
		for i := range vals {
			size += jsonBytes(vals[i])
			vals[i] = cell(vals[i], kinds[i])
		}
		if size > budget {
			return size, over(budget)
		}
		res.Rows = append(res.Rows, vals)
	}
	return size, rows.Err()
}

// ParseSQL returns DuckDB's parse of a SELECT as JSON, for the SQL guard.
func (e *Engine) ParseSQL(ctx context.Context, query string) ([]byte, error) {
	return e.db.ParseSQL(ctx, query)
}

// DeparseSQL turns the parse ParseSQL returned back into SQL text, so
// that what runs is exactly what the guard checked.
func (e *Engine) DeparseSQL(ctx context.Context, parsed []byte) (string, error) {
	return e.db.DeparseSQL(ctx, parsed)
}

// TableNames lists the warehouse's data tables (not Beacon's own).
func (e *Engine) TableNames(ctx context.Context) ([]string, error) {
	tables, err := e.db.Tables(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for t := range tables {
		if warehouse.ValidTableName(t) == nil {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

// RunSQL runs a statement the SQL guard has approved, read-only, within
// the query timeout, returning at most maxRows rows. The limit is put
// into the statement itself (it is wrapped as a subquery), so DuckDB stops
// producing rows after maxRows+1 instead of building the whole result.
func (e *Engine) RunSQL(ctx context.Context, query string, maxRows int) (*Result, error) {
	if err := e.admit(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	start := time.Now()
	res := &Result{SQL: query, Dialect: e.dialect.Name(), DataVersion: e.db.Version(), Params: []any{}, Rows: [][]any{}}
	over := func(n int) error {
		return budgetError("sql", fmt.Sprintf("the result passed %s after %d rows: select fewer rows or columns", mb(n), len(res.Rows)), e.budget)
	}
	err := e.bounded(ctx, func(ctx context.Context) (int, error) {
		size := 0
		err := e.db.Read(ctx, func(conn *sql.Conn) error {
			rows, err := conn.QueryContext(ctx, LimitSQL(query, maxRows+1))
			if err != nil {
				return err
			}
			defer rows.Close()
			types, err := rows.ColumnTypes()
			if err != nil {
				return err
			}
			for _, t := range types {
				res.Columns = append(res.Columns, Column{Name: t.Name(), Type: columnKind(e.dialect.TypeName(t.DatabaseTypeName())), Role: "value"})
			}
			size, err = scanRows(rows, res, maxRows, e.budget, over)
			return err
		})
		return size, err
	})
	var tooLarge *beacon.Error
	if errors.As(err, &tooLarge) && tooLarge.Code == beacon.ETOOLARGE {
		return nil, tooLarge
	}
	if err != nil {
		if be := e.stopped(ctx, err); be != nil {
			return nil, be
		}
		if be := outOfMemory("sql", err); be != nil {
			return nil, be
		}
		// DuckDB's binder and runtime errors are about the statement the client wrote.
		return nil, &beacon.Error{Code: beacon.EINVALID, Field: "sql", Message: firstLine(err.Error()), Err: err}
	}
	res.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}

// LimitSQL wraps a single SELECT so that DuckDB returns at most n rows.
// The statement sits on lines of its own, so a trailing comment cannot
// swallow the limit.
func LimitSQL(query string, n int) string {
	return fmt.Sprintf("SELECT * FROM (\n%s\n) AS beacon_sql LIMIT %d", query, n)
}

// outOfMemory explains DuckDB refusing a statement at its memory limit.
func outOfMemory(field string, err error) *beacon.Error {
	var de *duckdb.Error
	if errors.As(err, &de) && de.Type == duckdb.ErrorTypeOutOfMemory {
		return &beacon.Error{Code: beacon.ETOOLARGE, Field: field,
			Message: "the statement needs more memory than the memory limit allows (--memory-limit): " + firstLine(strings.TrimPrefix(de.Msg, "Out of Memory Error: ")), Err: err}
	}
	return nil
}
