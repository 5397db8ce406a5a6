package risk_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// The explain and retention tests share one demo bank, generated on first
// use: 15,000 customers over 24 months (without the transactions table,
// which they do not read), enough for the uplift of most segments to be
// concluded. Tests that change it restore it.
var (
	explainBankOnce sync.Once
	explainBankDB   *warehouse.DB
	explainBankErr  error
)

func explainBank(t *testing.T) *warehouse.DB {
	t.Helper()
	explainBankOnce.Do(func() {
		ctx := context.Background()
		explainBankDB, explainBankErr = warehouse.Open(ctx, "", warehouse.Options{})
		if explainBankErr != nil {
			return
		}
		_, explainBankErr = warehouse.Generate(ctx, explainBankDB, warehouse.GenerateOptions{Customers: 15_000, Months: 24, Seed: 7, AsOf: warehousetest.AsOf})
	})
	if explainBankErr != nil {
		t.Fatal(explainBankErr)
	}
	return explainBankDB
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestDecomposeRatioByHand(t *testing.T) {
	// Two groups: A's rate doubles at a constant weight; B grows from 50%
	// to 75% of the base at a lower rate. Whole: 0.06 → 0.0475... by hand:
	// baseline (10+2)/(100+100) = 0.06; current (20+3)/(100+300) = 0.0575.
	groups := []risk.GroupFigures{
		{Value: "A", BaselineNum: 10, BaselineDen: 100, CurrentNum: 20, CurrentDen: 100},
		{Value: "B", BaselineNum: 2, BaselineDen: 100, CurrentNum: 3, CurrentDen: 300},
	}
	d, ok := risk.DecomposeRatio(groups)
	if !ok {
		t.Fatal("no decomposition")
	}
	if !near(d.Baseline, 0.06) || !near(d.Current, 0.0575) || !near(d.Change, -0.0025) {
		t.Fatalf("got %v → %v (%v), want 0.06 → 0.0575 (-0.0025)", d.Baseline, d.Current, d.Change)
	}
	byValue := map[string]risk.Driver{}
	for _, dr := range d.Drivers {
		byValue[dr.Value] = dr
	}
	// A: rate (0.2-0.1)*(0.5+0.25)/2 = 0.0375; mix (0.25-0.5)*(0.15-0.05875) = -0.0228125
	// B: rate (0.01-0.02)*(0.5+0.75)/2 = -0.00625; mix (0.75-0.5)*(0.015-0.05875) = -0.0109375
	want := map[string][2]float64{"A": {0.0375, -0.0228125}, "B": {-0.00625, -0.0109375}}
	for v, w := range want {
		dr := byValue[v]
		if !near(*dr.RateEffect, w[0]) || !near(*dr.MixEffect, w[1]) {
			t.Errorf("%s: got rate %v mix %v, want %v %v", v, *dr.RateEffect, *dr.MixEffect, w[0], w[1])
		}
	}
	if d.Drivers[0].Value != "B" {
		t.Errorf("got %s first, want B (the change is a fall; B pulls down most)", d.Drivers[0].Value)
	}
}

func TestDecomposeSumsExactly(t *testing.T) {
	cases := map[string][]risk.GroupFigures{
		"steady groups": {
			{Value: "a", BaselineNum: 7, BaselineDen: 1000, CurrentNum: 19, CurrentDen: 1100},
			{Value: "b", BaselineNum: 30, BaselineDen: 2000, CurrentNum: 22, CurrentDen: 1900},
			{Value: "c", BaselineNum: 1, BaselineDen: 3, CurrentNum: 0, CurrentDen: 5},
		},
		"a group appears and one goes": {
			{Value: "old", BaselineNum: 5, BaselineDen: 50},
			{Value: "new", CurrentNum: 9, CurrentDen: 60},
			{Value: "both", BaselineNum: 3, BaselineDen: 70, CurrentNum: 4, CurrentDen: 80},
		},
		"numerator without denominator": {
			{Value: "joined and left", BaselineNum: 2, CurrentNum: 6},
			{Value: "x", BaselineNum: 3, BaselineDen: 90, CurrentNum: 4, CurrentDen: 95},
		},
	}
	for name, groups := range cases {
		t.Run(name, func(t *testing.T) {
			d, ok := risk.DecomposeRatio(groups)
			if !ok {
				t.Fatal("no decomposition")
			}
			var n0, d0, n1, d1, sum, rate, mix float64
			for _, g := range groups {
				n0, d0, n1, d1 = n0+g.BaselineNum, d0+g.BaselineDen, n1+g.CurrentNum, d1+g.CurrentDen
			}
			for _, dr := range d.Drivers {
				sum += dr.Contribution
				rate += *dr.RateEffect
				mix += *dr.MixEffect
				if !near(dr.Contribution, *dr.RateEffect+*dr.MixEffect) {
					t.Errorf("%s: contribution %v is not rate %v + mix %v", dr.Value, dr.Contribution, *dr.RateEffect, *dr.MixEffect)
				}
			}
			want := n1/d1 - n0/d0
			if math.Abs(sum-want) > 1e-15 || math.Abs(rate+mix-want) > 1e-15 {
				t.Errorf("contributions sum to %v (rate %v + mix %v), want the change %v", sum, rate, mix, want)
			}
		})
	}
}

// groupRates is hand SQL: churned and active-at-start customers per
// segment in one month, optionally only in one region.
func groupChurn(t *testing.T, db *warehouse.DB, month, region string) map[string][2]float64 {
	t.Helper()
	q := `SELECT cm.segment, sum(cm.churned::INT), sum(cm.active_at_start::INT)
		FROM customer_months cm JOIN branches b USING (branch_id)
		WHERE cm.month = $1::DATE AND ($2 = '' OR b.region = $2) GROUP BY 1`
	out := map[string][2]float64{}
	for _, r := range warehousetest.Rows(t, db, q, month, region) {
		out[r[0].(string)] = [2]float64{r[1].(float64), r[2].(float64)}
	}
	return out
}

func TestExplainChurnRateMatchesHandSQL(t *testing.T) {
	db := explainBank(t)
	engine := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	for _, tc := range []struct {
		name   string
		scope  metrics.Scope
		region string
	}{
		{"whole bank", nil, ""},
		{"scoped to East China", metrics.Scope{"region": {"华东"}}, "华东"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment", "channel"}, Current: risk.Period{Range: "2026-10"}}
			e, err := risk.Explain(context.Background(), engine, req, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if e.Baseline.Start != "2026-09-01" || e.Baseline.End != "2026-09-30" {
				t.Errorf("got baseline %+v, want September 2026 (the previous period)", e.Baseline)
			}
			cur, base := groupChurn(t, db, "2026-10-01", tc.region), groupChurn(t, db, "2026-09-01", tc.region)
			var n0, d0, n1, d1 float64
			for _, v := range base {
				n0, d0 = n0+v[0], d0+v[1]
			}
			for _, v := range cur {
				n1, d1 = n1+v[0], d1+v[1]
			}
			if !near(e.BaselineValue, n0/d0) || !near(e.CurrentValue, n1/d1) {
				t.Errorf("got %v → %v, want %v → %v (hand SQL)", e.BaselineValue, e.CurrentValue, n0/d0, n1/d1)
			}
			seg := e.Breakdowns[0]
			if seg.Dimension != "segment" || len(seg.Drivers) != len(cur) {
				t.Fatalf("got %d drivers by %s, want %d segments", len(seg.Drivers), seg.Dimension, len(cur))
			}
			for _, b := range e.Breakdowns {
				sum := 0.0
				for _, dr := range b.Drivers {
					sum += dr.Contribution
				}
				if b.Rest != nil {
					sum += b.Rest.Contribution
				}
				if math.Abs(sum-e.Change) > 1e-12 {
					t.Errorf("by %s: contributions sum to %v, want the change %v", b.Dimension, sum, e.Change)
				}
			}
			for _, dr := range seg.Drivers {
				c, b := cur[dr.Value], base[dr.Value]
				if !near(*dr.Current, c[0]/c[1]) || !near(*dr.Baseline, b[0]/b[1]) {
					t.Errorf("%s: got rate %v → %v, want %v → %v", dr.Value, *dr.Baseline, *dr.Current, b[0]/b[1], c[0]/c[1])
				}
				if !near(*dr.CurrentWeight, c[1]/d1) {
					t.Errorf("%s: got weight %v, want %v", dr.Value, *dr.CurrentWeight, c[1]/d1)
				}
			}
			if e.Drill == nil || e.Drill.Dimension != "channel" || e.Drill.Within.Value != seg.Drivers[0].Value {
				t.Fatalf("got drill %+v, want channel within %s", e.Drill, seg.Drivers[0].Value)
			}
			lead := seg.Drivers[0]
			if !near(e.Drill.Change, *lead.Current-*lead.Baseline) {
				t.Errorf("drill explains %v, want the lead group's change %v", e.Drill.Change, *lead.Current-*lead.Baseline)
			}
			t.Log(e.Narrative)
			if !strings.Contains(e.Narrative, "客户流失率") || !strings.Contains(e.Narrative, "来自") {
				t.Errorf("narrative %q names neither the metric nor a driver", e.Narrative)
			}
		})
	}
}

func TestExplainAdditiveMatchesHandSQL(t *testing.T) {
	db := explainBank(t)
	engine := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	for _, tc := range []struct {
		metric, dim, sql string
	}{
		// net_inflow is derived (deposits - withdrawals) and adds up by group.
		{"net_inflow", "segment", `SELECT segment, sum(deposits) - sum(withdrawals) FROM customer_months
			WHERE month BETWEEN $1::DATE AND $2::DATE GROUP BY 1`},
		// aum is semi-additive: the last month of the quarter.
		{"aum", "channel", `SELECT c.channel, sum(cm.aum) FROM customer_months cm JOIN customers c USING (customer_id)
			WHERE $1::DATE IS NOT NULL AND cm.month = date_trunc('month', $2::DATE) GROUP BY 1`},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			req := risk.ExplainRequest{Metric: tc.metric, Dimensions: []string{tc.dim}, Current: risk.Period{Range: "2026-Q3"},
				Baseline: &risk.Period{Start: "2026-04-01", End: "2026-06-30"}, Language: "en"}
			e, err := risk.Explain(context.Background(), engine, req, nil)
			if err != nil {
				t.Fatal(err)
			}
			hand := func(s, en string) map[string]float64 {
				out := map[string]float64{}
				for _, r := range warehousetest.Rows(t, db, tc.sql, s, en) {
					out[r[0].(string)] = r[1].(float64)
				}
				return out
			}
			cur, base := hand("2026-07-01", "2026-09-30"), hand("2026-04-01", "2026-06-30")
			sum, change := 0.0, 0.0
			for _, dr := range e.Breakdowns[0].Drivers {
				want := cur[dr.Value] - base[dr.Value]
				if math.Abs(dr.Contribution-want) > 1e-6*math.Max(1, math.Abs(want)) {
					t.Errorf("%s: got delta %v, want %v", dr.Value, dr.Contribution, want)
				}
				sum += dr.Contribution
				change += want
			}
			if math.Abs(sum-e.Change) > 1e-9*math.Max(1, math.Abs(e.Change)) || math.Abs(e.Change-change) > 1e-6*math.Max(1, math.Abs(change)) {
				t.Errorf("deltas sum to %v, change %v, hand SQL %v", sum, e.Change, change)
			}
			t.Log(e.Narrative)
			if !strings.Contains(e.Narrative, "of the change came from") {
				t.Errorf("narrative %q does not name a driver", e.Narrative)
			}
		})
	}
}

func TestExplainRefusesBadRequests(t *testing.T) {
	db := explainBank(t)
	engine := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	cur := risk.Period{Range: "last_month"}
	for _, tc := range []struct {
		name  string
		req   risk.ExplainRequest
		field string
	}{
		{"unknown metric", risk.ExplainRequest{Metric: "nope", Dimensions: []string{"segment"}, Current: cur}, "metric"},
		{"no dimension", risk.ExplainRequest{Metric: "churn_rate", Current: cur}, "dimensions"},
		{"unknown dimension", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment", "colour"}, Current: cur}, "dimensions[1]"},
		{"repeated dimension", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment", "segment"}, Current: cur}, "dimensions[1]"},
		{"no period", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment"}}, "current"},
		{"bad range", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment"}, Current: risk.Period{Range: "fortnight"}}, "current.range"},
		{"bad baseline date", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment"}, Current: cur, Baseline: &risk.Period{Start: "2026-02-30", End: "2026-03-31"}}, "baseline.start"},
		{"baseline and compare", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment"}, Current: cur, Baseline: &risk.Period{Range: "2026-01"}, Compare: "previous_period"}, "compare"},
		{"a share metric", risk.ExplainRequest{Metric: "segment_contribution", Dimensions: []string{"segment"}, Current: cur}, "metric"},
		{"a ratio without simple parts", risk.ExplainRequest{Metric: "renewal_rate", Dimensions: []string{"segment"}, Current: cur}, "metric"},
		{"bad language", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment"}, Current: cur, Language: "fr"}, "language"},
		{"bad filter", risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment"}, Current: cur, Filters: []metrics.Filter{{Dimension: "segment", Op: "like", Value: "x"}}}, "filters[0].op"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := risk.Explain(context.Background(), engine, tc.req, nil)
			var be *beacon.Error
			if !errors.As(err, &be) || be.Code != beacon.EINVALID || be.Field != tc.field {
				t.Fatalf("got %v, want an invalid error on %s", err, tc.field)
			}
		})
	}
}

func TestExplainNarrativeShape(t *testing.T) {
	db := explainBank(t)
	engine := metricstest.DemoEngine(t, db, metrics.EngineConfig{})
	e, err := risk.Explain(context.Background(), engine, risk.ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment"},
		Current: risk.Period{Range: "2026-02"}, Baseline: &risk.Period{Range: "2025-11"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(e.Narrative)
	lead := e.Breakdowns[0].Drivers[0]
	verb := "上升"
	if e.Change < 0 {
		verb = "下降"
	}
	want := fmt.Sprintf("客户流失率%s %.1f 个百分点", verb, math.Abs(e.Change)*100)
	if math.Abs(e.Change)*100 < 1 {
		want = fmt.Sprintf("客户流失率%s %.2f 个百分点", verb, math.Abs(e.Change)*100)
	}
	if !strings.HasPrefix(e.Narrative, want) || !strings.Contains(e.Narrative, fmt.Sprintf("%.0f%% 来自%s客群", *lead.Share*100, lead.Value)) {
		t.Errorf("got %q, want it to open with %q and name %s's share", e.Narrative, want, lead.Value)
	}
}
