package risk

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon"
)

// MaxWhatIfCustomers bounds the customers a what-if may call.
const MaxWhatIfCustomers = 100_000

// WhatIfRequest asks: if we act on the top N at-risk customers of a
// segment, what do we keep and what does it cost?
type WhatIfRequest struct {
	Segment string `json:"segment"`
	TopN    int    `json:"top_n"`
	// ActionType is the action taken (default: the segment's most common).
	ActionType string `json:"action_type,omitempty"`
	// CostPerAction overrides the measured average cost of the action.
	CostPerAction *float64 `json:"cost_per_action,omitempty"`
	Language      string   `json:"language,omitempty"`
}

// WhatIf is the estimate.
type WhatIf struct {
	Segment    string `json:"segment"`
	ActionType string `json:"action_type"`
	TopN       int    `json:"top_n"`
	// Candidates is how many customers were found (fewer than TopN when
	// the segment has fewer at risk).
	Candidates int `json:"candidates"`
	// Month is the month the customers were ranked in.
	Month string `json:"month"`
	// StandIn is true when no scores exist and the stand-in flag ranked
	// the customers (Basis says how).
	StandIn bool   `json:"stand_in"`
	Basis   string `json:"basis"`
	// ExpectedLeavers is the sum of the candidates' probabilities of leaving.
	ExpectedLeavers float64 `json:"expected_leavers"`
	AUMAtRisk       float64 `json:"aum_at_risk"`
	// WinBack is the share of would-be leavers an action keeps, from the
	// measured uplift: uplift / (1 − untreated retention).
	WinBack     float64 `json:"win_back"`
	WinBackLow  float64 `json:"win_back_low"`
	WinBackHigh float64 `json:"win_back_high"`
	// Kept customers and AUM, expected and their 95% intervals.
	CustomersKept     float64 `json:"customers_kept"`
	CustomersKeptLow  float64 `json:"customers_kept_low"`
	CustomersKeptHigh float64 `json:"customers_kept_high"`
	AUMKept           float64 `json:"aum_kept"`
	AUMKeptLow        float64 `json:"aum_kept_low"`
	AUMKeptHigh       float64 `json:"aum_kept_high"`
	CostPerAction     float64 `json:"cost_per_action"`
	Cost              float64 `json:"cost"`
	// CostPerCustomerKept is given when the expected number kept is above 0.
	CostPerCustomerKept *float64 `json:"cost_per_customer_kept"`
	// Effect is the measured uplift the estimate rests on: of this action
	// with the segment, or, when that is too small to conclude, of any
	// action with the segment (EffectOf says which).
	Effect    UpliftGroup `json:"effect"`
	EffectOf  string      `json:"effect_of"`
	Note      string      `json:"note"`
	ElapsedMS float64     `json:"elapsed_ms"`
}

// candidate is one customer to call: their probability of leaving and AUM.
type candidate struct{ p, aum float64 }

// WhatIf estimates the customers and AUM kept by acting on the top N
// at-risk customers of a segment: each customer's probability of leaving
// (their score, or the stand-in's measured rate) × the share of leavers the
// action wins back (the measured uplift) × their AUM, and the cost.
func (r *Retention) WhatIf(ctx context.Context, req WhatIfRequest, scope map[string][]string) (*WhatIf, error) {
	start := time.Now()
	if req.Language == "" {
		req.Language = "zh"
	} else if req.Language != "zh" && req.Language != "en" {
		return nil, beacon.Invalid("language", []string{"zh", "en"}, "unknown language %q", clipText(req.Language))
	}
	if segs := r.segments(); !slices.Contains(segs, req.Segment) {
		return nil, beacon.Invalid("segment", segs, "unknown segment %q", clipText(req.Segment))
	}
	if req.TopN < 1 || req.TopN > MaxWhatIfCustomers {
		return nil, beacon.Invalid("top_n", nil, "top_n must be between 1 and %d, got %d", MaxWhatIfCustomers, req.TopN)
	}
	if types := r.actionTypes(); req.ActionType != "" && len(types) > 0 && !slices.Contains(types, req.ActionType) {
		return nil, beacon.Invalid("action_type", types, "unknown action type %q", clipText(req.ActionType))
	}
	if c := req.CostPerAction; c != nil && (*c < 0 || *c > maxActionCost || math.IsNaN(*c)) {
		return nil, beacon.Invalid("cost_per_action", nil, "cost_per_action must be between 0 and %d", maxActionCost)
	}
	src, err := r.sources(ctx)
	if err != nil {
		return nil, err
	}
	where, args, err := r.scopeFilter(ctx, scope)
	if err != nil {
		return nil, err
	}
	w := &WhatIf{Segment: req.Segment, TopN: req.TopN}
	if req.ActionType == "" {
		if req.ActionType, err = r.commonAction(ctx, src, req.Segment); err != nil {
			return nil, err
		}
	}
	w.ActionType = req.ActionType
	// The effect: the segment's uplift for this action, in the caller's rows.
	view, err := r.Uplift(ctx, UpliftRequest{By: []string{"segment", "action_type"}, Language: req.Language}, scope)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(view.Groups, func(g UpliftGroup) bool {
		return g.Key["segment"] == req.Segment && g.Key["action_type"] == req.ActionType
	})
	w.EffectOf = "segment_and_action"
	if i < 0 || !view.Groups[i].Conclusive {
		// Too few of this action: the segment's effect of any action.
		seg, err := r.Uplift(ctx, UpliftRequest{By: []string{"segment"}, Language: req.Language}, scope)
		if err != nil {
			return nil, err
		}
		if j := slices.IndexFunc(seg.Groups, func(g UpliftGroup) bool { return g.Key["segment"] == req.Segment }); j >= 0 && (i < 0 || seg.Groups[j].Conclusive) {
			view, i, w.EffectOf = seg, j, "segment"
		}
	}
	if i < 0 || view.Groups[i].Treated == 0 {
		return nil, beacon.Errorf(beacon.ECONFLICT, "no action with %s customers has a measured outcome yet, so its effect is unknown", req.Segment)
	}
	w.Effect = view.Groups[i]
	leave := 1 - w.Effect.UntreatedRetention // leavers among comparable untreated
	if leave <= 0 {
		return nil, beacon.Errorf(beacon.ECONFLICT, "comparable untreated %s customers all stayed, so there is no one to win back", req.Segment)
	}
	se := (w.Effect.UpliftHigh - w.Effect.UpliftLow) / (2 * z95) / leave
	w.WinBack = w.Effect.Uplift / leave
	w.WinBackLow, w.WinBackHigh = w.WinBack-z95*se, w.WinBack+z95*se

	cands, month, standIn, err := r.candidates(ctx, src, req.Segment, req.TopN, leave, where, args)
	if err != nil {
		return nil, err
	}
	w.Candidates, w.Month, w.StandIn = len(cands), month, standIn
	w.Basis = basisText(standIn, req.Language)
	w.estimate(cands, se)

	w.CostPerAction, err = r.averageCost(ctx, src, req.Segment, req.ActionType)
	if err != nil {
		return nil, err
	}
	if req.CostPerAction != nil {
		w.CostPerAction = *req.CostPerAction
	}
	w.Cost = w.CostPerAction * float64(w.Candidates)
	if w.CustomersKept > 0 {
		w.CostPerCustomerKept = fptr(w.Cost / w.CustomersKept)
	}
	w.Note = w.Effect.Note
	w.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return w, nil
}

// estimate sums the kept customers and AUM. Each candidate is kept with
// probability q = p × win-back; the interval adds the effect's uncertainty
// (se of the win-back share, the same for all) to the chance in the
// outcomes (a sum of independent Bernoulli draws), both normal.
func (w *WhatIf) estimate(cands []candidate, se float64) {
	var sumP, sumPA, varN, varA float64
	for _, c := range cands {
		q := math.Min(1, math.Max(0, c.p*w.WinBack))
		sumP += c.p
		sumPA += c.p * c.aum
		w.AUMAtRisk += c.p * c.aum
		varN += q * (1 - q)
		varA += c.aum * c.aum * q * (1 - q)
	}
	w.ExpectedLeavers = sumP
	w.CustomersKept = w.WinBack * sumP
	w.AUMKept = w.WinBack * sumPA
	hn := z95 * math.Sqrt(sumP*sumP*se*se+varN)
	ha := z95 * math.Sqrt(sumPA*sumPA*se*se+varA)
	w.CustomersKeptLow, w.CustomersKeptHigh = math.Max(0, w.CustomersKept-hn), w.CustomersKept+hn
	w.AUMKeptLow, w.AUMKeptHigh = math.Max(0, w.AUMKept-ha), w.AUMKept+ha
}

// candidates ranks the segment's open customers in the latest month: by
// score when scores exist, otherwise the stand-in's flagged customers by
// how far their balance fell, each given the measured leaving rate.
func (r *Retention) candidates(ctx context.Context, src upliftSources, segment string, n int, leave float64, where string, args []any) ([]candidate, string, bool, error) {
	var q string
	standIn := !src.scores
	if src.scores {
		q = `WITH s AS (SELECT * FROM ` + ScoresTable + ` WHERE month = (SELECT max(month) FROM ` + ScoresTable + `))
			SELECT strftime(s.month::DATE, '%Y-%m'), s.score, coalesce(cm.aum, 0)
			FROM s JOIN customers c ON c.customer_id = s.customer_id LEFT JOIN branches b ON b.branch_id = c.branch_id
			LEFT JOIN customer_months cm ON cm.customer_id = s.customer_id AND cm.month = s.month::DATE
			WHERE c.segment = ? AND c.close_date IS NULL` + where + `
			ORDER BY s.score DESC, s.customer_id LIMIT ?`
	} else {
		q = `WITH f AS (
				SELECT customer_id, month, aum, balance / lag(balance, 2) OVER w AS kept_share,
					NOT churned AND lag(month, 2) OVER w = month - INTERVAL 2 MONTH AND lag(balance, 2) OVER w > 0
						AND balance <= 0.8 * lag(balance, 2) OVER w AS flag
				FROM customer_months WHERE month >= (SELECT max(month) FROM customer_months) - INTERVAL 2 MONTH
				WINDOW w AS (PARTITION BY customer_id ORDER BY month))
			SELECT strftime(f.month, '%Y-%m'), ?::DOUBLE, f.aum
			FROM f JOIN customers c ON c.customer_id = f.customer_id LEFT JOIN branches b ON b.branch_id = c.branch_id
			WHERE f.flag AND f.month = (SELECT max(month) FROM customer_months) AND c.segment = ?` + where + `
			ORDER BY f.kept_share, f.customer_id LIMIT ?`
	}
	var all []any
	if standIn {
		all = append([]any{leave, segment}, args...)
	} else {
		all = append([]any{segment}, args...)
	}
	all = append(all, n)
	var out []candidate
	var month string
	err := r.db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, q, all...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c candidate
			if err := rows.Scan(&month, &c.p, &c.aum); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", false, fmt.Errorf("what-if candidates: %w", err)
	}
	return out, month, standIn, nil
}

// commonAction is the action most often taken with the segment.
func (r *Retention) commonAction(ctx context.Context, src upliftSources, segment string) (string, error) {
	if !src.bankActions {
		return "", beacon.Invalid("action_type", r.actionTypes(), "give the action type: there is no history of actions to pick the usual one from")
	}
	var typ string
	err := r.db.Read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, `SELECT a.action_type FROM `+BankActionsTable+` a JOIN customers c USING (customer_id)
			WHERE c.segment = ? GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, segment).Scan(&typ)
	})
	if err == sql.ErrNoRows {
		return "", beacon.Invalid("action_type", r.actionTypes(), "no action was ever taken with %s customers: give the action type", segment)
	}
	if err != nil {
		return "", fmt.Errorf("usual action: %w", err)
	}
	return typ, nil
}

// averageCost is the mean cost of the action type with the segment.
func (r *Retention) averageCost(ctx context.Context, src upliftSources, segment, actionType string) (float64, error) {
	var parts []string
	if src.bankActions {
		parts = append(parts, `SELECT customer_id, action_type, cost FROM `+BankActionsTable)
	}
	if src.recorded {
		parts = append(parts, `SELECT customer_id, action_type, cost FROM `+RecordedActionsTable)
	}
	if len(parts) == 0 {
		return 0, nil
	}
	var avg sql.NullFloat64
	q := `SELECT avg(a.cost) FROM (` + strings.Join(parts, " UNION ALL ") + `) a JOIN customers c USING (customer_id) WHERE c.segment = ? AND a.action_type = ?`
	err := r.db.Read(ctx, func(conn *sql.Conn) error { return conn.QueryRowContext(ctx, q, segment, actionType).Scan(&avg) })
	if err != nil {
		return 0, fmt.Errorf("average action cost: %w", err)
	}
	return avg.Float64, nil
}

// segments are the segment values the model knows.
func (r *Retention) segments() []string {
	d, ok := r.engine.Catalog().Dimension("segment")
	if !ok {
		return nil
	}
	var out []string
	for _, v := range d.Values {
		out = append(out, v.Value)
	}
	return out
}

func basisText(standIn bool, lang string) string {
	switch {
	case !standIn && lang == "en":
		return "The segment's open customers with the highest scores in " + ScoresTable + "'s latest month; each is kept with probability score × win-back."
	case !standIn:
		return "按 " + ScoresTable + " 最新月份评分从高到低取该客群在网客户；每人挽回概率 = 评分 × 挽回比例。"
	case lang == "en":
		return "No risk scores yet: the segment's customers flagged in the latest month (balance at most 80% of two months before), the largest falls first; each is given the leaving rate of comparable untreated customers."
	}
	return "尚无风险评分：取最新月份被替代标记（余额降至两个月前 80% 及以下）的该客群客户，降幅大者优先；每人的流失概率取可比未受理客户的流失率。"
}
