package clickhouse

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"math/big"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
)

// Target is where tables are loaded: one server, or shards behind
// Distributed tables.
type Target struct {
	// DSN names the server and database that Beacon queries, with a user
	// that may create tables (not the read-only user Beacon serves with).
	DSN string
	// Shards, when set, are the DSNs of the shard servers. Each row goes
	// to one shard (by customer_id where the table has one, so that a
	// customer's rows stay together), into a MergeTree table of the same
	// name in database LocalDB; DSN's database gets a Distributed table
	// over Cluster reading them all.
	Shards []string
	// Cluster is the cluster name of remote_servers in the query server's
	// configuration; LocalDB defaults to the query database + "_local".
	Cluster string
	LocalDB string
}

// batchRows is how many rows one INSERT block carries.
const batchRows = 50_000

// Copy copies tables from DuckDB into the target, replacing tables of the
// same names, and returns the rows copied per table. Columns are Nullable
// (as DuckDB's are); BOOLEAN becomes UInt8 and DECIMAL becomes Float64.
// A table is replaced by dropping and creating it: readers see it missing
// or partly loaded meanwhile, so load before serving or between queries.
func Copy(ctx context.Context, src *warehouse.DB, tables []string, t Target) (map[string]int64, error) {
	query, err := openAdmin(t.DSN)
	if err != nil {
		return nil, err
	}
	defer query.db.Close()
	shards := []*admin{query}
	if len(t.Shards) > 0 {
		if t.Cluster == "" {
			return nil, fmt.Errorf("clickhouse: shards need the cluster name of remote_servers (--clickhouse-cluster)")
		}
		if t.LocalDB == "" {
			t.LocalDB = query.database + "_local"
		}
		shards = nil
		for _, dsn := range t.Shards {
			a, err := openAdmin(dsn)
			if err != nil {
				return nil, err
			}
			defer a.db.Close()
			shards = append(shards, a)
		}
	}
	cols, err := src.Tables(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, name := range tables {
		c, ok := cols[name]
		if !ok {
			return nil, fmt.Errorf("copy %s: no such table in the DuckDB file", name)
		}
		n, err := copyTable(ctx, src, name, c, query, shards, t)
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", name, err)
		}
		out[name] = n
	}
	return out, nil
}

type admin struct {
	db       *sql.DB
	database string
}

func openAdmin(dsn string) (*admin, error) {
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("clickhouse dsn: %w", err)
	}
	if opts.Auth.Database == "" {
		opts.Auth.Database = "default"
	}
	opts.DialTimeout = 5 * time.Second
	return &admin{db: ch.OpenDB(opts), database: opts.Auth.Database}, nil
}

// columnType is the ClickHouse type a DuckDB column is loaded as.
func columnType(duck string) (string, error) {
	t := strings.ToUpper(duck)
	switch {
	case strings.HasPrefix(t, "DECIMAL"), t == "DOUBLE", t == "HUGEINT":
		return "Float64", nil
	case t == "TIMESTAMP WITH TIME ZONE" || t == "TIMESTAMPTZ":
		return "DateTime('UTC')", nil
	case strings.HasPrefix(t, "TIMESTAMP"):
		return "DateTime", nil
	}
	if c, ok := map[string]string{
		"BOOLEAN": "UInt8", "TINYINT": "Int8", "SMALLINT": "Int16", "INTEGER": "Int32", "BIGINT": "Int64",
		"UTINYINT": "UInt16", "USMALLINT": "UInt16", "UINTEGER": "UInt32", "UBIGINT": "UInt64",
		"FLOAT": "Float32", "VARCHAR": "String", "DATE": "Date", "UUID": "UUID",
	}[t]; ok {
		return c, nil
	}
	return "", fmt.Errorf("type %s has no ClickHouse column type here", duck)
}

// value converts a value scanned from DuckDB for a column of type chType.
func value(v any, chType string) any {
	switch x := v.(type) {
	case nil:
		return nil
	case bool:
		if x {
			return uint8(1)
		}
		return uint8(0)
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case duckdb.Decimal:
		return x.Float64()
	case uint8:
		if chType == "UInt16" {
			return uint16(x)
		}
	}
	return v
}

func copyTable(ctx context.Context, src *warehouse.DB, name string, cols []warehouse.Column, query *admin, shards []*admin, t Target) (int64, error) {
	q := metrics.ClickHouse{}.Quote
	var defs, names, types []string
	shardBy := -1
	for i, c := range cols {
		typ, err := columnType(c.Type)
		if err != nil {
			return 0, fmt.Errorf("column %s: %w", c.Name, err)
		}
		types = append(types, typ)
		defs = append(defs, q(c.Name)+" Nullable("+typ+")")
		names = append(names, q(c.Name))
		if c.Name == "customer_id" {
			shardBy = i
		}
	}
	schema := "(" + strings.Join(defs, ", ") + ")"
	localDB := query.database
	if len(t.Shards) > 0 {
		localDB = t.LocalDB
	}
	for _, s := range shards {
		stmts := []string{
			"CREATE DATABASE IF NOT EXISTS " + q(localDB),
			"DROP TABLE IF EXISTS " + q(localDB) + "." + q(name),
			"CREATE TABLE " + q(localDB) + "." + q(name) + " " + schema + " ENGINE = MergeTree() ORDER BY tuple()",
		}
		for _, st := range stmts {
			if _, err := s.db.ExecContext(ctx, st); err != nil {
				return 0, fmt.Errorf("%s: %w", st, err)
			}
		}
	}
	if len(t.Shards) > 0 {
		for _, st := range []string{
			"CREATE DATABASE IF NOT EXISTS " + q(query.database),
			"DROP TABLE IF EXISTS " + q(query.database) + "." + q(name),
			fmt.Sprintf("CREATE TABLE %s.%s %s ENGINE = Distributed(%s, %s, %s)", q(query.database), q(name), schema, q(t.Cluster), q(localDB), q(name)),
		} {
			if _, err := query.db.ExecContext(ctx, st); err != nil {
				return 0, fmt.Errorf("%s: %w", st, err)
			}
		}
	}

	var total int64
	err := src.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, "SELECT * FROM "+warehouse.QuoteIdent(name))
		if err != nil {
			return err
		}
		defer rows.Close()
		batches := make([][][]any, len(shards))
		flush := func(i int) error {
			if len(batches[i]) == 0 {
				return nil
			}
			err := insert(ctx, shards[i].db, "INSERT INTO "+q(localDB)+"."+q(name)+" ("+strings.Join(names, ", ")+")", batches[i])
			batches[i] = batches[i][:0]
			return err
		}
		var row int64
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			key := fmt.Sprint(row)
			if shardBy >= 0 {
				key = fmt.Sprint(vals[shardBy])
			}
			for i := range vals {
				vals[i] = value(vals[i], types[i])
			}
			s := shardOf(key, len(shards))
			batches[s] = append(batches[s], vals)
			if len(batches[s]) == batchRows {
				if err := flush(s); err != nil {
					return err
				}
			}
			row++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range shards {
			if err := flush(i); err != nil {
				return err
			}
		}
		total = row
		return nil
	})
	return total, err
}

// shardOf picks the shard of a row by its key.
func shardOf(key string, n int) int {
	if n == 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// insert sends rows as one block.
func insert(ctx context.Context, db *sql.DB, stmt string, rows [][]any) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, stmt)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, r := range rows {
		if _, err := ins.ExecContext(ctx, r...); err != nil {
			return err
		}
	}
	return tx.Commit()
}
