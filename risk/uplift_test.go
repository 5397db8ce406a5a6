package risk_test

import (
	"context"
	"database/sql"
	"math"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// trueUplift is the demo generator's effect of an action by segment: the
// segment's win-back probability (warehouse/generate_sql.go, segments)
// less the 1/6 of at-risk customers who stay without one.
var trueUplift = map[string]float64{
	"高净值": 0.55 - 1.0/6, "大众富裕": 0.45 - 1.0/6, "年轻": 0.22 - 1.0/6,
	"退休": 0.45 - 1.0/6, "普通": 0.33 - 1.0/6, "潜在": 0.22 - 1.0/6,
}

func retention(t *testing.T) (*risk.Retention, *warehouse.DB) {
	t.Helper()
	db := explainBank(t)
	return risk.NewRetention(db, metricstest.DemoEngine(t, db, metrics.EngineConfig{})), db
}

func TestUpliftFindsThePerSegmentEffect(t *testing.T) {
	ret, _ := retention(t)
	v, err := ret.Uplift(context.Background(), risk.UpliftRequest{By: []string{"segment"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !v.StandIn {
		t.Fatal("the demo bank has no scores table, so the stand-in flag must be used")
	}
	bySeg := map[string]risk.UpliftGroup{}
	for _, g := range v.Groups {
		bySeg[g.Key["segment"]] = g
		t.Logf("%s: treated %d (%.3f) untreated %d (%.3f) uplift %.3f [%.3f, %.3f] %s", g.Key["segment"], g.Treated, g.TreatedRetention,
			g.Untreated, g.UntreatedRetention, g.Uplift, g.UpliftLow, g.UpliftHigh, g.Note)
	}
	if len(bySeg) != len(trueUplift) {
		t.Fatalf("got %d segments, want %d", len(bySeg), len(trueUplift))
	}
	for seg, want := range trueUplift {
		g := bySeg[seg]
		if !g.Conclusive {
			if g.Treated >= risk.MinUpliftN && g.Untreated >= risk.MinUpliftN {
				t.Errorf("%s: %d and %d customers, but not conclusive", seg, g.Treated, g.Untreated)
			}
			continue
		}
		if want < g.UpliftLow || want > g.UpliftHigh {
			t.Errorf("%s: interval [%.3f, %.3f] misses the true effect %.3f", seg, g.UpliftLow, g.UpliftHigh, want)
		}
	}
	// Strong segments work beyond doubt; the weak ones' estimate is below
	// the strong ones' interval.
	for _, strong := range []string{"大众富裕", "退休"} {
		s := bySeg[strong]
		if !s.Conclusive || s.UpliftLow <= 0 || s.CostPerCustomerKept == nil || s.CostPer10kAUMKept == nil {
			t.Errorf("%s: got %+v, want a conclusive positive uplift with its costs", strong, s)
		}
		for _, weak := range []string{"年轻", "潜在"} {
			if w := bySeg[weak]; w.Uplift >= s.UpliftLow {
				t.Errorf("%s's uplift %.3f is not below %s's interval [%.3f, %.3f]", weak, w.Uplift, strong, s.UpliftLow, s.UpliftHigh)
			}
		}
	}
	t.Logf("total: treated %d, untreated %d, uplift %.3f [%.3f, %.3f]", v.Total.Treated, v.Total.Untreated, v.Total.Uplift, v.Total.UpliftLow, v.Total.UpliftHigh)
	if tot := v.Total; tot.UpliftLow <= 0 || tot.Treated == 0 {
		t.Errorf("total: got %+v, want a positive uplift", tot)
	}
}

// handTreated counts, by independent SQL, the treated customers the view
// compares: an action in a month when the customer's month-end balance was
// at most 80% of two months before but not so the month before, outcome
// known by the as-of date.
func handTreated(t *testing.T, db *warehouse.DB, segment string) (n, kept, cost float64) {
	t.Helper()
	r := warehousetest.Rows(t, db, `
		WITH a AS (SELECT customer_id, date_trunc('month', action_date)::DATE AS month, min(action_date) AS day, sum(cost) AS cost
			FROM retention_actions GROUP BY ALL)
		SELECT count(*), count(*) FILTER (c.close_date IS NULL OR c.close_date > a.day + 90), sum(a.cost)
		FROM a
		JOIN customer_months now ON now.customer_id = a.customer_id AND now.month = a.month
		JOIN customer_months before ON before.customer_id = a.customer_id AND before.month = a.month - INTERVAL 2 MONTH
		JOIN customers c ON c.customer_id = a.customer_id
		LEFT JOIN customer_months prev ON prev.customer_id = a.customer_id AND prev.month = a.month - INTERVAL 1 MONTH
		LEFT JOIN customer_months prev3 ON prev3.customer_id = a.customer_id AND prev3.month = a.month - INTERVAL 3 MONTH
		WHERE NOT now.churned AND before.balance > 0 AND now.balance <= 0.8 * before.balance
			AND NOT coalesce(NOT prev.churned AND prev3.balance > 0 AND prev.balance <= 0.8 * prev3.balance, false)
			AND a.day + 90 <= $2::DATE AND now.segment = $1`, segment, warehousetest.AsOf.Format("2006-01-02"))
	return r[0][0].(float64), r[0][1].(float64), r[0][2].(float64)
}

func TestUpliftTreatedMatchHandSQL(t *testing.T) {
	ret, db := retention(t)
	v, err := ret.Uplift(context.Background(), risk.UpliftRequest{By: []string{"segment"}, Language: "en"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range v.Groups {
		n, kept, cost := handTreated(t, db, g.Key["segment"])
		if float64(g.Treated+g.Unmatched) != n || math.Abs(g.TreatedRetention*float64(g.Treated)-kept) > 1e-9 && g.Unmatched == 0 {
			t.Errorf("%s: got %d treated (+%d unmatched), %.0f kept; hand SQL %v, %v", g.Key["segment"], g.Treated, g.Unmatched, g.TreatedRetention*float64(g.Treated), n, kept)
		}
		if g.Unmatched == 0 && math.Abs(g.Cost-cost) > 1e-6 {
			t.Errorf("%s: got cost %v, hand SQL %v", g.Key["segment"], g.Cost, cost)
		}
	}
}

func TestUpliftWithNoEffectCoversZero(t *testing.T) {
	ret, db := retention(t)
	ctx := context.Background()
	// Replace the actions by placebo ones: a quarter of the flagged
	// customer-months, picked by a hash, so treatment has no effect.
	placebo := `ALTER TABLE retention_actions RENAME TO retention_actions_real;
		CREATE TABLE retention_actions AS
		SELECT now.customer_id, now.month + 14 AS action_date, '客户经理回访' AS action_type, 100.0 AS cost
		FROM customer_months now JOIN customer_months before
			ON before.customer_id = now.customer_id AND before.month = now.month - INTERVAL 2 MONTH
		WHERE NOT now.churned AND before.balance > 0 AND now.balance <= 0.8 * before.balance
			AND hash(now.customer_id, now.month, 'placebo') % 4 = 0`
	if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, placebo); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		restore := `DROP TABLE retention_actions; ALTER TABLE retention_actions_real RENAME TO retention_actions`
		if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, restore); return err }); err != nil {
			t.Fatal(err)
		}
	})
	v, err := ret.Uplift(ctx, risk.UpliftRequest{By: []string{"segment"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tot := v.Total
	t.Logf("total: treated %d, untreated %d, uplift %.3f [%.3f, %.3f]", tot.Treated, tot.Untreated, tot.Uplift, tot.UpliftLow, tot.UpliftHigh)
	if tot.UpliftLow > 0 || tot.UpliftHigh < 0 || tot.Treated < 500 {
		t.Errorf("total: got uplift %.3f [%.3f, %.3f] over %d treated, want an interval covering 0", tot.Uplift, tot.UpliftLow, tot.UpliftHigh, tot.Treated)
	}
	// Covering 0 proves nothing if the interval is wide: it must be narrow
	// enough to rule out the real actions' effect on the same bank (0.165
	// overall, interval 0.129 to 0.202).
	if tot.UpliftHigh > 0.1 {
		t.Errorf("total: interval [%.3f, %.3f] is too wide to tell no effect from the real one", tot.UpliftLow, tot.UpliftHigh)
	}
	// Six 95% intervals: one may miss 0 by chance (about 3% for two).
	missed := 0
	for _, g := range v.Groups {
		if g.UpliftLow > 0 || g.UpliftHigh < 0 {
			missed++
			t.Logf("%s: [%.3f, %.3f] misses 0", g.Key["segment"], g.UpliftLow, g.UpliftHigh)
		}
	}
	if missed > 1 {
		t.Errorf("%d of %d segment intervals miss 0 with no effect", missed, len(v.Groups))
	}
}

func TestUpliftUsesScoresWhenTheyExist(t *testing.T) {
	ret, db := retention(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	// Scores by a hand rule: high when the balance fell over the month, so
	// every action month has a tier from the month before.
	exec(`CREATE OR REPLACE TABLE risk_scores AS
		SELECT now.month, now.customer_id, CASE WHEN now.balance < 0.9 * before.balance THEN 'high' ELSE 'low' END AS tier
		FROM customer_months now JOIN customer_months before ON before.customer_id = now.customer_id AND before.month = now.month - INTERVAL 1 MONTH
		WHERE NOT now.churned`)
	// The generated bank's empty table comes back for the other tests.
	t.Cleanup(func() { exec(`DROP TABLE IF EXISTS risk_scores;` + warehouse.RiskSchemaSQL) })
	v, err := ret.Uplift(ctx, risk.UpliftRequest{By: []string{"tier"}, Language: "en"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.StandIn || len(v.Groups) == 0 {
		t.Fatalf("got stand_in %v with %d groups, want the scores' tiers", v.StandIn, len(v.Groups))
	}
	// Treated by tier, by hand: an action's month has the score of the month before.
	for _, g := range v.Groups {
		r := warehousetest.Rows(t, db, `
			WITH a AS (SELECT customer_id, date_trunc('month', action_date)::DATE AS month, min(action_date) AS day FROM retention_actions GROUP BY ALL)
			SELECT count(*) FROM a JOIN risk_scores s ON s.customer_id = a.customer_id AND s.month = a.month - INTERVAL 1 MONTH
			JOIN customer_months cm ON cm.customer_id = s.customer_id AND cm.month = s.month
			WHERE s.tier = $1 AND NOT cm.churned AND a.day + 90 <= $2::DATE`, g.Key["tier"], warehousetest.AsOf.Format("2006-01-02"))
		if want := r[0][0].(float64); float64(g.Treated+g.Unmatched) != want {
			t.Errorf("tier %s: got %d treated (+%d unmatched), hand SQL %v", g.Key["tier"], g.Treated, g.Unmatched, want)
		}
	}

	// Scores of the last month alone have no known outcome: the stand-in is used, and said so.
	exec(`DELETE FROM risk_scores WHERE month < (SELECT max(month) FROM risk_scores)`)
	v, err = ret.Uplift(ctx, risk.UpliftRequest{Language: "en"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !v.StandIn || v.Total.Treated == 0 {
		t.Errorf("got stand_in %v, %d treated; want the stand-in flag with a note (%q)", v.StandIn, v.Total.Treated, v.Comparison)
	}
}
