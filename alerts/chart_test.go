package alerts

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// TestBreakdownChartShowsTheBreachingGroups: the chart of a threshold
// rule broken down by branch names every branch, colours exactly the
// branches hand SQL finds over the threshold, and draws the threshold as
// a line labelled as the message words it (every seventh label and no
// line before: the alerted branch could not be found on it).
func TestBreakdownChartShowsTheBreachingGroups(t *testing.T) {
	sc, _, _ := engineHarness(t)
	ctx := context.Background()
	rec := &optionCharts{browser: true}
	sc.cfg.Renderer = rec
	// October 2026 is "last month" at the test clock.
	rates := map[string]float64{}
	var sorted []float64
	for _, row := range warehousetest.Rows(t, bank, `SELECT b.branch_name, SUM(CAST(cm.churned AS INTEGER)) / SUM(CAST(cm.active_at_start AS INTEGER))
		FROM customer_months cm JOIN branches b ON b.branch_id = cm.branch_id
		WHERE cm.month = DATE '2026-10-01' GROUP BY 1`) {
		rates[row[0].(string)] = row[1].(float64)
		sorted = append(sorted, row[1].(float64))
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(sorted)))
	if len(sorted) < 8 || sorted[2] == sorted[3] {
		t.Fatalf("the test bank's branch churn rates do not separate three branches: %v", sorted)
	}
	threshold := (sorted[2] + sorted[3]) / 2 // three branches over it
	r := &Rule{ID: "branch-churn", Name: "支行流失率过高", Query: metrics.Query{Metrics: []string{"churn_rate"}, Dimensions: []string{"branch"}, Time: &metrics.TimeSpec{Range: "last_month"}},
		Condition: Condition{Kind: "threshold", Above: f64(threshold)},
		Schedule:  Schedule{Cron: "0 9 * * *", TimeZone: "Asia/Shanghai"}, Channels: []ChannelRef{{Name: "retention-dingtalk"}},
		Owner: Owner{Subject: "risk-team"}}
	if err := sc.PutRule(ctx, r, OriginAPI); err != nil {
		t.Fatal(err)
	}
	sc.now = func() time.Time { return warehousetest.Now().Add(time.Minute) }
	if _, err := sc.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rec.options) != 1 {
		t.Fatalf("%d chart options drawn, want the rule's one", len(rec.options))
	}
	var opt struct {
		XAxis []struct {
			Data      []string       `json:"data"`
			AxisLabel map[string]any `json:"axisLabel"`
		} `json:"xAxis"`
		Series []struct {
			Data []struct {
				ItemStyle *struct {
					Color string `json:"color"`
				} `json:"itemStyle"`
			} `json:"data"`
			MarkLine struct {
				Data []struct {
					YAxis float64 `json:"yAxis"`
					Name  string  `json:"name"`
				} `json:"data"`
			} `json:"markLine"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(rec.options[0]), &opt); err != nil {
		t.Fatal(err)
	}
	if len(opt.XAxis) != 1 || len(opt.XAxis[0].Data) != len(rates) || opt.XAxis[0].AxisLabel["interval"] != float64(0) {
		t.Fatalf("x axis %+v: want all %d branches, each labelled", opt.XAxis, len(rates))
	}
	if len(opt.Series) == 0 || len(opt.Series[0].Data) != len(rates) {
		t.Fatalf("series %+v", opt.Series)
	}
	red := 0
	for i, b := range opt.XAxis[0].Data {
		want := rates[b] > threshold
		got := opt.Series[0].Data[i].ItemStyle != nil && opt.Series[0].Data[i].ItemStyle.Color == accentForTest
		if got != want {
			t.Errorf("%s (%.4f vs threshold %.4f): highlighted %v, want %v", b, rates[b], threshold, got, want)
		}
		if got {
			red++
		}
	}
	if red != 3 {
		t.Errorf("%d branches highlighted, want the 3 over the threshold", red)
	}
	lines := opt.Series[0].MarkLine.Data
	label := "阈值 " + metrics.FormatValue("zh", metrics.Definition{Format: "percent"}, threshold)
	if len(lines) != 1 || math.Abs(lines[0].YAxis-threshold*100) > 0.01 || lines[0].Name != label {
		t.Errorf("threshold line %+v, want one at %.4f (in points) named %q", lines, threshold*100, label)
	}
}

// accentForTest is the highlight colour charts draws (charts.accent).
const accentForTest = "#d4380d"
