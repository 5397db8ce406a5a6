package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/server"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/warehouse/warehousetest"
)

var (
	riskOnce  sync.Once
	riskDB    *warehouse.DB
	riskModel *risk.ChurnModel
	riskErr   error
)

// scoredBank is a small demo bank of its own with a trained churn model and
// its last month scored, shared by the risk tests (which only read it).
func scoredBank(t *testing.T) (*warehouse.DB, *risk.ChurnModel) {
	t.Helper()
	riskOnce.Do(func() { riskDB, riskModel, riskErr = trainAndScore() })
	if riskErr != nil {
		t.Fatal(riskErr)
	}
	return riskDB, riskModel
}

func trainAndScore() (*warehouse.DB, *risk.ChurnModel, error) {
	ctx := context.Background()
	db, err := warehousetest.OpenDemo(800, 16)
	if err != nil {
		return nil, nil, err
	}
	o := risk.DefaultTrainOptions()
	o.Params.GBDT.Trees = 40
	o.Baseline = false
	cm, err := risk.TrainBank(ctx, db, o, warehousetest.Now())
	if err == nil {
		err = risk.SaveModel(ctx, db, cm)
	}
	var pb *risk.Playbook
	if err == nil {
		pb, err = risk.ParsePlaybook(models.PlaybookFile, models.Playbook)
	}
	if err == nil {
		_, err = risk.Score(ctx, db, cm, pb, time.Time{}, warehousetest.Now())
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, cm, nil
}

type riskPage struct {
	Month     string `json:"month"`
	Total     int    `json:"total"`
	Customers []struct {
		CustomerID int64   `json:"customer_id"`
		Branch     string  `json:"branch"`
		Score      float64 `json:"score"`
		Tier       string  `json:"tier"`
		Reasons    []struct {
			Feature string `json:"feature"`
			ZH, EN  string
		} `json:"reasons"`
		Action struct{ Code string } `json:"action"`
	} `json:"customers"`
}

func TestRiskListScopedAndChecked(t *testing.T) {
	db, cm := scoredBank(t)
	srv := newServer(t, db, server.AuthConfig{Secret: secret})
	bearer := func(extra map[string]any) string {
		return "Bearer " + token(t, jwt.SigningMethodHS256, secret, claims("viewer", extra))
	}
	branch := warehousetest.Rows(t, db, `SELECT b.branch_name FROM risk_scores s JOIN branches b USING (branch_id)
		GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1`)[0][0].(string)
	cases := []struct {
		name, path, auth string
		query            string // hand SQL for the total
		args             []any
	}{
		{"everyone", "/api/v1/risk/customers?limit=5000", bearer(nil), `SELECT count(*) FROM risk_scores`, nil},
		{"high tier", "/api/v1/risk/customers?tier=high&limit=5000", bearer(nil), `SELECT count(*) FROM risk_scores WHERE tier = 'high'`, nil},
		{"young segment", "/api/v1/risk/customers?segment=" + url.QueryEscape("年轻") + "&limit=5000", bearer(nil),
			`SELECT count(*) FROM risk_scores WHERE segment = '年轻'`, nil},
		{"branch-scoped token", "/api/v1/risk/customers?limit=5000", bearer(map[string]any{"branches": []string{branch}}),
			`SELECT count(*) FROM risk_scores JOIN branches USING (branch_id) WHERE branch_name = $1`, []any{branch}},
		{"scoped token asking for another branch", "/api/v1/risk/customers?branch=" + url.QueryEscape("no such branch"),
			bearer(map[string]any{"branches": []string{branch}}), `SELECT 0`, nil},
	}
	for _, c := range cases {
		r := do(t, srv, "GET", c.path, nil, "Authorization", c.auth)
		if r.status != 200 {
			t.Fatalf("%s: status %d: %s", c.name, r.status, r.body)
		}
		var p riskPage
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		want := warehousetest.Rows(t, db, c.query, c.args...)[0][0].(float64)
		if float64(p.Total) != want || len(p.Customers) != p.Total {
			t.Errorf("%s: total %d with %d rows, hand SQL %v", c.name, p.Total, len(p.Customers), want)
		}
		for i, row := range p.Customers {
			if i > 0 && row.Score > p.Customers[i-1].Score {
				t.Fatalf("%s: not sorted by score at row %d", c.name, i)
			}
			if strings.Contains(c.name, "scoped") && row.Branch != branch {
				t.Errorf("%s: customer %d of %s shown to a %s-only token", c.name, row.CustomerID, row.Branch, branch)
			}
		}
	}

	bad := []struct{ path, field string }{
		{"/api/v1/risk/customers?tier=urgent", "tier"},
		{"/api/v1/risk/customers?limit=0", "limit"},
		{"/api/v1/risk/customers?limit=abc", "limit"},
		{"/api/v1/risk/customers?offset=-1", "offset"},
		{"/api/v1/risk/customers?month=2026-13", "month"},
		{"/api/v1/risk/customers?inactive=999", "inactive"},
		{"/api/v1/risk/customers?lang=fr", "lang"},
		{"/api/v1/risk/customers/abc", "id"},
	}
	for _, b := range bad {
		r := do(t, srv, "GET", b.path, nil, "Authorization", bearer(nil))
		if r.status != 400 || !strings.Contains(string(r.body), b.field) {
			t.Errorf("%s: status %d %s, want 400 naming %s", b.path, r.status, r.body, b.field)
		}
	}
	r := do(t, srv, "GET", "/api/v1/risk/customers", nil, "Authorization", bearer(map[string]any{"scope": map[string]any{"product_type": []string{"理财"}}}))
	if r.status != 403 {
		t.Errorf("scope the list cannot apply: status %d %s, want 403", r.status, r.body)
	}

	// One customer: found within the scope, not found outside it.
	top := warehousetest.Rows(t, db, `SELECT customer_id, b.branch_name FROM risk_scores JOIN branches b USING (branch_id)
		ORDER BY score DESC, customer_id LIMIT 1`)[0]
	id := fmt.Sprint(int64(top[0].(float64)))
	r = do(t, srv, "GET", "/api/v1/risk/customers/"+id, nil, "Authorization", bearer(map[string]any{"branches": []string{top[1].(string)}}))
	if r.status != 200 || !strings.Contains(string(r.body), cm.Version) {
		t.Errorf("customer %s: status %d %.300s", id, r.status, r.body)
	}
	r = do(t, srv, "GET", "/api/v1/risk/customers/"+id, nil, "Authorization", bearer(map[string]any{"branches": []string{"no such branch"}}))
	if r.status != 404 {
		t.Errorf("customer outside the scope: status %d, want 404", r.status)
	}

	// The model.
	r = do(t, srv, "GET", "/api/v1/risk/model", nil, "Authorization", bearer(nil))
	m := r.json(t)
	if r.status != 200 || m["version"] != cm.Version || m["test"].(map[string]any)["auc"].(float64) != cm.Test.AUC {
		t.Errorf("model: status %d %.300s", r.status, r.body)
	}
}

func TestRiskListCSV(t *testing.T) {
	db, _ := scoredBank(t)
	srv := newServer(t, db, server.AuthConfig{})
	for _, lang := range []string{"zh", "en"} {
		r := do(t, srv, "GET", "/api/v1/risk/customers?tier=high&format=csv&lang="+lang, nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: status %d %s", r.status, r.body)
		}
		recs, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := warehousetest.Rows(t, db, `SELECT count(*) FROM risk_scores WHERE tier = 'high'`)[0][0].(float64)
		if float64(len(recs)-1) != min(want, 50) || recs[0][0] != "customer_id" || recs[0][8] != "reason_1" {
			t.Fatalf("%s: %d records, want a header and %v rows", lang, len(recs), min(want, 50))
		}
		reason := recs[1][8]
		hasHan := strings.ContainsFunc(reason, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff })
		if (lang == "zh") != hasHan {
			t.Errorf("lang=%s: first reason %q", lang, reason)
		}
	}
}

// TestRiskBeforeTraining: on a bank with no model yet (the server trains
// one after start), every risk answer says that scores are being computed,
// with the progress, and names no command.
func TestRiskBeforeTraining(t *testing.T) {
	srv := newServer(t, bank, server.AuthConfig{})
	for _, path := range []string{"/api/v1/risk/model", "/api/v1/risk/customers", "/api/v1/risk/customers/1"} {
		r := do(t, srv, "GET", path, nil)
		var body struct {
			Error struct {
				Code, Message string
				Scoring       risk.ScoringStatus
			}
		}
		_ = json.Unmarshal(r.body, &body)
		e := body.Error
		if r.status != 503 || e.Code != "computing" || e.Scoring.State != risk.ScoringTraining || e.Scoring.MonthsTotal == 0 ||
			!strings.Contains(e.Message, "being computed") || strings.Contains(e.Message, "beacon ") {
			t.Errorf("%s: status %d %s, want 503 computing while the model trains", path, r.status, r.body)
		}
	}
}
