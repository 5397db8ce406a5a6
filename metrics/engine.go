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

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/warehouse"
)

// Engine answers metric queries: it compiles them against the catalog,
// runs them on the warehouse's read pool with a timeout, and caches results
// keyed by the compiled SQL, its parameters and the data version.
type Engine struct {
	db      *warehouse.DB
	dialect Dialect
	catalog atomic.Pointer[Catalog]
	now     func() time.Time
	limits  Limits
	timeout time.Duration
	cache   *lru.Cache[string, *Result]
	flight  flight
}

// EngineConfig configures an Engine; zero fields take defaults.
type EngineConfig struct {
	Dialect      Dialect
	Now          func() time.Time
	Limits       Limits
	QueryTimeout time.Duration
	// CacheEntries bounds the result cache; negative turns caching off.
	CacheEntries int
}

// NewEngine returns an engine over db and catalog.
func NewEngine(db *warehouse.DB, catalog *Catalog, cfg EngineConfig) (*Engine, error) {
	if cfg.Dialect == nil {
		cfg.Dialect = DuckDB{}
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
	e := &Engine{db: db, dialect: cfg.Dialect, now: cfg.Now, limits: cfg.Limits, timeout: cfg.QueryTimeout}
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
	if e.cache != nil {
		e.cache.Purge()
	}
}

// Limits are the engine's query bounds.
func (e *Engine) Limits() Limits { return e.limits }

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

// Compile compiles q for the caller's scope without running it.
func (e *Engine) Compile(q Query, scope Scope) (*Compiled, error) {
	return e.Catalog().Compile(e.dialect, q, e.queryNow(q), scope, e.limits)
}

// Run answers q for a caller with the given row scope.
func (e *Engine) Run(ctx context.Context, q Query, scope Scope) (*Result, error) {
	start := time.Now()
	cat := e.Catalog()
	now := e.queryNow(q) // a model's as_of fixes "today" for its data
	comp, err := cat.Compile(e.dialect, q, now, scope, e.limits)
	if err != nil {
		return nil, err
	}
	cov := e.coverageOf(ctx, cat, q, comp, now)
	if err := cov.outside(); err != nil {
		return nil, err
	}
	res, cached, err := e.execute(ctx, comp)
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
	if q.Totals {
		tc, err := cat.CompileTotals(e.dialect, q, now, scope, e.limits)
		if err != nil {
			return nil, fmt.Errorf("compile totals: %w", err)
		}
		tot, _, err := e.execute(ctx, tc)
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
	version := e.db.Version()
	key := cacheKey(e.dialect.Name(), comp, version)
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
		r.DataVersion = version
		// A load that finished meanwhile makes this result stale: do not keep it.
		if e.cache != nil && e.db.Version() == version {
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

func cacheKey(dialect string, comp *Compiled, version uint64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%d\x00%s", dialect, version, comp.SQL)
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
	err := e.db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, comp.SQL, comp.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return scanRows(rows, res, comp.Limit, 0)
	})
	if err != nil {
		if be := e.stopped(ctx, err); be != nil {
			return nil, be
		}
		return nil, fmt.Errorf("run metric query: %w", err)
	}
	return res, nil
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

// MaxSQLResultBytes bounds the text a free-SQL result may hold.
const MaxSQLResultBytes = 64 << 20

// valueBytes estimates the memory a value holds, nested lists and structs included.
func valueBytes(v any) int {
	switch x := v.(type) {
	case string:
		return 16 + len(x)
	case []byte:
		return 24 + len(x)
	case []any:
		n := 24
		for _, e := range x {
			n += valueBytes(e)
		}
		return n
	case map[string]any:
		n := 48
		for k, e := range x {
			n += len(k) + valueBytes(e)
		}
		return n
	}
	return 16
}

// scanRows reads up to limit rows into res, converting each value for
// JSON by its column's type, and marks res truncated when more remain.
// With maxBytes > 0 it stops, with an error, once the rows read hold more.
func scanRows(rows *sql.Rows, res *Result, limit, maxBytes int) error {
	n := len(res.Columns)
	kinds := cellKinds(rows, res.Columns)
	res.Rows = [][]any{}
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
			return err
		}
		for i := range vals {
			if maxBytes > 0 {
				size += valueBytes(vals[i])
			}
			vals[i] = cell(vals[i], kinds[i])
		}
		if maxBytes > 0 && size > maxBytes {
			return &beacon.Error{Code: beacon.ETOOLARGE, Field: "sql", Message: fmt.Sprintf("the result holds more than %d MB: select fewer rows or columns", maxBytes>>20)}
		}
		res.Rows = append(res.Rows, vals)
	}
	return rows.Err()
}

// ParseSQL returns DuckDB's parse of a SELECT as JSON, for the SQL guard.
func (e *Engine) ParseSQL(ctx context.Context, query string) ([]byte, error) {
	return e.db.ParseSQL(ctx, query)
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
// the query timeout, returning at most maxRows rows.
func (e *Engine) RunSQL(ctx context.Context, query string, maxRows int) (*Result, error) {
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	start := time.Now()
	res := &Result{SQL: query, Dialect: e.dialect.Name(), DataVersion: e.db.Version(), Params: []any{}, Rows: [][]any{}}
	err := e.db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, query)
		if err != nil {
			return err
		}
		defer rows.Close()
		types, err := rows.ColumnTypes()
		if err != nil {
			return err
		}
		for _, t := range types {
			res.Columns = append(res.Columns, Column{Name: t.Name(), Type: columnKind(t.DatabaseTypeName()), Role: "value"})
		}
		return scanRows(rows, res, maxRows, MaxSQLResultBytes)
	})
	var tooLarge *beacon.Error
	if errors.As(err, &tooLarge) {
		return nil, tooLarge
	}
	if err != nil {
		if be := e.stopped(ctx, err); be != nil {
			return nil, be
		}
		// DuckDB's binder and runtime errors are about the statement the client wrote.
		return nil, &beacon.Error{Code: beacon.EINVALID, Field: "sql", Message: firstLine(err.Error()), Err: err}
	}
	res.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return res, nil
}
