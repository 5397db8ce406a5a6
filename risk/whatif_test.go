package risk_test

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"testing"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

func TestWhatIfWithTheStandInMatchesHandSQL(t *testing.T) {
	ret, db := retention(t)
	for _, tc := range []struct {
		segment string
		n       int
	}{{"退休", 20}, {"普通", 100000}} {
		w, err := ret.WhatIf(context.Background(), risk.WhatIfRequest{Segment: tc.segment, TopN: tc.n, ActionType: "利率优惠"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The flagged customers of the last month, largest balance fall first, by hand.
		hand := warehousetest.Rows(t, db, `
			SELECT count(*), sum(aum) FROM (
				SELECT now.aum FROM customer_months now
				JOIN customer_months before ON before.customer_id = now.customer_id AND before.month = now.month - INTERVAL 2 MONTH
				WHERE now.month = (SELECT max(month) FROM customer_months) AND now.segment = $1 AND NOT now.churned
					AND before.balance > 0 AND now.balance <= 0.8 * before.balance
				ORDER BY now.balance / before.balance, now.customer_id LIMIT $2)`, tc.segment, tc.n)[0]
		n, aum := hand[0].(float64), hand[1].(float64)
		if !w.StandIn || float64(w.Candidates) != n || n == 0 {
			t.Fatalf("%s: got %d candidates (stand-in %v), hand SQL %v", tc.segment, w.Candidates, w.StandIn, n)
		}
		// With the stand-in every candidate leaves at the untreated rate, so
		// the customers kept are the measured uplift per candidate.
		if math.Abs(w.CustomersKept-w.Effect.Uplift*n) > 1e-9 || math.Abs(w.AUMKept-w.Effect.Uplift*aum) > 1e-6*aum {
			t.Errorf("%s: kept %v customers and %v AUM, want %v and %v", tc.segment, w.CustomersKept, w.AUMKept, w.Effect.Uplift*n, w.Effect.Uplift*aum)
		}
		if w.CustomersKeptLow > w.CustomersKept || w.CustomersKeptHigh < w.CustomersKept || w.AUMKeptLow > w.AUMKept || w.AUMKeptHigh < w.AUMKept {
			t.Errorf("%s: intervals [%v, %v] and [%v, %v] do not hold the estimates", tc.segment, w.CustomersKeptLow, w.CustomersKeptHigh, w.AUMKeptLow, w.AUMKeptHigh)
		}
		avg := warehousetest.Rows(t, db, `SELECT avg(cost) FROM retention_actions WHERE segment = $1 AND action_type = '利率优惠'`, tc.segment)[0][0].(float64)
		if math.Abs(w.Cost-avg*n) > 1e-6 {
			t.Errorf("%s: cost %v, want %v × %v", tc.segment, w.Cost, avg, n)
		}
	}
}

func TestWhatIfUsesScores(t *testing.T) {
	ret, db := retention(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if err := db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, q); return err }); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE OR REPLACE TABLE risk_scores AS
		SELECT now.month, now.customer_id,
			least(0.9, greatest(0.01, 1 - now.balance / before.balance)) AS score,
			CASE WHEN now.balance < 0.9 * before.balance THEN 'high' ELSE 'low' END AS tier
		FROM customer_months now JOIN customer_months before ON before.customer_id = now.customer_id AND before.month = now.month - INTERVAL 1 MONTH
		WHERE NOT now.churned AND before.balance > 0`)
	// The generated bank's empty table comes back for the other tests.
	t.Cleanup(func() { exec(`DROP TABLE IF EXISTS risk_scores;` + warehouse.RiskSchemaSQL) })
	w, err := ret.WhatIf(ctx, risk.WhatIfRequest{Segment: "大众富裕", TopN: 40, Language: "en"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hand := warehousetest.Rows(t, db, `
		SELECT count(*), sum(score), sum(score * aum) FROM (
			SELECT s.score, cm.aum FROM risk_scores s JOIN customers c USING (customer_id)
			JOIN customer_months cm ON cm.customer_id = s.customer_id AND cm.month = s.month
			WHERE s.month = (SELECT max(month) FROM risk_scores) AND c.segment = '大众富裕' AND c.close_date IS NULL
			ORDER BY s.score DESC, s.customer_id LIMIT 40)`)[0]
	if w.StandIn || float64(w.Candidates) != hand[0].(float64) {
		t.Fatalf("got %d candidates (stand-in %v), hand SQL %v", w.Candidates, w.StandIn, hand[0])
	}
	if math.Abs(w.ExpectedLeavers-hand[1].(float64)) > 1e-9 || math.Abs(w.CustomersKept-w.WinBack*hand[1].(float64)) > 1e-9 ||
		math.Abs(w.AUMKept-w.WinBack*hand[2].(float64)) > 1e-6*hand[2].(float64) {
		t.Errorf("got leavers %v kept %v AUM %v; want %v, win-back %v × that, %v", w.ExpectedLeavers, w.CustomersKept, w.AUMKept, hand[1], w.WinBack, w.WinBack*hand[2].(float64))
	}
	if w.ActionType == "" || w.WinBack <= 0 {
		t.Errorf("got action %q win-back %v", w.ActionType, w.WinBack)
	}
}

func TestWhatIfRefusesBadRequests(t *testing.T) {
	ret, _ := retention(t)
	neg := -5.0
	for _, tc := range []struct {
		req   risk.WhatIfRequest
		field string
	}{
		{risk.WhatIfRequest{Segment: "火星", TopN: 10}, "segment"},
		{risk.WhatIfRequest{Segment: "年轻", TopN: 0}, "top_n"},
		{risk.WhatIfRequest{Segment: "年轻", TopN: 10, ActionType: "抽奖"}, "action_type"},
		{risk.WhatIfRequest{Segment: "年轻", TopN: 10, CostPerAction: &neg}, "cost_per_action"},
		{risk.WhatIfRequest{Segment: "年轻", TopN: 10, Language: "fr"}, "language"},
	} {
		_, err := ret.WhatIf(context.Background(), tc.req, nil)
		var be *beacon.Error
		if !errors.As(err, &be) || be.Code != beacon.EINVALID || be.Field != tc.field {
			t.Errorf("%+v: got %v, want an invalid error on %s", tc.req, err, tc.field)
		}
	}
}
