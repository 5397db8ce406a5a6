// Package clickhousetest starts real ClickHouse servers for tests and
// benchmarks: shards on free loopback ports, each with a temporary config
// and data directory, the first also holding the Distributed tables and a
// read-only user as Beacon serves with.
package clickhousetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// Cluster is a set of running shard servers.
type Cluster struct {
	// Admin is the DSN of the first server's default user, who may create
	// tables; Reader is its read-only user's (readonly=1, with the
	// settings Beacon needs in its profile). Tight is a read-only user
	// whose per-query limits are small enough for a test to pass them:
	// TightSeconds of max_execution_time and TightRows of max_result_rows.
	Admin, Reader, Tight string
	// Shards are the admin DSNs of every shard, the first included.
	Shards []string
	// Name is the cluster's name in remote_servers.
	Name string
	dir  string
	pids []*exec.Cmd
}

// ErrMissing is returned when no clickhouse-server binary is installed.
var ErrMissing = errors.New("clickhouse-server is not installed (Debian: apt-get install clickhouse-server)")

// Binary finds the server binary.
func Binary() (string, error) {
	for _, name := range []string{"clickhouse-server", "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrMissing
}

// Start starts n shard servers in a temporary directory and waits until
// each answers; the database is "beacon" on every one.
func Start(ctx context.Context, n int) (*Cluster, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "beacon-clickhouse-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Name: "beacon_shards", dir: dir}
	ports := make([]int, n)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			c.Stop()
			return nil, err
		}
	}
	var remote strings.Builder
	for _, p := range ports {
		fmt.Fprintf(&remote, "<shard><replica><host>127.0.0.1</host><port>%d</port></replica></shard>", p)
	}
	for i, p := range ports {
		sd := filepath.Join(dir, fmt.Sprint(i))
		if err := os.MkdirAll(sd, 0o755); err != nil {
			c.Stop()
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(sd, "config.xml"), []byte(fmt.Sprintf(configXML, p, sd, sd, sd, sd, sd, c.Name, remote.String())), 0o644); err != nil {
			c.Stop()
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(sd, "users.xml"), []byte(usersXML), 0o644); err != nil {
			c.Stop()
			return nil, err
		}
		log, err := os.Create(filepath.Join(sd, "server.log"))
		if err != nil {
			c.Stop()
			return nil, err
		}
		cmd := exec.Command(bin, "--config-file="+filepath.Join(sd, "config.xml"))
		cmd.Stdout, cmd.Stderr = log, log
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			log.Close()
			c.Stop()
			return nil, fmt.Errorf("start clickhouse-server: %w", err)
		}
		log.Close()
		c.pids = append(c.pids, cmd)
		dsn := fmt.Sprintf("clickhouse://default@127.0.0.1:%d/beacon", p)
		c.Shards = append(c.Shards, dsn)
	}
	c.Admin = c.Shards[0]
	c.Reader = fmt.Sprintf("clickhouse://beacon_reader:reader-password@127.0.0.1:%d/beacon", ports[0])
	c.Tight = fmt.Sprintf("clickhouse://beacon_tight:tight-password@127.0.0.1:%d/beacon", ports[0])
	for i, p := range ports {
		if err := waitReady(ctx, p); err != nil {
			out, _ := os.ReadFile(filepath.Join(dir, fmt.Sprint(i), "server.log"))
			c.Stop()
			return nil, fmt.Errorf("clickhouse shard %d: %w; its log:\n%s", i, err, tail(string(out), 2000))
		}
	}
	return c, nil
}

// Stop stops the servers and removes their data.
func (c *Cluster) Stop() {
	for _, cmd := range c.pids {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_, _ = cmd.Process.Wait()
		}
	}
	c.pids = nil
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady creates the database once the server answers.
func waitReady(ctx context.Context, port int) error {
	deadline := time.Now().Add(40 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		db := ch.OpenDB(&ch.Options{Addr: []string{fmt.Sprintf("127.0.0.1:%d", port)}, DialTimeout: time.Second})
		_, last = db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS beacon")
		db.Close()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("not ready after 40s: %w", last)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Exec runs statements with the admin user of the first server.
func (c *Cluster) Exec(ctx context.Context, stmts ...string) error {
	opts, err := ch.ParseDSN(c.Admin)
	if err != nil {
		return err
	}
	db := ch.OpenDB(opts)
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// Open opens the admin user's pool of the first server.
func (c *Cluster) Open() (*sql.DB, error) {
	opts, err := ch.ParseDSN(c.Admin)
	if err != nil {
		return nil, err
	}
	return ch.OpenDB(opts), nil
}

// configXML is a shard's config: port, paths, the cluster of every shard.
const configXML = `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <tcp_port>%d</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>%s/data/</path>
  <tmp_path>%s/tmp/</tmp_path>
  <user_files_path>%s/user_files/</user_files_path>
  <format_schema_path>%s/format_schemas/</format_schema_path>
  <users_config>%s/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <uncompressed_cache_size>0</uncompressed_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <timezone>UTC</timezone>
  <remote_servers><%s>%s</%[7]s></remote_servers>
</yandex>
`

// The tight user's per-query limits (see usersXML).
const (
	TightSeconds = 1
	TightRows    = 500
)

// usersXML: the default user (loopback only) loads data; beacon_reader is
// the read-only user Beacon serves with: readonly=1, outer joins giving
// NULL (join_use_nulls=1, which the compiled SQL needs), a time limit per
// query and a bound on the rows of any result (thrown, never cut short);
// beacon_tight is the same with small limits (TightSeconds, TightRows).
const usersXML = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>2000000000</max_memory_usage></default>
    <beacon_readonly>
      <readonly>1</readonly>
      <join_use_nulls>1</join_use_nulls>
      <max_execution_time>60</max_execution_time>
      <max_result_rows>10000000</max_result_rows>
      <result_overflow_mode>throw</result_overflow_mode>
      <max_memory_usage>2000000000</max_memory_usage>
    </beacon_readonly>
    <beacon_tight>
      <readonly>1</readonly>
      <join_use_nulls>1</join_use_nulls>
      <max_execution_time>1</max_execution_time>
      <max_result_rows>500</max_result_rows>
      <result_overflow_mode>throw</result_overflow_mode>
      <max_memory_usage>2000000000</max_memory_usage>
    </beacon_tight>
  </profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <beacon_reader><password>reader-password</password><networks><ip>127.0.0.1</ip></networks><profile>beacon_readonly</profile><quota>default</quota></beacon_reader>
    <beacon_tight><password>tight-password</password><networks><ip>127.0.0.1</ip></networks><profile>beacon_tight</profile><quota>default</quota></beacon_tight>
  </users>
  <quotas><default></default></quotas>
</yandex>
`
