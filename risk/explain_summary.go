package risk

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// Summary is the weekly retention summary: headline figures, where the
// month's moves came from, the customers at risk, the actions of the week
// and what actions have been measured to achieve.
type Summary struct {
	Language string `json:"language"`
	// Month is the latest whole month, explained against the one before.
	Month    ResolvedPeriod `json:"month"`
	Baseline ResolvedPeriod `json:"baseline"`
	// Week is the last seven days, for the actions taken.
	Week ResolvedPeriod `json:"week"`
	// Text is what to send: the offline text, or the LLM's rewrite of it
	// when every number in the rewrite is one of the offline text's.
	Text    string `json:"text"`
	Offline string `json:"offline"`
	Source  string `json:"source"` // offline or llm
	// Rejected says why an LLM rewrite was not used.
	Rejected string `json:"rejected,omitempty"`
	// Figures are the computed figures as the text writes them.
	Figures   map[string]string `json:"figures"`
	Churn     *Explanation      `json:"churn"`
	AUM       *Explanation      `json:"aum"`
	AtRisk    int64             `json:"at_risk"`
	StandIn   bool              `json:"stand_in"`
	Actions   int64             `json:"actions"`
	Cost      float64           `json:"cost"`
	Effect    UpliftGroup       `json:"effect"`
	ElapsedMS float64           `json:"elapsed_ms"`
}

// Rewriter rewrites the summary's prose (an LLM); nil keeps the offline text.
type Rewriter interface {
	Rewrite(ctx context.Context, lang, text string) (string, error)
}

// Summarize builds the weekly summary for a caller's scope, offline from
// templates; with a rewriter, its text is used only if it passes
// CheckNumbers against the offline text.
func (r *Retention) Summarize(ctx context.Context, lang string, scope metrics.Scope, rw Rewriter) (*Summary, error) {
	start := time.Now()
	switch lang {
	case "":
		lang = "zh"
	case "zh", "en":
	default:
		return nil, beacon.Invalid("lang", []string{"zh", "en"}, "unknown language %q", clipText(lang))
	}
	s := &Summary{Language: lang, Source: "offline"}
	var err error
	month := Period{Range: "last_month"}
	if s.Churn, err = Explain(ctx, r.engine, ExplainRequest{Metric: "churn_rate", Dimensions: []string{"segment"}, Current: month, Language: lang, Top: 3}, scope); err != nil {
		return nil, fmt.Errorf("summary: churn: %w", err)
	}
	if s.AUM, err = Explain(ctx, r.engine, ExplainRequest{Metric: "aum", Dimensions: []string{"segment"}, Current: month, Language: lang, Top: 3}, scope); err != nil {
		return nil, fmt.Errorf("summary: aum: %w", err)
	}
	s.Month, s.Baseline = s.Churn.Current, s.Churn.Baseline
	today := r.today()
	s.Week = ResolvedPeriod{Start: today.AddDate(0, 0, -6).Format(time.DateOnly), End: today.Format(time.DateOnly), TimeZone: s.Month.TimeZone}
	if err := r.weekFigures(ctx, s, scope); err != nil {
		return nil, err
	}
	view, err := r.Uplift(ctx, UpliftRequest{By: []string{"segment"}, Language: lang}, scope)
	if err != nil {
		return nil, fmt.Errorf("summary: uplift: %w", err)
	}
	s.Effect = view.Total
	if s.Offline, err = s.render(r.engine.Catalog()); err != nil {
		return nil, err
	}
	s.Text = s.Offline
	if rw != nil {
		s.Rewrite(ctx, rw)
	}
	s.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return s, nil
}

// Rewrite asks the LLM for better prose and keeps it only if it invents
// no number; otherwise the text stays the offline one and Rejected says why.
func (s *Summary) Rewrite(ctx context.Context, rw Rewriter) {
	s.Text, s.Source, s.Rejected = s.Offline, "offline", ""
	text, err := rw.Rewrite(ctx, s.Language, s.Offline)
	if err != nil {
		s.Rejected = "the model could not be reached: " + firstLineOf(err.Error())
		return
	}
	if err := CheckNumbers(text, s.Offline); err != nil {
		s.Rejected = err.Error()
		return
	}
	s.Text, s.Source = text, "llm"
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// weekFigures counts the customers at risk now and the week's actions.
func (r *Retention) weekFigures(ctx context.Context, s *Summary, scope metrics.Scope) error {
	src, err := r.sources(ctx)
	if err != nil {
		return err
	}
	where, args, err := r.scopeFilter(ctx, scope)
	if err != nil {
		return err
	}
	s.StandIn = !src.scores
	risk := `SELECT count(*) FROM (` + standInFlagSQL + `) f JOIN customers c USING (customer_id) LEFT JOIN branches b ON b.branch_id = c.branch_id
		WHERE f.month = (SELECT max(month) FROM customer_months)` + where
	if src.scores {
		risk = `SELECT count(*) FROM ` + ScoresTable + ` s JOIN customers c USING (customer_id) LEFT JOIN branches b ON b.branch_id = c.branch_id
			WHERE s.tier = 'high' AND s.month = (SELECT max(month) FROM ` + ScoresTable + `)` + where
	}
	var acts []string
	if src.bankActions {
		acts = append(acts, `SELECT customer_id, action_date, cost FROM `+BankActionsTable)
	}
	if src.recorded {
		acts = append(acts, `SELECT customer_id, action_date, cost FROM `+RecordedActionsTable)
	}
	return r.db.Read(ctx, func(conn *sql.Conn) error {
		if err := conn.QueryRowContext(ctx, risk, args...).Scan(&s.AtRisk); err != nil {
			return fmt.Errorf("summary: customers at risk: %w", err)
		}
		if len(acts) == 0 {
			return nil
		}
		q := `SELECT count(*), coalesce(sum(a.cost), 0) FROM (` + strings.Join(acts, " UNION ALL ") + `) a
			JOIN customers c USING (customer_id) LEFT JOIN branches b ON b.branch_id = c.branch_id
			WHERE a.action_date BETWEEN ?::DATE AND ?::DATE` + where
		if err := conn.QueryRowContext(ctx, q, append([]any{s.Week.Start, s.Week.End}, args...)...).Scan(&s.Actions, &s.Cost); err != nil {
			return fmt.Errorf("summary: the week's actions: %w", err)
		}
		return nil
	})
}

// summaryTemplates are the offline texts; every number in them is one of
// the figures, formatted once.
var summaryTemplates = map[string]*template.Template{
	"zh": template.Must(template.New("zh").Parse(
		`【挽留周报 {{.F.month}}】{{.Churn}} {{.AUM}} ` +
			`当前高风险客户 {{.F.at_risk}} 人{{if .StandIn}}（替代标记：余额较两个月前降至 80% 及以下）{{end}}。` +
			`近 7 天（{{.F.week_start}} 至 {{.F.week_end}}）共采取挽留措施 {{.F.actions}} 次，成本 {{.F.cost}}。` +
			`{{if .Effect.Treated}}已知结果的挽留措施使 90 天留存率{{if ge .Effect.Uplift 0.0}}提高{{else}}降低{{end}} {{.F.uplift}} 个百分点（95% 置信区间 {{.F.uplift_low}} 至 {{.F.uplift_high}} 个百分点，受理 {{.F.treated}} 人）` +
			`{{if .F.cost_per_kept}}，每多留住一位客户成本 {{.F.cost_per_kept}}{{end}}；{{.Effect.Note}}。{{end}}`)),
	"en": template.Must(template.New("en").Parse(
		`Retention weekly, {{.F.month}}: {{.Churn}} {{.AUM}} ` +
			`{{.F.at_risk}} customers are at high risk now{{if .StandIn}} (stand-in flag: balance at most 80% of two months before){{end}}. ` +
			`In the last 7 days ({{.F.week_start}} to {{.F.week_end}}) {{.F.actions}} retention actions were taken, costing {{.F.cost}}. ` +
			`{{if .Effect.Treated}}Actions with a known outcome {{if ge .Effect.Uplift 0.0}}raised{{else}}lowered{{end}} 90-day retention by {{.F.uplift}} percentage points (95% interval {{.F.uplift_low}} to {{.F.uplift_high}}, {{.F.treated}} customers treated)` +
			`{{if .F.cost_per_kept}}, at {{.F.cost_per_kept}} per extra customer kept{{end}}; {{.Effect.Note}}.{{end}}`)),
}

// render fills the template with the figures, each formatted once.
func (s *Summary) render(cat *metrics.Catalog) (string, error) {
	lang := s.Language
	money := metrics.Definition{Format: "currency", Currency: cat.Model.Currency}
	pp := func(v float64) string { return fmt.Sprintf("%.1f", v*100) }
	s.Figures = map[string]string{
		"month":       s.Month.Start[:7],
		"week_start":  s.Week.Start,
		"week_end":    s.Week.End,
		"at_risk":     fmt.Sprint(s.AtRisk),
		"actions":     fmt.Sprint(s.Actions),
		"cost":        metrics.FormatValue(lang, money, s.Cost),
		"uplift":      pp(abs(s.Effect.Uplift)),
		"uplift_low":  pp(s.Effect.UpliftLow),
		"uplift_high": pp(s.Effect.UpliftHigh),
		"treated":     fmt.Sprint(s.Effect.Treated),
	}
	if s.Effect.CostPerCustomerKept != nil {
		s.Figures["cost_per_kept"] = metrics.FormatValue(lang, money, *s.Effect.CostPerCustomerKept)
	}
	var b bytes.Buffer
	err := summaryTemplates[lang].Execute(&b, map[string]any{
		"F": s.Figures, "Churn": s.Churn.Narrative, "AUM": s.AUM.Narrative, "StandIn": s.StandIn, "Effect": s.Effect,
	})
	if err != nil {
		return "", fmt.Errorf("summary: render: %w", err)
	}
	return b.String(), nil
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
