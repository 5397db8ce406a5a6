package clickhouse_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
)

// BenchmarkGovernedQueries times the same governed queries on DuckDB and
// on two ClickHouse shards (uncached, one at a time) and checks that the
// answers are equal. For the closing figures run it on a larger bank:
//
//	BEACON_CH_BENCH_CUSTOMERS=50000 go test -run '^$' -bench Governed -benchtime 15x ./warehouse/clickhouse
func BenchmarkGovernedQueries(b *testing.B) {
	duck, house, _ := engines(b)
	ctx := context.Background()
	monthly := &metrics.TimeSpec{Grain: "month", Range: "last_12_months"}
	quarterly := &metrics.TimeSpec{Grain: "quarter", Start: "2025-01-01", End: "2026-09-30"}
	branch, _ := duck.Catalog().Dimension("branch")
	head := metrics.Scope{"branch": {branch.Values[0].Value}}
	cases := []struct {
		name  string
		q     metrics.Query
		scope metrics.Scope
	}{
		{"churn_rate by segment by month", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"segment"}, Time: monthly}, nil},
		{"churn_rate by branch, no grain, filtered", metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Start: "2025-01-01", End: "2026-09-30"},
			Filters: []metrics.Filter{{Dimension: "segment", Op: "neq", Value: "高净值"}}}, nil},
		{"aum (period end) by region by quarter", metrics.Query{Metrics: []string{"aum"}, Dimensions: []string{"region"}, Time: quarterly}, nil},
		{"aum_growth (period over period) by quarter", metrics.Query{Metrics: []string{"aum_growth"}, Time: quarterly}, nil},
		{"segment_contribution (share) by month", metrics.Query{Metrics: []string{"segment_contribution"}, Dimensions: []string{"segment"}, Time: monthly}, nil},
		{"cumulative churned by region by month", metrics.Query{Metrics: []string{"cumulative_churned_customers"}, Dimensions: []string{"region"}, Time: monthly}, nil},
		{"expected_churn, high_risk_customers by tier (scores)", metrics.Query{Metrics: []string{"expected_churn", "high_risk_customers"}, Dimensions: []string{"risk_tier"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_3_months"}}, nil},
		{"churn_rate, aum by segment for one branch head (scope)", metrics.Query{Metrics: []string{"churn_rate", "aum"}, Dimensions: []string{"segment"}, Time: quarterly}, head},
	}
	for _, c := range cases {
		for _, e := range []struct {
			name   string
			engine *metrics.Engine
		}{{"duckdb", duck}, {"clickhouse-2-shards", house}} {
			b.Run(c.name+"/"+e.name, func(b *testing.B) {
				var times []time.Duration
				for i := 0; i < b.N; i++ {
					start := time.Now()
					if _, err := e.engine.Run(ctx, c.q, c.scope); err != nil {
						b.Fatal(err)
					}
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
		a, err := duck.Run(ctx, c.q, c.scope)
		if err != nil {
			b.Fatal(err)
		}
		h, err := house.Run(ctx, c.q, c.scope)
		if err != nil {
			b.Fatal(err)
		}
		sameResultTB(b, a, h)
	}
}
