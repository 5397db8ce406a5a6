package metrics_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// decimals is how many decimals x's shortest form has.
func decimals(x float64) int {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// Money figures sum amounts in cents; DuckDB's double sums wrote them with
// binary-float noise (103883145.91000001, a difference 2094351.330000001),
// in JSON and CSV alike. Each figure now comes out as its shortest decimal,
// still equal to hand SQL's exact decimal sum to the cent.
func TestMoneyFiguresCarryNoBinaryNoise(t *testing.T) {
	e := demoEngine(t)
	if n := warehousetest.Rows(t, bank, `SELECT count(*) FROM customer_months
		WHERE abs(aum * 100 - round(aum * 100)) > 1e-6 OR abs(deposits * 100 - round(deposits * 100)) > 1e-6 OR abs(withdrawals * 100 - round(withdrawals * 100)) > 1e-6`)[0][0]; n != float64(0) {
		t.Fatalf("the test bank has %v amounts that are not in cents", n)
	}
	for _, q := range []metrics.Query{
		{Metrics: []string{"aum", "net_inflow", "deposits"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Range: "last_month"}},
		{Metrics: []string{"aum", "net_inflow", "deposits"}, Dimensions: []string{"region"}, Time: &metrics.TimeSpec{Grain: "month", Range: "last_6_months"}},
		{Metrics: []string{"net_inflow", "deposits", "withdrawals"}, Time: &metrics.TimeSpec{Range: "last_12_months"}},
	} {
		res, err := e.Run(context.Background(), q, nil)
		if err != nil {
			t.Fatal(err)
		}
		// Hand SQL in exact decimals, keyed like the result.
		grain := "''"
		lo, hi := res.Time.Start, res.Time.End
		// AUM is the period's last month: each month by month, else the range's last.
		aumMonth := fmt.Sprintf("(SELECT max(month) FROM customer_months WHERE month BETWEEN DATE '%s' AND DATE '%s')", lo, hi)
		if q.Time.Grain != "" {
			grain, aumMonth = "CAST(month AS VARCHAR)", "month"
		}
		dim := "''"
		if len(q.Dimensions) > 0 {
			dim = map[string]string{"branch": "b.branch_name", "region": "b.region"}[q.Dimensions[0]]
		}
		want := map[string]map[string]float64{}
		for _, r := range warehousetest.Rows(t, bank, fmt.Sprintf(`SELECT %s || '|' || %s AS k,
			CAST(sum(CAST(aum AS DECIMAL(18,2))) FILTER (WHERE month = %s) AS VARCHAR),
			CAST(sum(CAST(deposits AS DECIMAL(18,2))) AS VARCHAR), CAST(sum(CAST(withdrawals AS DECIMAL(18,2))) AS VARCHAR),
			CAST(sum(CAST(deposits AS DECIMAL(18,2)) - CAST(withdrawals AS DECIMAL(18,2))) AS VARCHAR)
			FROM customer_months m JOIN branches b USING (branch_id) WHERE month BETWEEN DATE '%s' AND DATE '%s' GROUP BY 1`, grain, dim, aumMonth, lo, hi)) {
			num := func(v any) float64 { f, _ := strconv.ParseFloat(fmt.Sprint(v), 64); return f }
			want[r[0].(string)] = map[string]float64{"aum": num(r[1]), "deposits": num(r[2]), "withdrawals": num(r[3]), "net_inflow": num(r[4])}
		}
		checked := 0
		for i := range res.Rows {
			k := "|"
			if q.Time.Grain != "" {
				k = fmt.Sprint(res.Value(i, "period")) + "|"
			}
			if len(q.Dimensions) > 0 {
				k += fmt.Sprint(res.Value(i, q.Dimensions[0]))
			}
			for _, m := range q.Metrics {
				got, ok := res.Value(i, m).(float64)
				if !ok {
					continue
				}
				checked++
				if decimals(got) > 2 {
					t.Errorf("%v %s %s = %s: more than cents", q.Dimensions, k, m, strconv.FormatFloat(got, 'f', -1, 64))
				}
				if w, ok := want[k][m]; !ok || got != w {
					t.Errorf("%v %s %s = %v, hand SQL in decimals %v", q.Dimensions, k, m, got, w)
				}
			}
		}
		if checked < len(q.Metrics) {
			t.Fatalf("%v: only %d figures checked", q, checked)
		}
	}
}
