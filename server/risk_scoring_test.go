package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/metrics/metricstest"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/queries"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

// TestRiskAnswersWhileScoring serves a fresh bank whose scoring stopped
// after the newest month (as the server's background scoring does after
// its first month): the current month answers, every older month is
// refused with the progress (503, Retry-After, the user's language), and
// once the rest is scored the figures equal hand-written SQL.
func TestRiskAnswersWhileScoring(t *testing.T) {
	ctx := context.Background()
	db, err := warehousetest.OpenDemo(800, 16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	o := risk.DefaultTrainOptions()
	o.Params.GBDT.Trees, o.Baseline = 40, false
	cm, err := risk.TrainBank(ctx, db, o, warehousetest.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := risk.SaveModel(ctx, db, cm); err != nil {
		t.Fatal(err)
	}
	pb, err := risk.ParsePlaybook(models.PlaybookFile, models.Playbook)
	if err != nil {
		t.Fatal(err)
	}
	st, err := risk.Score(ctx, db, cm, pb, time.Time{}, warehousetest.Now())
	if err != nil {
		t.Fatal(err)
	}
	eng := metricstest.DemoEngine(t, db, metrics.EngineConfig{Gate: risk.ScoresGate(db), Now: warehousetest.Now})
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DB: db, Engine: eng, Logger: quietLogger(),
		Chat: queries.NewChat(eng, queries.ChatConfig{DB: db})})
	if err != nil {
		t.Fatal(err)
	}
	current, _ := time.Parse("2006-01", st.Month)
	older := current.AddDate(0, -1, 0).Format("2006-01")
	highSQL := `SELECT count(*) FROM risk_scores WHERE tier = 'high' AND month = ?::DATE`

	// The current month is scored: it answers, and equals hand SQL.
	r := do(t, srv, "GET", "/api/v1/risk/customers?tier=high", nil)
	var page riskPage
	_ = json.Unmarshal(r.body, &page)
	want := warehousetest.Rows(t, db, highSQL, current)[0][0].(float64)
	if r.status != 200 || page.Month != st.Month || float64(page.Total) != want {
		t.Fatalf("list of the current month: %d %.300s; want %s with %v high", r.status, r.body, st.Month, want)
	}
	q := func(rng string) []byte {
		return []byte(fmt.Sprintf(`{"metrics":["high_risk_customers"],"time":{"range":%q}}`, rng))
	}
	r = do(t, srv, "POST", "/api/v1/query", q("this_month"))
	if rows := rowsOf(t, r); r.status != 200 || len(rows) != 1 || rows[0]["high_risk_customers"].(float64) != want {
		t.Fatalf("high_risk_customers this month: %d %.300s; want %v", r.status, r.body, want)
	}

	// Older months are pending: refused with the progress, never answered
	// from another month.
	refusals := []struct {
		name, method, path string
		body               []byte
		lang, word         string
	}{
		{"list of a pending month", "GET", "/api/v1/risk/customers?month=" + older, nil, "en", "being computed"},
		{"metric over a pending month", "POST", "/api/v1/query", q("last_month"), "zh-CN,zh;q=0.9", "正在计算"},
		{"metric over the last 3 months", "POST", "/api/v1/query", q("last_3_months"), "en", "being computed"},
	}
	for _, c := range refusals {
		r := do(t, srv, c.method, c.path, c.body, "Accept-Language", c.lang)
		var body struct {
			Error struct {
				Code, Message string
				Scoring       risk.ScoringStatus
			}
		}
		_ = json.Unmarshal(r.body, &body)
		e := body.Error
		if r.status != 503 || e.Code != "computing" || r.header.Get("Retry-After") == "" || e.Scoring.State != risk.ScoringRunning ||
			e.Scoring.MonthsDone != 1 || e.Scoring.MonthsTotal != risk.DefaultBackfill || !strings.Contains(e.Message, c.word) {
			t.Errorf("%s: %d %s; want 503 computing, 1 of %d months, in %s", c.name, r.status, r.body, risk.DefaultBackfill, c.lang)
		}
	}
	r, ready := readyScores(t, srv)
	if r.status != 200 || ready.ChurnScores.State != risk.ScoringRunning || ready.ChurnScores.MonthsDone != 1 || ready.ChurnScores.Pending[0] != older {
		t.Errorf("readyz while scoring: %d %s", r.status, r.body)
	}

	// The rest scored (as the background run finishes): every answer is
	// back, and equals hand SQL over risk_scores.
	if _, err := risk.EnsureScored(ctx, db, risk.KeepOptions{Train: o, Playbook: pb, Backfill: risk.DefaultBackfill}); err != nil {
		t.Fatal(err)
	}
	r = do(t, srv, "POST", "/api/v1/query", q("last_month"))
	want = warehousetest.Rows(t, db, highSQL, current.AddDate(0, -1, 0))[0][0].(float64)
	if rows := rowsOf(t, r); r.status != 200 || len(rows) != 1 || rows[0]["high_risk_customers"].(float64) != want {
		t.Errorf("high_risk_customers last month after scoring: %d %.300s; want %v", r.status, r.body, want)
	}
	r = do(t, srv, "GET", "/api/v1/risk/customers?month="+older, nil)
	_ = json.Unmarshal(r.body, &page)
	if r.status != 200 || page.Month != older || float64(page.Total) != warehousetest.Rows(t, db, `SELECT count(*) FROM risk_scores WHERE month = ?::DATE`, current.AddDate(0, -1, 0))[0][0].(float64) {
		t.Errorf("list of %s after scoring: %d %.300s", older, r.status, r.body)
	}
	r, ready = readyScores(t, srv)
	if ready.ChurnScores.State != risk.ScoringReady || ready.ChurnScores.MonthsDone != risk.DefaultBackfill {
		t.Errorf("readyz after scoring: %s", r.body)
	}
}

type readyBody struct {
	ChurnScores risk.ScoringStatus `json:"churn_scores"`
}

// readyScores reads /readyz until it carries the scoring state: readiness
// leaves it out when no read connection comes free within 200 ms, as on a
// loaded machine, and says so by its absence.
func readyScores(t *testing.T, srv *server.Server) (response, readyBody) {
	t.Helper()
	var r response
	var ready readyBody
	for range 50 {
		r = do(t, srv, "GET", "/readyz", nil)
		ready = readyBody{}
		_ = json.Unmarshal(r.body, &ready)
		if ready.ChurnScores.State != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return r, ready
}
