package risk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	beacon "github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var (
	scoredOnce  sync.Once
	scoredDB    *warehouse.DB
	scoredModel *ChurnModel
	scoredStats ScoreStats
	scoredErr   error
)

// scoredBank is a small bank with a trained model and the last month
// scored, shared by the tests that only read it.
func scoredBank(t *testing.T) (*warehouse.DB, *ChurnModel, ScoreStats) {
	t.Helper()
	scoredOnce.Do(func() {
		ctx := context.Background()
		scoredDB, scoredErr = warehousetest.OpenDemo(2000, 20)
		if scoredErr != nil {
			return
		}
		if scoredModel, scoredErr = TrainBank(ctx, scoredDB, quickOptions(), time.Unix(0, 0)); scoredErr != nil {
			return
		}
		if scoredErr = SaveModel(ctx, scoredDB, scoredModel); scoredErr != nil {
			return
		}
		pb, err := ParsePlaybook(models.PlaybookFile, models.Playbook)
		if err != nil {
			scoredErr = err
			return
		}
		scoredStats, scoredErr = Score(ctx, scoredDB, scoredModel, pb, time.Time{}, time.Unix(0, 0))
	})
	if scoredErr != nil {
		t.Fatal(scoredErr)
	}
	return scoredDB, scoredModel, scoredStats
}

func TestScoreStoresOneRowPerOpenCustomer(t *testing.T) {
	db, cm, st := scoredBank(t)
	want := warehousetest.Rows(t, db, `SELECT count(*) FROM customer_months
		WHERE month = (SELECT max(month) FROM customer_months) AND NOT churned`)[0][0].(float64)
	if float64(st.Customers) != want {
		t.Fatalf("scored %d customers, want %v open at the last month", st.Customers, want)
	}
	got := warehousetest.Rows(t, db, `SELECT count(*), count(DISTINCT customer_id), sum(score), min(score), max(score),
		count(*) FILTER (WHERE model_version = $1), strftime(max(month), '%Y-%m') FROM risk_scores`, cm.Version)[0]
	if got[0].(float64) != want || got[1].(float64) != want || got[5].(float64) != want {
		t.Errorf("risk_scores rows %v, distinct %v, of this version %v; want %v each", got[0], got[1], got[5], want)
	}
	if math.Abs(got[2].(float64)-st.Expected) > 1e-6 {
		t.Errorf("expected churn %v, sum of stored scores %v", st.Expected, got[2])
	}
	if got[3].(float64) < 0 || got[4].(float64) > 1 || got[6] != st.Month {
		t.Errorf("scores from %v to %v in month %v", got[3], got[4], got[6])
	}
	tiers := warehousetest.Rows(t, db, `SELECT tier, min(score), max(score), count(*) FROM risk_scores GROUP BY tier ORDER BY tier`)
	for _, r := range tiers {
		lo, hi := r[1].(float64), r[2].(float64)
		switch r[0] {
		case TierHigh:
			if lo < cm.Tiers.High {
				t.Errorf("a high-tier score %v is below the cut-off %v", lo, cm.Tiers.High)
			}
		case TierMedium:
			if lo < cm.Tiers.Medium || hi >= cm.Tiers.High {
				t.Errorf("medium scores %v..%v outside [%v, %v)", lo, hi, cm.Tiers.Medium, cm.Tiers.High)
			}
		case TierLow:
			if hi >= cm.Tiers.Medium {
				t.Errorf("a low-tier score %v is at or above the medium cut-off %v", hi, cm.Tiers.Medium)
			}
		}
		if float64(st.ByTier[r[0].(string)]) != r[3].(float64) {
			t.Errorf("tier %v: stats say %d, table %v", r[0], st.ByTier[r[0].(string)], r[3])
		}
	}
}

func TestReasonsAreTheLargestContributions(t *testing.T) {
	db, _, _ := scoredBank(t)
	page, err := List(context.Background(), db, ListQuery{Tier: TierHigh, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Customers) == 0 {
		t.Fatal("no high-tier customers")
	}
	for _, c := range page.Customers {
		if len(c.Reasons) == 0 || len(c.Reasons) > 3 {
			t.Fatalf("customer %d has %d reasons", c.CustomerID, len(c.Reasons))
		}
		for k, r := range c.Reasons {
			if r.Contribution <= 0 || (k > 0 && r.Contribution > c.Reasons[k-1].Contribution) {
				t.Errorf("customer %d reasons not in falling positive order: %+v", c.CustomerID, c.Reasons)
			}
			if r.ZH == "" || r.EN == "" || strings.Contains(r.EN, "=") {
				t.Errorf("customer %d reason %s has no words: %q / %q", c.CustomerID, r.Feature, r.ZH, r.EN)
			}
			if r.Feature == "tx_count_change" && r.Value < 0 {
				want := fmt.Sprintf("transactions down %.0f%%", -r.Value*100)
				if !strings.HasPrefix(r.EN, want) || !strings.Contains(r.ZH, fmt.Sprintf("下降 %.0f%%", -r.Value*100)) {
					t.Errorf("reason %q / %q for a change of %v, want %q", r.EN, r.ZH, r.Value, want)
				}
			}
		}
		if c.Action.Code == "" || c.Action.Code == "routine_service" {
			t.Errorf("high-tier customer %d gets action %q", c.CustomerID, c.Action.Code)
		}
	}
}

func TestListSortedPagedAndScoped(t *testing.T) {
	db, _, _ := scoredBank(t)
	ctx := context.Background()
	all, err := List(ctx, db, ListQuery{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(all.Customers); i++ {
		a, b := all.Customers[i-1], all.Customers[i]
		if a.Score < b.Score || a.Score == b.Score && a.CustomerID > b.CustomerID {
			t.Fatalf("rows %d and %d out of order: %v then %v", i-1, i, a.Score, b.Score)
		}
	}
	page, err := List(ctx, db, ListQuery{Limit: 10, Offset: 20})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != all.Total || len(page.Customers) != 10 || page.Customers[0].CustomerID != all.Customers[20].CustomerID {
		t.Errorf("page at offset 20 does not match the full list")
	}
	branch := all.Customers[0].Branch
	cases := []struct {
		name  string
		q     ListQuery
		query string
		args  []any
	}{
		{"scope on a branch", ListQuery{Scope: metrics.Scope{"branch": {branch}}},
			`SELECT count(*) FROM risk_scores s JOIN branches b USING (branch_id) WHERE b.branch_name = $1`, []any{branch}},
		{"scope on a region with a tier", ListQuery{Tier: TierHigh, Scope: metrics.Scope{"region": {all.Customers[0].Region}}},
			`SELECT count(*) FROM risk_scores s JOIN branches b USING (branch_id) WHERE b.region = $1 AND s.tier = 'high'`, []any{all.Customers[0].Region}},
		{"segment filter inside a branch scope", ListQuery{Segment: "年轻", Scope: metrics.Scope{"branch": {branch}}},
			`SELECT count(*) FROM risk_scores s JOIN branches b USING (branch_id) WHERE b.branch_name = $1 AND s.segment = '年轻'`, []any{branch}},
		{"branch filter by id", ListQuery{Branch: fmt.Sprint(all.Customers[0].BranchID)},
			`SELECT count(*) FROM risk_scores WHERE branch_id = $1`, []any{all.Customers[0].BranchID}},
		{"inactive customers", ListQuery{MinInactive: 2},
			`SELECT count(*) FROM risk_scores s JOIN customer_months cm ON cm.customer_id = s.customer_id AND cm.month = s.month
			 WHERE (SELECT count(*) FROM customer_months p WHERE p.customer_id = s.customer_id
				AND p.month > s.month - INTERVAL 2 MONTH AND p.month <= s.month AND p.tx_count = 0) = 2`, nil},
		{"empty scope", ListQuery{Scope: metrics.Scope{"branch": {}}}, `SELECT 0`, nil},
	}
	for _, c := range cases {
		c.q.Limit = 5000
		got, err := List(ctx, db, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := warehousetest.Rows(t, db, c.query, c.args...)[0][0].(float64)
		if float64(got.Total) != want || len(got.Customers) != got.Total {
			t.Errorf("%s: %d customers (%d listed), hand SQL %v", c.name, got.Total, len(got.Customers), want)
		}
		for _, r := range got.Customers {
			if s := c.q.Scope["branch"]; len(s) > 0 && r.Branch != s[0] {
				t.Errorf("%s: customer %d of branch %s listed", c.name, r.CustomerID, r.Branch)
			}
		}
	}
	_, err = List(ctx, db, ListQuery{Limit: 10, Scope: metrics.Scope{"product_type": {"理财"}}})
	if beacon.ErrorCode(err) != beacon.EFORBIDDEN {
		t.Errorf("a scope the list cannot apply: got %v, want forbidden", err)
	}
}

func TestCustomerHistoryRespectsScope(t *testing.T) {
	db, cm, _ := scoredBank(t)
	ctx := context.Background()
	top, err := List(ctx, db, ListQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := top.Customers[0]
	got, err := Customer(ctx, db, c.CustomerID, metrics.Scope{"branch": {c.Branch}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.History) != 1 || got.History[0].ModelVersion != cm.Version || got.History[0].Score != c.Score {
		t.Errorf("history %+v", got.History)
	}
	wantActions := warehousetest.Rows(t, db, `SELECT count(*) FROM retention_actions WHERE customer_id = $1`, c.CustomerID)[0][0].(float64)
	if float64(len(got.Actions)) != wantActions {
		t.Errorf("%d actions, want %v", len(got.Actions), wantActions)
	}
	_, err = Customer(ctx, db, c.CustomerID, metrics.Scope{"branch": {"no such branch"}})
	if beacon.ErrorCode(err) != beacon.ENOTFOUND {
		t.Errorf("customer outside the scope: got %v, want not found", err)
	}
	_, err = Customer(ctx, db, -1, nil)
	if beacon.ErrorCode(err) != beacon.ENOTFOUND {
		t.Errorf("unknown customer: got %v, want not found", err)
	}
}

func TestLatestModelRoundTrips(t *testing.T) {
	db, cm, _ := scoredBank(t)
	got, err := LatestModel(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != cm.Version {
		t.Fatalf("version %s, want %s", got.Version, cm.Version)
	}
	x := make([]float64, len(cm.Model.Features))
	x[0] = 3
	if got.Model.Probability(x) != cm.Model.Probability(x) {
		t.Error("the stored model scores differently")
	}
	if _, err := LatestModel(context.Background(), warehousetest.MustOpen(t)); !errors.Is(err, ErrNoModel) {
		t.Errorf("empty database: got %v, want ErrNoModel", err)
	}
}
