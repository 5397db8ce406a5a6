package warehouse

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// PreparedPerConn bounds how many prepared statements each read
// connection keeps.
const PreparedPerConn = 64

// preparedKey marks a context whose statements may be kept prepared.
type preparedKey struct{}

// Prepared marks ctx so that the statements run with it on a read
// connection are kept prepared on that connection, keyed by their SQL
// text, and only bound and executed when the same text comes again.
// DuckDB spends about as long planning a statement over a small table
// (a rollup) as running it; a repeat skips the planning.
//
// Only compiled, single-statement SQL should run with it: a text of
// several statements would run its leading ones once, when prepared.
func Prepared(ctx context.Context) context.Context {
	return context.WithValue(ctx, preparedKey{}, true)
}

func isPrepared(ctx context.Context) bool {
	v, _ := ctx.Value(preparedKey{}).(bool)
	return v
}

// autocommitKey marks a context whose statement runs outside a
// transaction, only if kept prepared and checked to be a SELECT.
type autocommitKey struct{}

// autocommit marks ctx for ReadSelect's first try: the statement runs
// only if its connection keeps it prepared and checked as a SELECT (see
// cachedStmt.checked); otherwise the query fails with errNotKept before
// DuckDB sees it.
func autocommit(ctx context.Context) context.Context {
	return context.WithValue(Prepared(ctx), autocommitKey{}, true)
}

func isAutocommit(ctx context.Context) bool {
	v, _ := ctx.Value(autocommitKey{}).(bool)
	return v
}

// errNotKept is the answer to an autocommit query whose statement is not
// kept checked on this connection: run it inside a transaction instead.
var errNotKept = errors.New("statement not kept prepared as a checked SELECT")

// stmtConnector opens the read pool's connections, each keeping its own
// prepared statements.
type stmtConnector struct {
	*duckdb.Connector
	db *DB
}

func (c stmtConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	dc, ok := conn.(*duckdb.Conn)
	if !ok {
		return conn, nil
	}
	return &stmtConn{Conn: dc, db: c.db, byText: map[string]*list.Element{}, lru: list.New()}, nil
}

// stmtConn is a DuckDB connection with a bounded cache of prepared
// statements, least recently used dropped first. The cache is emptied
// whenever the data version moved since it was filled: a load, a rollup
// rebuild or a schema change goes through the writer and moves it, so a
// statement is never bound to a table that has been replaced. (DuckDB
// re-binds a prepared statement on its own when the catalog changes; the
// version check keeps the cache from relying on that alone.) database/sql
// uses one connection from one goroutine at a time, so the cache needs no
// lock.
type stmtConn struct {
	*duckdb.Conn
	db      *DB
	version uint64
	byText  map[string]*list.Element
	lru     *list.List
	// readOnly is true between Read's BEGIN TRANSACTION READ ONLY and its
	// ROLLBACK; transactions counts those begun (tests read it).
	readOnly     bool
	transactions int
}

// cachedStmt is one prepared statement; busy while its rows are open, so
// that it is closed only after them when dropped meanwhile.
type cachedStmt struct {
	text    string
	stmt    *duckdb.Stmt
	busy    bool
	dropped bool
	// checked is true when the statement was prepared inside a read-only
	// transaction (so that whatever ran while preparing it could not
	// write) and is a SELECT: it may then run in autocommit.
	checked bool
}

// QueryContext runs query from the cache when ctx is marked Prepared.
func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if !isPrepared(ctx) {
		return c.Conn.QueryContext(ctx, query, args)
	}
	if isAutocommit(ctx) {
		cs := c.kept(query)
		if cs == nil || !cs.checked || c.readOnly {
			return nil, errNotKept
		}
		return c.query(ctx, cs, args)
	}
	cs, err := c.stmt(ctx, query)
	if err != nil || cs == nil {
		if err != nil {
			return nil, err
		}
		return c.Conn.QueryContext(ctx, query, args)
	}
	return c.query(ctx, cs, args)
}

// query runs the kept statement cs.
func (c *stmtConn) query(ctx context.Context, cs *cachedStmt, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		// A statement that failed may be bound to something gone: prepare afresh next time.
		c.drop(cs)
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// ExecContext runs query from the cache when ctx is marked Prepared.
func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !isPrepared(ctx) {
		return c.Conn.ExecContext(ctx, query, args)
	}
	cs, err := c.stmt(ctx, query)
	if err != nil || cs == nil {
		if err != nil {
			return nil, err
		}
		return c.Conn.ExecContext(ctx, query, args)
	}
	res, err := cs.stmt.ExecContext(ctx, args)
	if err != nil {
		c.drop(cs)
	}
	// Read's ROLLBACK ends the transaction whether or not it failed.
	switch query {
	case beginReadOnly:
		c.readOnly = err == nil
		if err == nil {
			c.transactions++
		}
	case endReadOnly:
		c.readOnly = false
	}
	return res, err
}

// stmt is query's prepared statement, prepared now if not kept; nil when
// the kept one is still reading rows (the caller then runs query
// unprepared).
func (c *stmtConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if cs := c.kept(query); cs != nil {
		return cs, nil
	}
	if el, ok := c.byText[query]; ok && el.Value.(*cachedStmt).busy {
		return nil, nil
	}
	st, err := c.Conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ds, ok := st.(*duckdb.Stmt)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("prepare: unexpected statement type %T", st)
	}
	cs := &cachedStmt{text: query, stmt: ds}
	if c.readOnly {
		typ, err := ds.StatementType()
		cs.checked = err == nil && typ == duckdb.STATEMENT_TYPE_SELECT
	}
	c.byText[query] = c.lru.PushFront(cs)
	for c.lru.Len() > PreparedPerConn {
		c.drop(c.lru.Back().Value.(*cachedStmt))
	}
	return cs, nil
}

// kept is query's kept statement when it is not busy reading rows, nil
// otherwise; it first empties the cache if the data version moved.
func (c *stmtConn) kept(query string) *cachedStmt {
	if v := c.db.Version(); v != c.version {
		c.dropAll()
		c.version = v
	}
	el, ok := c.byText[query]
	if !ok || el.Value.(*cachedStmt).busy {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*cachedStmt)
}

// drop removes cs from the cache and closes it, or leaves the closing to
// its rows when they are still open.
func (c *stmtConn) drop(cs *cachedStmt) {
	if el, ok := c.byText[cs.text]; ok && el.Value == cs {
		c.lru.Remove(el)
		delete(c.byText, cs.text)
	}
	if cs.dropped {
		return
	}
	cs.dropped = true
	if !cs.busy {
		cs.stmt.Close()
	}
}

func (c *stmtConn) dropAll() {
	for c.lru.Len() > 0 {
		c.drop(c.lru.Back().Value.(*cachedStmt))
	}
}

// Close closes the kept statements, then the connection.
func (c *stmtConn) Close() error {
	c.dropAll()
	return c.Conn.Close()
}

// cachedRows are the rows of a kept statement: closing them frees the
// statement for its next run.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	if r.cs.dropped {
		err = errors.Join(err, r.cs.stmt.Close())
	}
	return err
}

// The column-type methods database/sql asks the driver's rows for.

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}
