package risk

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/warehouse"
)

// ScoresTable is where the early-warning scores are read from when it
// exists (risk.Score writes it): one row per customer and month with
// customer_id, month (DATE, the score made at its end) and tier (high,
// medium, low).
const ScoresTable = "risk_scores"

// MinUpliftN is the fewest customers on each side (treated, and matched
// untreated) for a group's uplift to be concluded; below it the view says
// "too small to conclude" and gives no cost per retained customer.
const MinUpliftN = 50

// upliftWindowDays is the outcome window: a customer is retained when
// still a customer this many days after the action (or, untreated, after
// the end of the month they were flagged in).
const upliftWindowDays = 90

// z95 is the two-sided 95% normal quantile.
const z95 = 1.959963984540054

// UpliftDimensions are what the uplift view may be grouped by.
var UpliftDimensions = []string{"segment", "action_type", "tier"}

// UpliftRequest asks for the uplift view.
type UpliftRequest struct {
	// By groups the result: any of UpliftDimensions (default segment).
	By []string
	// From and To bound the months of the actions (inclusive, YYYY-MM-DD).
	From, To string
	// Language of the notes: zh (default) or en.
	Language string
}

// UpliftView is the measured effect of retention actions.
type UpliftView struct {
	By []string `json:"by"`
	// Comparison says how untreated customers were chosen: from the risk
	// scores' tiers, or from the stand-in flag when no scores exist.
	Comparison string `json:"comparison"`
	// StandIn is true when the comparison used the stand-in flag.
	StandIn bool `json:"stand_in"`
	// AsOf is the last date whose 90-day outcome is known.
	AsOf      string        `json:"as_of"`
	MinN      int           `json:"min_n"`
	Groups    []UpliftGroup `json:"groups"`
	Total     UpliftGroup   `json:"total"`
	ElapsedMS float64       `json:"elapsed_ms"`
}

// UpliftGroup is the effect in one group of treated customers.
type UpliftGroup struct {
	Key map[string]string `json:"key"`
	// Treated are flagged customers who got an action, matched to
	// untreated customers of the same segment, month and tier; Unmatched
	// were left out for want of any untreated match.
	Treated   int `json:"treated"`
	Untreated int `json:"untreated"`
	Unmatched int `json:"unmatched,omitempty"`
	// TreatedRetention and UntreatedRetention are the 90-day retention of
	// each side; the untreated side is weighted to the treated customers'
	// mix of segment, month and tier.
	TreatedRetention   float64 `json:"treated_retention"`
	UntreatedRetention float64 `json:"untreated_retention"`
	// Uplift is their difference, with its 95% interval.
	Uplift     float64 `json:"uplift"`
	UpliftLow  float64 `json:"uplift_low"`
	UpliftHigh float64 `json:"uplift_high"`
	// Conclusive is false when a side has fewer than MinUpliftN customers.
	Conclusive bool    `json:"conclusive"`
	Cost       float64 `json:"cost"`
	// CustomersKept is Uplift × Treated: customers retained because of the
	// actions; AUMKept the AUM they held when flagged.
	CustomersKept float64 `json:"customers_kept"`
	AUMKept       float64 `json:"aum_kept"`
	// CostPerCustomerKept and CostPer10kAUMKept (per 万元) are given for a
	// conclusive, positive uplift only.
	CostPerCustomerKept *float64 `json:"cost_per_customer_kept"`
	CostPer10kAUMKept   *float64 `json:"cost_per_10k_aum_kept"`
	Note                string   `json:"note"`
}

// stratum is one (segment, month, tier) cell of customers.
type stratum struct{ segment, month, tier string }

// upliftCell is the figures of one side of one stratum (and, for the
// treated, one action type).
type upliftCell struct {
	n, kept   float64
	cost, aum float64
}

// Uplift measures the 90-day retention of flagged customers who got a
// retention action against comparable flagged customers who did not.
func (r *Retention) Uplift(ctx context.Context, req UpliftRequest, scope map[string][]string) (*UpliftView, error) {
	start := time.Now()
	if len(req.By) == 0 {
		req.By = []string{"segment"}
	}
	for i, b := range req.By {
		if !slices.Contains(UpliftDimensions, b) {
			return nil, beacon.Invalid("by", UpliftDimensions, "cannot group the uplift by %q", clipText(b))
		}
		if slices.Index(req.By, b) != i {
			return nil, beacon.Invalid("by", nil, "%s is listed twice", b)
		}
	}
	if req.Language == "" {
		req.Language = "zh"
	} else if req.Language != "zh" && req.Language != "en" {
		return nil, beacon.Invalid("language", []string{"zh", "en"}, "unknown language %q", clipText(req.Language))
	}
	from, to, err := monthBounds(req.From, req.To)
	if err != nil {
		return nil, err
	}
	src, err := r.sources(ctx)
	if err != nil {
		return nil, err
	}
	where, args, err := r.scopeFilter(ctx, scope)
	if err != nil {
		return nil, err
	}
	asOf := r.today().AddDate(0, 0, -upliftWindowDays)
	view := &UpliftView{By: req.By, StandIn: !src.scores, AsOf: asOf.Format(time.DateOnly), MinN: MinUpliftN, Comparison: comparisonText(src.scores, req.Language)}
	treated, control, err := r.upliftCells(ctx, src, where, args, from, to)
	if err != nil {
		return nil, err
	}
	if src.scores && len(treated) == 0 {
		// Scores of recent months only: no outcome is known yet for them.
		src.scores = false
		view.StandIn = true
		view.Comparison = comparisonText(false, req.Language) + scoresTooRecent(req.Language)
		if treated, control, err = r.upliftCells(ctx, src, where, args, from, to); err != nil {
			return nil, err
		}
	}
	view.Groups, view.Total = upliftGroups(req.By, treated, control, req.Language)
	view.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return view, nil
}

// monthBounds reads the optional from and to dates.
func monthBounds(from, to string) (string, string, error) {
	out := [2]string{"1900-01-01", "2200-12-31"}
	for i, s := range []string{from, to} {
		if s == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return "", "", beacon.Invalid([]string{"from", "to"}[i], nil, "%q is not a date of the form YYYY-MM-DD", clipText(s))
		}
		out[i] = d.Format(time.DateOnly)
	}
	if out[1] < out[0] {
		return "", "", beacon.Invalid("to", nil, "to %s is before from %s", out[1], out[0])
	}
	return out[0], out[1], nil
}

func comparisonText(scores bool, lang string) string {
	switch {
	case scores && lang == "en":
		return "Treated customers against untreated customers of the same segment, month and risk tier (" + ScoresTable + ")."
	case scores:
		return "受理客户与同客群、同月份、同风险等级（" + ScoresTable + "）的未受理客户对比。"
	case lang == "en":
		return "No risk scores yet: stand-in flag. A customer is flagged in a month when their month-end balance fell to 80% or less of two months before and they have not left; treated flagged customers are compared with untreated flagged customers of the same segment and month (tier: high)."
	}
	return "尚无风险评分，采用替代标记：某月月末余额降至两个月前的 80% 及以下且尚未流失的客户视为高风险；受理客户与同客群、同月份的未受理高风险客户对比。"
}

func scoresTooRecent(lang string) string {
	if lang == "en" {
		return " (" + ScoresTable + " exists, but no scored month has a known 90-day outcome yet.)"
	}
	return "（" + ScoresTable + " 已存在，但尚无已知 90 天结果的评分月份。）"
}

// upliftSources says which tables exist.
type upliftSources struct {
	scores, bankActions, recorded bool
}

func (r *Retention) sources(ctx context.Context) (upliftSources, error) {
	tables, err := r.db.Tables(ctx)
	if err != nil {
		return upliftSources{}, err
	}
	for _, t := range []string{"customers", "branches", "customer_months"} {
		if _, ok := tables[t]; !ok {
			return upliftSources{}, beacon.Errorf(beacon.ECONFLICT, "the retention views need the %s table, which this database does not have", t)
		}
	}
	var s upliftSources
	_, s.bankActions = tables[BankActionsTable]
	_, s.recorded = tables[RecordedActionsTable]
	cols := tables[ScoresTable]
	hasCol := func(name string) bool {
		return slices.ContainsFunc(cols, func(c warehouse.Column) bool { return c.Name == name })
	}
	s.scores = hasCol("customer_id") && hasCol("month") && hasCol("tier")
	if s.scores {
		// A generated bank has the table from the start, empty until the
		// first scoring run: until then the stand-in flag is used.
		err := r.db.Read(ctx, func(conn *sql.Conn) error {
			return conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+ScoresTable+`)`).Scan(&s.scores)
		})
		if err != nil {
			return upliftSources{}, fmt.Errorf("retention: read %s: %w", ScoresTable, err)
		}
	}
	return s, nil
}

// upliftCells reads treated and untreated counts per stratum. Both sides
// are customers flagged (or scored) in a month and still customers then;
// the treated got an action that month, the untreated none within three
// months either side (so that an earlier or later action does not blur
// the comparison). An outcome is counted once its 90 days have passed.
func (r *Retention) upliftCells(ctx context.Context, src upliftSources, where string, args []any, from, to string) (map[string]map[stratum]*upliftCell, map[stratum]*upliftCell, error) {
	var acts []string
	if src.bankActions {
		acts = append(acts, `SELECT customer_id, action_date, action_type, cost FROM `+BankActionsTable)
	}
	if src.recorded {
		acts = append(acts, `SELECT customer_id, action_date, action_type, cost FROM `+RecordedActionsTable)
	}
	if len(acts) == 0 {
		acts = append(acts, `SELECT NULL::BIGINT AS customer_id, NULL::DATE AS action_date, NULL::VARCHAR AS action_type, NULL::DOUBLE AS cost WHERE false`)
	}
	flagged := standInFlagSQL
	if src.scores {
		// A score is made at the end of its month, so an action in a month
		// is matched on the score of the month before: what the bank knew.
		flagged = `SELECT s.customer_id, (s.month::DATE + INTERVAL 1 MONTH)::DATE AS month, cm.segment, cm.aum, s.tier FROM ` + ScoresTable + ` s
			JOIN customer_months cm ON cm.customer_id = s.customer_id AND cm.month = s.month::DATE WHERE NOT cm.churned`
	}
	q := `WITH flagged AS (` + flagged + `),
acts AS (` + strings.Join(acts, " UNION ALL ") + `),
first_act AS (
	SELECT customer_id, date_trunc('month', action_date)::DATE AS month, arg_min(action_type, action_date) AS action_type,
		min(action_date) AS action_date, sum(cost) AS cost
	FROM acts GROUP BY ALL
),
units AS (
	SELECT f.*, a.action_type, a.cost, a.customer_id IS NOT NULL AS treated,
		coalesce(a.action_date, last_day(f.month)) AS ref_date
	FROM flagged f LEFT JOIN first_act a USING (customer_id, month)
	WHERE f.month BETWEEN date_trunc('month', ?::DATE) AND ?::DATE
		AND (a.customer_id IS NOT NULL OR NOT EXISTS (
			SELECT 1 FROM acts x WHERE x.customer_id = f.customer_id
				AND x.action_date >= f.month - INTERVAL 3 MONTH AND x.action_date < f.month + INTERVAL 4 MONTH))
)
SELECT u.segment, strftime(u.month, '%Y-%m') AS month, u.tier, u.treated, coalesce(u.action_type, '') AS action_type,
	count(*) AS n, count(*) FILTER (c.close_date IS NULL OR c.close_date > u.ref_date + ` + fmt.Sprint(upliftWindowDays) + `) AS kept,
	coalesce(sum(u.cost), 0) AS cost, coalesce(sum(u.aum), 0) AS aum
FROM units u JOIN customers c USING (customer_id) LEFT JOIN branches b ON b.branch_id = c.branch_id
WHERE u.ref_date + ` + fmt.Sprint(upliftWindowDays) + ` <= ?::DATE` + where + `
GROUP BY ALL`
	asOf := r.today().Format(time.DateOnly)
	all := append([]any{from, to, asOf}, args...)
	treated := map[string]map[stratum]*upliftCell{}
	control := map[stratum]*upliftCell{}
	err := r.db.Read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, q, all...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s stratum
			var isTreated bool
			var typ string
			var c upliftCell
			if err := rows.Scan(&s.segment, &s.month, &s.tier, &isTreated, &typ, &c.n, &c.kept, &c.cost, &c.aum); err != nil {
				return err
			}
			if !isTreated {
				control[s] = &c
				continue
			}
			if treated[typ] == nil {
				treated[typ] = map[stratum]*upliftCell{}
			}
			treated[typ][s] = &c
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, fmt.Errorf("uplift: %w", err)
	}
	return treated, control, nil
}

// standInFlagSQL flags a customer in a month when their month-end balance
// fell to 80% or less of two months before and they have not left: the
// draining balance that precedes churn. Only the first month of a run of
// flagged months counts, so that one customer's one episode is one unit
// (two months of the same episode would share their outcome and make the
// interval too narrow). It stands in for the risk tiers until scores
// exist, all flagged customers counting as tier "high".
const standInFlagSQL = `SELECT customer_id, month, segment, aum, 'high' AS tier FROM (
	SELECT *, coalesce(lag(flag) OVER (PARTITION BY customer_id ORDER BY month), false) AS flag_before FROM (
		SELECT customer_id, month, segment, aum,
			NOT churned AND lag(month, 2) OVER w = month - INTERVAL 2 MONTH
				AND lag(balance, 2) OVER w > 0 AND balance <= 0.8 * lag(balance, 2) OVER w AS flag
		FROM customer_months WINDOW w AS (PARTITION BY customer_id ORDER BY month)
	)
) WHERE flag AND NOT flag_before`

// upliftGroups folds the strata into the requested groups and the total.
func upliftGroups(by []string, treated map[string]map[stratum]*upliftCell, control map[stratum]*upliftCell, lang string) ([]UpliftGroup, UpliftGroup) {
	type acc struct {
		key   map[string]string
		cells map[stratum]*upliftCell
	}
	groups := map[string]*acc{}
	total := &acc{key: map[string]string{}, cells: map[stratum]*upliftCell{}}
	add := func(a *acc, s stratum, c *upliftCell) {
		x := a.cells[s]
		if x == nil {
			x = &upliftCell{}
			a.cells[s] = x
		}
		x.n, x.kept, x.cost, x.aum = x.n+c.n, x.kept+c.kept, x.cost+c.cost, x.aum+c.aum
	}
	for typ, cells := range treated {
		for s, c := range cells {
			key := map[string]string{}
			var parts []string
			for _, b := range by {
				v := map[string]string{"segment": s.segment, "action_type": typ, "tier": s.tier}[b]
				key[b] = v
				parts = append(parts, v)
			}
			id := strings.Join(parts, "\x00")
			if groups[id] == nil {
				groups[id] = &acc{key: key, cells: map[stratum]*upliftCell{}}
			}
			add(groups[id], s, c)
			add(total, s, c)
		}
	}
	out := make([]UpliftGroup, 0, len(groups))
	for _, a := range groups {
		out = append(out, measure(a.key, a.cells, control, lang))
	}
	sort.Slice(out, func(i, j int) bool {
		for _, b := range by {
			if out[i].Key[b] != out[j].Key[b] {
				return out[i].Key[b] < out[j].Key[b]
			}
		}
		return false
	})
	return out, measure(total.key, total.cells, control, lang)
}

// measure computes one group's uplift. The untreated side of each
// stratum is weighted by the treated customers in it (direct
// standardisation), so that the comparison is within segment, month and
// tier; the interval is the two-proportion normal interval with the
// untreated side's variance summed over strata:
//
//	Var = p_t(1−p_t)/n_t + Σ_s (n_t,s/n_t)² p_c,s(1−p_c,s)/n_c,s
func measure(key map[string]string, treated, control map[stratum]*upliftCell, lang string) UpliftGroup {
	g := UpliftGroup{Key: key}
	var nt, kept, pc, varC float64
	for s, c := range treated {
		ctl := control[s]
		if ctl == nil || ctl.n == 0 {
			g.Unmatched += int(c.n)
			continue
		}
		nt += c.n
		kept += c.kept
		g.Cost += c.cost
		g.AUMKept += c.aum // the treated's AUM for now; scaled by the uplift below
	}
	if nt == 0 {
		g.Note = noteText("none", lang)
		return g
	}
	for s, c := range treated {
		ctl := control[s]
		if ctl == nil || ctl.n == 0 {
			continue
		}
		w := c.n / nt
		p := ctl.kept / ctl.n
		pc += w * p
		varC += w * w * p * (1 - p) / ctl.n
		g.Untreated += int(ctl.n)
	}
	g.Treated = int(nt)
	pt := kept / nt
	g.TreatedRetention, g.UntreatedRetention, g.Uplift = pt, pc, pt-pc
	se := math.Sqrt(pt*(1-pt)/nt + varC)
	g.UpliftLow, g.UpliftHigh = g.Uplift-z95*se, g.Uplift+z95*se
	g.CustomersKept = g.Uplift * nt
	g.AUMKept *= g.Uplift
	g.Conclusive = g.Treated >= MinUpliftN && g.Untreated >= MinUpliftN
	switch {
	case !g.Conclusive:
		g.Note = noteText("small", lang)
	case g.UpliftLow > 0:
		g.Note = noteText("works", lang)
		g.CostPerCustomerKept = fptr(g.Cost / g.CustomersKept)
		if g.AUMKept > 0 {
			g.CostPer10kAUMKept = fptr(g.Cost / (g.AUMKept / 1e4))
		}
	case g.UpliftHigh < 0:
		g.Note = noteText("harms", lang)
	default:
		g.Note = noteText("unclear", lang)
	}
	return g
}

func noteText(kind, lang string) string {
	zh := map[string]string{
		"none":    "没有可比的受理客户",
		"small":   fmt.Sprintf("样本太小，无法下结论（每侧至少需 %d 名客户）", MinUpliftN),
		"works":   "挽留有效：95% 置信区间高于 0",
		"harms":   "受理客户留存更低：95% 置信区间低于 0",
		"unclear": "效果不确定：95% 置信区间包含 0",
	}
	en := map[string]string{
		"none":    "no comparable treated customers",
		"small":   fmt.Sprintf("too small to conclude (at least %d customers on each side needed)", MinUpliftN),
		"works":   "the actions work: the 95% interval is above 0",
		"harms":   "treated customers were retained less: the 95% interval is below 0",
		"unclear": "no clear effect: the 95% interval includes 0",
	}
	if lang == "en" {
		return en[kind]
	}
	return zh[kind]
}
