package risk

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// fixtureBank loads testdata/fixture_bank.sql into an empty warehouse.
func fixtureBank(t *testing.T) *warehouse.DB {
	t.Helper()
	db := warehousetest.MustOpen(t)
	script, err := os.ReadFile("testdata/fixture_bank.sql")
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(string(script))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func june() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }

func TestFeaturesByHand(t *testing.T) {
	db := fixtureBank(t)
	ft, err := ComputeFeatures(context.Background(), db, june(), june(), 2)
	if err != nil {
		t.Fatal(err)
	}
	// Customer 4 left in June and 5 before it: neither is scored.
	want := map[int64]map[string]float64{
		// Worked by hand from testdata/fixture_bank.sql, snapshot 2026-06:
		// last 3 months = Apr-Jun, the 3 before = Jan-Mar, 3 months ago = Mar.
		1: {
			"tx_count_3m": 6 + 3 + 0, "tx_count_prev_3m": 10 + 12 + 8,
			"tx_count_change": (9.0 - 30) / 30, // -70%
			"tx_amount_3m":    900, "tx_amount_change": (900.0 - 3000) / 3000,
			"app_logins_3m": 3, "app_logins_change": (3.0 - 15) / 15,
			"balance": 4000, "aum": 5000,
			"balance_change_3m": (4000.0 - 10000) / 10000,
			"aum_change_3m":     (5000.0 - 15000) / 15000,
			"net_outflow_3m":    (2000 - 100) + (3000 - 0) + (1000 - 50),
			"months_inactive":   1,                           // last transaction in May
			"complaints_90d":    1,                           // 2026-04-05 only; 03-15 is 107 days back, 07-02 is after
			"products_held":     2, "products_dropped_6m": 1, // 3 in Dec-May, 2 now
			"contracts_closed_6m":        1, // matured 2026-02-01 unrenewed
			"term_deposits_maturing_90d": 1, // due 2026-09-20; the 3-year one was cut short by leaving
			"maturing_amount_90d":        50000,
			"tenure_months":              77, // 2020-01 to 2026-06
			"label":                      1,  // leaves 2026-08, within 2 months
		},
		2: { // joined 2026-05-20: no months before, so no change is claimed
			"tx_count_3m": 10, "tx_count_prev_3m": 0, "tx_count_change": 0,
			"tx_amount_3m": 750, "tx_amount_change": 0,
			"app_logins_3m": 5, "app_logins_change": 0,
			"balance": 1500, "aum": 1500, "balance_change_3m": 0, "aum_change_3m": 0,
			"net_outflow_3m": (0 - 1000) + (100 - 600), "months_inactive": 0, "complaints_90d": 0,
			"products_held": 1, "products_dropped_6m": 0, "contracts_closed_6m": 0,
			"term_deposits_maturing_90d": 0, "maturing_amount_90d": 0, "tenure_months": 1, "label": 0,
		},
		3: { // joined 2026-06-28, nothing yet: its one month counts as inactive
			"tx_count_3m": 0, "tx_count_prev_3m": 0, "tx_count_change": 0,
			"tx_amount_3m": 0, "tx_amount_change": 0, "app_logins_3m": 0, "app_logins_change": 0,
			"balance": 0, "aum": 0, "balance_change_3m": 0, "aum_change_3m": 0,
			"net_outflow_3m": 0, "months_inactive": 1, "complaints_90d": 0,
			"products_held": 1, "products_dropped_6m": 0, "contracts_closed_6m": 0,
			"term_deposits_maturing_90d": 0, "maturing_amount_90d": 0, "tenure_months": 0, "label": 0,
		},
	}
	if ft.Len() != len(want) {
		t.Fatalf("got %d customer-months (%v), want customers 1, 2, 3", ft.Len(), ft.CustomerID)
	}
	for i, id := range ft.CustomerID {
		w, ok := want[id]
		if !ok {
			t.Errorf("customer %d scored; it had left", id)
			continue
		}
		for j, name := range NumericFeatures {
			if got := ft.Numeric[j][i]; math.Abs(got-w[name]) > 1e-9 {
				t.Errorf("customer %d %s: got %v, want %v", id, name, got, w[name])
			}
		}
		if ft.Label[i] != w["label"] {
			t.Errorf("customer %d label: got %v, want %v", id, ft.Label[i], w["label"])
		}
	}
	if ft.Categorical[0][0] != "年轻" || ft.Categorical[1][1] != "网点" || ft.Categorical[2][2] != "45-59" || ft.BranchID[1] != 11 {
		t.Errorf("categoricals: %v, branches %v", ft.Categorical, ft.BranchID)
	}
}

func TestFeaturesLabelUnknownPastHistory(t *testing.T) {
	// With a 3-month horizon, June's outcome runs to September, past the
	// history's end in August: the label is unknown, not "stayed".
	db := fixtureBank(t)
	ft, err := ComputeFeatures(context.Background(), db, june(), june(), 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range ft.Label {
		if !math.IsNaN(l) {
			t.Errorf("customer %d: label %v, want unknown", ft.CustomerID[i], l)
		}
	}
	if _, err := ComputeFeatures(context.Background(), db, june(), june(), 0); err == nil {
		t.Error("a horizon of 0 months was accepted")
	}
}

func TestStreamFeaturesHandsOverEveryRowInParts(t *testing.T) {
	ctx := context.Background()
	db, _, _ := scoredBank(t) // read only
	m := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	whole, err := ComputeFeatures(ctx, db, m, m, 3)
	if err != nil {
		t.Fatal(err)
	}
	const chunk = 333
	var sizes []int
	var ids []int64
	var tx []float64
	err = StreamFeatures(ctx, db, m, m, 3, chunk, func(part *FeatureTable) error {
		sizes = append(sizes, part.Len())
		ids = append(ids, part.CustomerID...)
		tx = append(tx, part.Numeric[0]...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Len() < 3*chunk || !slices.Equal(ids, whole.CustomerID) || !slices.Equal(tx, whole.Numeric[0]) {
		t.Fatalf("parts hold %d rows, the whole table %d: want the same rows in the same order", len(ids), whole.Len())
	}
	for k, n := range sizes {
		if n > chunk || n == 0 || k < len(sizes)-1 && n != chunk {
			t.Fatalf("part sizes %v: want full parts of %d and a last smaller one", sizes, chunk)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err = StreamFeatures(ctx, db, m, m, 3, chunk, func(*FeatureTable) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("got %v after %d calls, want the callback's error after one", err, calls)
	}
}
