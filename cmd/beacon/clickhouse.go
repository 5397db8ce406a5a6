package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/clickhouse"
)

// engineFlags choose the engine metric queries, free SQL and ChatBI run
// on: the embedded DuckDB file, or a ClickHouse server or cluster. The
// DuckDB file stays Beacon's own store either way (alerts, images,
// uploads) and the staging area loads are checked in.
type engineFlags struct {
	engine, dsn string
	// Loading only: the shards' DSNs and the cluster name, when the
	// tables are Distributed over shards.
	shards, cluster string
	all             bool
}

func (f *engineFlags) register(fs *flag.FlagSet, loading bool) {
	fs.StringVar(&f.engine, "engine", env("BEACON_ENGINE", "duckdb"), "engine that answers queries: duckdb (the --db file) or clickhouse (--clickhouse-dsn)")
	fs.StringVar(&f.dsn, "clickhouse-dsn", env("BEACON_CLICKHOUSE_DSN", ""), "ClickHouse native-protocol DSN, clickhouse://user:password@host:9000/database (serve: a read-only user; load: a user that may create tables)")
	if loading {
		fs.StringVar(&f.shards, "clickhouse-shards", env("BEACON_CLICKHOUSE_SHARDS", ""), "comma-separated DSNs of the shards: rows go to one shard each (by customer_id), the --clickhouse-dsn database gets Distributed tables over them")
		fs.StringVar(&f.cluster, "clickhouse-cluster", env("BEACON_CLICKHOUSE_CLUSTER", ""), "cluster name in the ClickHouse server's remote_servers, for the Distributed tables")
		fs.BoolVar(&f.all, "all", false, "with --engine clickhouse: copy every data table of the --db file (e.g. a generated demo bank) instead of loading a file")
	}
}

func (f *engineFlags) check() error {
	switch f.engine {
	case "duckdb":
		return nil
	case "clickhouse":
		if f.dsn == "" {
			return fmt.Errorf("--engine clickhouse needs --clickhouse-dsn (or BEACON_CLICKHOUSE_DSN)")
		}
		return nil
	}
	return fmt.Errorf("--engine: %q is not an engine; use duckdb or clickhouse", f.engine)
}

// clickHouseEngine returns the engine over ClickHouse in place of duck
// when --engine is clickhouse: the same model and settings, checked
// against ClickHouse's tables. The returned close releases it.
func (f *engineFlags) clickHouseEngine(ctx context.Context, duck *metrics.Engine, modelPath string, cfg metrics.EngineConfig, log *slog.Logger) (*metrics.Engine, func(), error) {
	if f.engine != "clickhouse" {
		return duck, func() {}, nil
	}
	store, err := clickhouse.Open(ctx, f.dsn)
	if err != nil {
		return nil, nil, err
	}
	m, err := readModel(modelPath)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	cat, err := metrics.NewCatalog(ctx, m, store)
	if err != nil {
		store.Close()
		return nil, nil, fmt.Errorf("model on ClickHouse: %w", err)
	}
	if err := cat.LoadValues(ctx, store); err != nil {
		store.Close()
		return nil, nil, fmt.Errorf("model on ClickHouse: %w", err)
	}
	cfg.Dialect = metrics.ClickHouse{}
	e, err := metrics.NewEngine(store, cat, cfg)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	if store.Settings["readonly"] != "1" {
		log.Warn("the ClickHouse user is not read-only (readonly=1): free SQL is then fenced by Beacon's guard alone; serve with a read-only user", "readonly", store.Settings["readonly"])
	}
	log.Info("metric queries, free SQL and ChatBI answer from ClickHouse, from base tables (rollups are DuckDB-only)", "database", store.Database(),
		"max_execution_time", store.Settings["max_execution_time"], "max_result_rows", store.Settings["max_result_rows"])
	return e, func() { store.Close() }, nil
}

// copyToClickHouse copies tables of the DuckDB file (just loaded and
// checked there, or all of them with --all) to ClickHouse.
func (f *engineFlags) copyToClickHouse(ctx context.Context, db *warehouse.DB, tables []string) error {
	if f.engine != "clickhouse" {
		return nil
	}
	if f.all {
		all, err := db.Tables(ctx)
		if err != nil {
			return err
		}
		tables = nil
		for t := range all {
			if warehouse.ValidTableName(t) == nil {
				tables = append(tables, t)
			}
		}
		slices.Sort(tables)
	}
	target := clickhouse.Target{DSN: f.dsn, Cluster: f.cluster}
	if f.shards != "" {
		target.Shards = strings.Split(f.shards, ",")
	}
	start := time.Now()
	rows, err := clickhouse.Copy(ctx, db, tables, target)
	if err != nil {
		return fmt.Errorf("load into ClickHouse: %w", err)
	}
	for _, t := range tables {
		fmt.Fprintf(os.Stderr, "copied %d rows of %s to ClickHouse\n", rows[t], t)
	}
	fmt.Fprintf(os.Stderr, "ClickHouse load took %s; restart serve (or wait for its next start) so that cached answers are dropped\n", time.Since(start).Round(time.Millisecond))
	return nil
}
