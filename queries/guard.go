package queries

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// SQLEngine is what the guard needs from the engine: DuckDB's parser, the
// list of data tables, and a read-only runner.
type SQLEngine interface {
	ParseSQL(ctx context.Context, query string) ([]byte, error)
	DeparseSQL(ctx context.Context, parsed []byte) (string, error)
	TableNames(ctx context.Context) ([]string, error)
	RunSQL(ctx context.Context, query string, maxRows int) (*metrics.Result, error)
	// Timeout is how long a statement may take, checking included.
	Timeout() time.Duration
}

// Guard admits one read-only SELECT over known tables, checked with
// DuckDB's own parser rather than by pattern matching, and runs it with a
// row limit and a timeout on a read-only transaction. What runs is the
// checked parse turned back into SQL, never the text as sent, so the
// check and DuckDB cannot read a statement differently.
//
// At most MaxConcurrentSQL statements run at once, so analysts' ad-hoc
// queries cannot take every connection from the governed metrics.
type Guard struct {
	engine  SQLEngine
	maxRows int
	slots   chan struct{}
}

// MaxConcurrentSQL bounds free-SQL statements running at once.
const MaxConcurrentSQL = 2

// NewGuard returns a guard that returns at most maxRows rows.
func NewGuard(engine SQLEngine, maxRows int) *Guard {
	return &Guard{engine: engine, maxRows: maxRows, slots: make(chan struct{}, MaxConcurrentSQL)}
}

// MaxSQL is the longest statement accepted, in bytes.
const MaxSQL = 20_000

// MaxExpressionDepth bounds how deeply expressions may nest in free SQL
// (a function's argument, an operand, a subquery's expressions all count
// one level). DuckDB's binding cost grows faster than the depth: a 10 KB
// list_value() nested 400 deep pins a core past the query timeout and
// takes ~500 MB, and 1+1+...+1 with 900 terms runs for half a minute,
// while hand-written SQL rarely nests beyond a dozen levels.
const MaxExpressionDepth = 64

// deniedFunctions reach outside the data or into the engine's settings.
var deniedFunctions = []string{"current_setting", "getenv", "read_text", "read_blob", "read_csv", "read_csv_auto", "read_parquet",
	"read_json", "read_json_auto", "read_ndjson", "glob", "query", "query_table", "parquet_scan", "sniff_csv", "load", "install"}

// Run checks and runs a statement.
func (g *Guard) Run(ctx context.Context, query string, limit int) (*metrics.Result, error) {
	// The deadline starts now, so that checking counts against it too.
	ctx, cancel := context.WithTimeout(ctx, g.engine.Timeout())
	defer cancel()
	checked, err := g.check(ctx, query)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > g.maxRows {
		limit = g.maxRows
	}
	select {
	case g.slots <- struct{}{}:
		defer func() { <-g.slots }()
	default:
		return nil, beacon.Errorf(beacon.ECONFLICT, "%d free-SQL statements are already running; try again when one has finished", MaxConcurrentSQL)
	}
	res, err := g.engine.RunSQL(ctx, checked, limit)
	if err != nil {
		return nil, err
	}
	res.SQL = query // the caller's own text, as sent
	return res, nil
}

// Check returns nil when query is a single SELECT over known tables, and
// an error naming the problem otherwise.
func (g *Guard) Check(ctx context.Context, query string) error {
	_, err := g.check(ctx, query)
	return err
}

// check checks query and returns it as DuckDB's deparser writes the
// checked parse.
func (g *Guard) check(ctx context.Context, query string) (string, error) {
	switch {
	case strings.TrimSpace(query) == "":
		return "", beacon.Invalid("sql", nil, "the statement is empty")
	case len(query) > MaxSQL:
		return "", beacon.Invalid("sql", nil, "the statement is %d bytes; the limit is %d", len(query), MaxSQL)
	case !utf8.ValidString(query) || strings.ContainsRune(query, 0):
		return "", beacon.Invalid("sql", nil, "the statement is not valid UTF-8 text")
	}
	raw, err := g.engine.ParseSQL(ctx, query)
	if err != nil {
		return "", stoppedCheck(ctx, err)
	}
	var parsed struct {
		Error        bool              `json:"error"`
		ErrorType    string            `json:"error_type"`
		ErrorMessage string            `json:"error_message"`
		Statements   []json.RawMessage `json:"statements"`
	}
	if err := json.Unmarshal(raw, &parsed); err != nil {
		return "", fmt.Errorf("read parse of sql: %w", err)
	}
	if parsed.Error {
		if strings.Contains(parsed.ErrorMessage, "expression depth limit") {
			// DuckDB's own bound (1,000) is far above ours; its message
			// suggests a SET that free SQL cannot run.
			return "", tooDeep()
		}
		if parsed.ErrorType == "not implemented" {
			return "", beacon.Invalid("sql", nil, "only a single read-only SELECT is allowed")
		}
		return "", beacon.Invalid("sql", nil, "the statement does not parse: %s", parsed.ErrorMessage)
	}
	if len(parsed.Statements) != 1 {
		return "", beacon.Invalid("sql", nil, "send exactly one statement, found %d", len(parsed.Statements))
	}
	var tree any
	if err := json.Unmarshal(parsed.Statements[0], &tree); err != nil {
		return "", fmt.Errorf("read parse of sql: %w", err)
	}
	if nestsDeeper(tree, 0) {
		return "", tooDeep()
	}
	known, err := g.engine.TableNames(ctx)
	if err != nil {
		return "", stoppedCheck(ctx, err)
	}
	if err := checkNode(tree, known, nil); err != nil {
		return "", err
	}
	out, err := g.engine.DeparseSQL(ctx, raw)
	if err != nil {
		return "", stoppedCheck(ctx, err)
	}
	return out, nil
}

// stoppedCheck explains a check that failed because the statement's
// deadline passed or its caller left, instead of reporting an internal error.
func stoppedCheck(ctx context.Context, err error) error {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &beacon.Error{Code: beacon.ETIMEOUT, Message: "the statement's time ran out while it was being checked", Err: err}
	case errors.Is(ctx.Err(), context.Canceled):
		return &beacon.Error{Code: beacon.ECANCELED, Message: "the request was cancelled", Err: err}
	}
	return err
}

// checkNode walks a parse tree, allowing a table name only when it is a
// data table or a CTE visible where it is used. A CTE's own body sees the
// CTEs before it (and itself only when recursive), never later ones, as
// DuckDB resolves any other name to a real table or a file: WITH x AS
// (SELECT * FROM x) reads the table x. Names compare case-insensitively,
// as DuckDB's do.
func checkNode(v any, known []string, ctes []string) error {
	switch x := v.(type) {
	case []any:
		for _, c := range x {
			if err := checkNode(c, known, ctes); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		node := x
		if err := checkRef(node, known, ctes); err != nil {
			return err
		}
		inner := ctes
		if m, ok := node["cte_map"].(map[string]any); ok {
			for _, e := range asList(m["map"]) {
				kv, ok := e.(map[string]any)
				if !ok {
					continue
				}
				name := fmt.Sprint(kv["key"])
				body := kv["value"]
				visible := inner
				if isRecursive(body) {
					visible = append(slices.Clip(inner), name)
				}
				if err := checkNode(body, known, visible); err != nil {
					return err
				}
				inner = append(slices.Clip(inner), name)
			}
		}
		keys := make([]string, 0, len(node))
		for k := range node {
			if k != "cte_map" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys) // the first problem found is the same every time
		for _, k := range keys {
			if err := checkNode(node[k], known, inner); err != nil {
				return err
			}
		}
	}
	return nil
}

// nestsDeeper reports whether expressions in a parse tree nest more than
// MaxExpressionDepth levels, depth being how many expressions enclose v.
// Expressions are the parse's objects with a "class" (FUNCTION, OPERATOR,
// CONSTANT, SUBQUERY, ...); the query nodes between them do not count.
func nestsDeeper(v any, depth int) bool {
	switch x := v.(type) {
	case []any:
		return slices.ContainsFunc(x, func(c any) bool { return nestsDeeper(c, depth) })
	case map[string]any:
		if _, ok := x["class"]; ok {
			depth++
			if depth > MaxExpressionDepth {
				return true
			}
		}
		for _, c := range x {
			if nestsDeeper(c, depth) {
				return true
			}
		}
	}
	return false
}

func tooDeep() error {
	return beacon.Invalid("sql", nil, "expressions nest more than %d levels deep; the limit is %d", MaxExpressionDepth, MaxExpressionDepth)
}

// isRecursive reports whether a CTE body is a recursive CTE.
func isRecursive(body any) bool {
	m, _ := body.(map[string]any)
	q, _ := m["query"].(map[string]any)
	n, _ := q["node"].(map[string]any)
	return n["type"] == "RECURSIVE_CTE_NODE"
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

// checkRef checks one node that may be a table reference or a function.
func checkRef(node map[string]any, known, ctes []string) error {
	switch {
	case node["type"] == "BASE_TABLE":
		name, _ := node["table_name"].(string)
		cat, _ := node["catalog_name"].(string)
		schema, _ := node["schema_name"].(string)
		if cat != "" || (schema != "" && !strings.EqualFold(schema, "main")) {
			return beacon.Invalid("sql", known, "table %s.%s.%s is outside the warehouse", cat, schema, name)
		}
		if !containsFold(known, name) && !(schema == "" && containsFold(ctes, name)) {
			return beacon.Invalid("sql", known, "unknown table %q", clip(name, 80))
		}
	case node["type"] == "TABLE_FUNCTION":
		return beacon.Invalid("sql", known, "table functions are not allowed; select from the warehouse's tables")
	case node["type"] == "SHOW_REF":
		return beacon.Invalid("sql", known, "SHOW and DESCRIBE are not allowed; the tables are listed at /api/v1/tables")
	case node["class"] == "FUNCTION":
		name, _ := node["function_name"].(string)
		if slices.Contains(deniedFunctions, strings.ToLower(name)) || strings.HasPrefix(strings.ToLower(name), "duckdb_") || strings.HasPrefix(strings.ToLower(name), "pragma_") {
			return beacon.Invalid("sql", nil, "function %s is not allowed", name)
		}
		return checkSized(name, node)
	}
	return nil
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
