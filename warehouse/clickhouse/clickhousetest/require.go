package clickhousetest

import (
	"context"
	"errors"
	"os"
	"testing"
)

// RequireEnv makes a missing ClickHouse a failure instead of a skip; CI
// sets it, so that the ClickHouse tests never silently skip there.
const RequireEnv = "BEACON_REQUIRE_CLICKHOUSE"

// Check ends tb after Start returned err: a skip naming what to install
// where ClickHouse is missing and RequireEnv is unset, a failure
// otherwise. A nil err passes.
func Check(tb testing.TB, err error) {
	tb.Helper()
	if errors.Is(err, ErrMissing) && os.Getenv(RequireEnv) == "" {
		tb.Skip("clickhouse-server is not installed: the ClickHouse tests skip (make test installs it as root; set " + RequireEnv + "=1 to fail instead)")
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// StartFor starts n shards for one test (see Start), stopped when it
// ends; where ClickHouse is missing the test skips, as Check says.
func StartFor(tb testing.TB, ctx context.Context, n int) *Cluster {
	tb.Helper()
	c, err := Start(ctx, n)
	Check(tb, err)
	tb.Cleanup(c.Stop)
	return c
}
