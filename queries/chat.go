package queries

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
)

// Planner turns a question, with the previous query of its conversation
// (or nil) and the caller's row scope, into a plan.
type Planner interface {
	Plan(ctx context.Context, question string, prev *metrics.Query, scope metrics.Scope) (*Plan, error)
}

// Chat answers questions: it plans them (with the LLM planner when one is
// configured, the offline planner otherwise or as its fallback), runs the
// governed query for the asker's row scope, and writes the answer.
type Chat struct {
	engine  *metrics.Engine
	offline *Offline
	llm     Planner
	convs   *conversations
	// db and retention answer the risk-list, uplift and what-if routes;
	// nil leaves them unanswered (route.go).
	db        *warehouse.DB
	retention *risk.Retention
}

// ChatConfig configures a Chat.
type ChatConfig struct {
	// LLM, when set, is asked first; its plans are validated and the
	// offline planner is the fallback.
	LLM Planner
	// Conversations bounds the follow-up memory (default 10,000), and
	// ConversationsPerCaller what one caller may hold of it (default a
	// tenth), so that no caller can push the others' out; TTL is how long
	// a conversation lasts after its last answer.
	Conversations          int
	ConversationsPerCaller int
	TTL                    time.Duration
	// DB, when set, answers questions routed to the risk list, the uplift
	// view and the what-if estimate.
	DB *warehouse.DB
}

// NewChat returns a chat service over the engine's catalog.
func NewChat(engine *metrics.Engine, cfg ChatConfig) *Chat {
	if cfg.Conversations == 0 {
		cfg.Conversations = 10_000
	}
	if cfg.ConversationsPerCaller <= 0 {
		cfg.ConversationsPerCaller = max(1, cfg.Conversations/10)
	}
	if cfg.TTL == 0 {
		cfg.TTL = 2 * time.Hour
	}
	c := &Chat{
		engine:  engine,
		offline: NewOffline(engine.Catalog(), engine.Now).WithDataTime(engine),
		llm:     cfg.LLM,
		convs:   newConversations(cfg.Conversations, cfg.ConversationsPerCaller, cfg.TTL),
		db:      cfg.DB,
	}
	if cfg.DB != nil {
		c.retention = risk.NewRetention(cfg.DB, engine)
	}
	return c
}

// Offline returns the offline planner, for evaluation.
func (c *Chat) Offline() *Offline { return c.offline }

// Answer is the reply to one question.
type Answer struct {
	ConversationID string                `json:"conversation_id"`
	Question       string                `json:"question"`
	Status         string                `json:"status"` // answer, clarify, refuse
	Answer         string                `json:"answer"`
	Plan           *Plan                 `json:"interpretation"`
	Query          *metrics.Query        `json:"query,omitempty"`
	Time           *metrics.ResolvedTime `json:"time,omitempty"`
	SQL            string                `json:"sql,omitempty"`
	Params         []any                 `json:"params,omitempty"`
	Columns        []metrics.Column      `json:"columns,omitempty"`
	Rows           []json.RawMessage     `json:"rows,omitempty"`
	Truncated      bool                  `json:"truncated,omitempty"`
	Result         *metrics.Result       `json:"-"`
	Chart          map[string]any        `json:"chart,omitempty"`
	ElapsedMS      float64               `json:"elapsed_ms"`
	// Route is what the question was routed to (metric, explain,
	// risk_list, uplift, whatif), Request the request made of it and
	// RouteResult what that capability returned.
	Route       string        `json:"route"`
	Request     *RouteRequest `json:"request,omitempty"`
	RouteResult any           `json:"route_result,omitempty"`
}

var convIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// MaxQuestion is the longest question accepted, in characters.
const MaxQuestion = 500

// Ask answers a question for a caller (subject, scope) in a conversation;
// an empty conversation id starts a new one.
func (c *Chat) Ask(ctx context.Context, question, convID, subject string, scope metrics.Scope) (*Answer, error) {
	start := time.Now()
	switch n := utf8.RuneCountInString(question); {
	case !utf8.ValidString(question):
		return nil, beacon.Invalid("question", nil, "the question is not valid UTF-8")
	case n == 0:
		return nil, beacon.Invalid("question", nil, "ask a question, e.g. 上个月高净值客户流失率是多少？")
	case n > MaxQuestion:
		return nil, beacon.Invalid("question", nil, "the question has %d characters; the limit is %d", n, MaxQuestion)
	}
	if convID == "" {
		convID = newID()
	} else if !convIDRE.MatchString(convID) {
		return nil, beacon.Invalid("conversation_id", nil, "a conversation id is 1-64 letters, digits, - or _")
	}
	// Conversations are per caller: another user's id finds nothing.
	key := convKey(subject, convID)
	prev, _ := c.convs.get(key)
	plan, err := c.plan(ctx, question, prev, scope)
	if err != nil {
		return nil, err
	}
	a := &Answer{ConversationID: convID, Question: question, Plan: plan, Status: plan.Status, Answer: plan.Message, Route: RouteMetric}
	if plan.Status == "answer" {
		if word := c.hiddenValue(plan, scope); word != "" {
			// A name outside the caller's scope reads as an unknown word, so the
			// answer does not tell that it exists.
			c.offline.refuse(plan, word, plan.Query.Metrics)
		}
	}
	if len(scope) > 0 && plan.Status == "refuse" && plan.unknown != "" {
		c.offline.refuseScoped(plan, scope)
		a.Status, a.Answer = plan.Status, plan.Message
	}
	if plan.Status == "answer" && plan.Route != "" && plan.Route != RouteMetric {
		if err := c.routeAnswer(ctx, a, plan, scope); err != nil {
			return nil, err
		}
		if a.Status == "answer" {
			// A follow-up (按分行看呢, only the top 20) refines this request.
			c.convs.add(key, Turn{Route: plan.Route, Request: plan.Request})
			// Say what was assumed or carried over (no period given; the
			// previous question followed).
			a.Answer += notesSuffix(plan.Lang, plan.Notes)
		}
		a.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
		return a, nil
	}
	if plan.PremiseQuery != nil {
		a.Answer += c.premiseCheck(ctx, plan, scope)
	}
	if plan.Status == "answer" {
		res, err := c.engine.Run(ctx, plan.Query, scope)
		var be *beacon.Error
		se, computing := risk.AsScoringError(err)
		switch {
		case computing:
			// The figures asked for are still being computed (churn scores
			// after a start): say so with the progress, and give no number.
			plan.Status, a.Status = "clarify", "clarify"
			plan.Message = se.Message(plan.Lang)
			a.Answer = plan.Message
		case errors.As(err, &be) && be.Code == beacon.EINVALID:
			// The words were understood but do not fit together (e.g. a breakdown
			// the metric does not have): say so rather than guess.
			plan.Status, a.Status = "clarify", "clarify"
			plan.Message = c.offline.say(plan.Lang, "这个问题无法按指标口径回答：%s", "That question does not fit the governed metrics: %s", be.Message)
			a.Answer = plan.Message
		case err != nil:
			return nil, err
		default:
			q := plan.Query
			a.Query, a.Result = &q, res
			a.Time, a.SQL, a.Params, a.Columns, a.Truncated = &res.Time, res.SQL, res.Params, res.Columns, res.Truncated
			if a.Rows, err = res.RowObjects(); err != nil {
				return nil, err
			}
			a.Answer = Sentence(plan.Lang, c.engine.Catalog(), q, res) + scopeNote(plan.Lang, scope)
			if len(plan.Notes) > 0 {
				a.Answer += notesSuffix(plan.Lang, plan.Notes)
			}
			c.convs.add(key, Turn{Query: &q})
		}
	}
	a.ElapsedMS = float64(time.Since(start).Microseconds()) / 1000
	return a, nil
}

// hiddenValue returns the question's word for a filter value that the
// caller's scope does not reach, or "".
func (c *Chat) hiddenValue(plan *Plan, scope metrics.Scope) string {
	if len(scope) == 0 {
		return ""
	}
	for _, f := range append(slices.Clone(plan.Query.Filters), routeFilters(plan)...) {
		allowed, scoped := scope[f.Dimension]
		if !scoped {
			continue
		}
		for _, v := range append([]any{f.Value}, f.Values...) {
			if v != nil && !slices.Contains(allowed, fmt.Sprint(v)) {
				for _, g := range plan.Understood {
					if g.Kind == "value" && g.Name == f.Dimension+"="+fmt.Sprint(v) {
						return g.Text
					}
				}
				return fmt.Sprint(v)
			}
		}
	}
	return ""
}

// refuseScoped rewords a scoped caller's refusal of a word, whether the
// word names a value outside the scope or nothing at all: the two must
// read the same, or the refusal would tell which names exist beyond the
// scope. So it names no word (the span an unknown word is cut to differs
// from a known name's), lists nothing it understood, and suggests metrics
// from those the question named only.
func (o *Offline) refuseScoped(p *Plan, scope metrics.Scope) {
	var found []string
	for _, g := range p.Understood {
		if g.Kind == "metric" && !slices.Contains(found, g.Name) {
			found = append(found, g.Name)
		}
	}
	p.Status, p.Query, p.Route, p.Request = "refuse", metrics.Query{}, "", nil
	p.Understood, p.Candidates, p.Notes = nil, nil, nil
	p.Suggestions = o.suggest("", found)
	p.Message = o.say(p.Lang, "问题中有您无法查看的内容：不在指标目录中，或超出您的数据范围（%s），因此不给出数字。可以问的指标：%s。",
		"Part of the question is not available to you: it is not in the metric catalog, or it is outside your access (%s), so I give no number. Metrics you can ask about: %s.",
		scopeText(p.Lang, scope), listIn(p.Lang, o.labels(p.Lang, p.Suggestions)))
}

// scopeText lists a scope's values, dimension by dimension.
func scopeText(lang string, scope metrics.Scope) string {
	var parts []string
	for _, d := range slices.Sorted(maps.Keys(scope)) {
		parts = append(parts, listIn(lang, scope[d]))
	}
	if lang == "zh" {
		return strings.Join(parts, "；")
	}
	return strings.Join(parts, "; ")
}

// scopeNote says that a scoped caller's figure covers only their scope, so
// that 全行 read by a branch head is not taken for the whole bank.
func scopeNote(lang string, scope metrics.Scope) string {
	if len(scope) == 0 {
		return ""
	}
	if lang == "zh" {
		return "（仅含您有权查看的范围：" + scopeText(lang, scope) + "）"
	}
	return " (within your access: " + scopeText(lang, scope) + ")"
}

// premiseCheck runs the comparison behind a direction the question
// asserted (为什么流失率上升了) and says what the data shows, correcting a
// false premise.
func (c *Chat) premiseCheck(ctx context.Context, plan *Plan, scope metrics.Scope) string {
	q := *plan.PremiseQuery
	res, err := c.engine.Run(ctx, q, scope)
	if err != nil || len(res.Rows) != 1 {
		return ""
	}
	m, _ := c.engine.Catalog().Metric(q.Metrics[0])
	d, ok := toFloat(res.Value(0, m.Name+"_delta"))
	if !ok {
		return ""
	}
	facts := sentence(plan.Lang, c.engine.Catalog(), q, res)
	agrees := d > 0 && plan.Premise == "up" || d < 0 && plan.Premise == "down"
	switch {
	case plan.Lang == "zh" && agrees:
		return "数据显示：" + facts
	case plan.Lang == "zh":
		return "另外，问题的前提与数据不符：" + facts
	case agrees:
		return " The data shows: " + facts
	}
	return " Note that the question's premise does not match the data: " + facts
}

func notesSuffix(lang string, notes []string) string {
	s := ""
	for _, n := range notes {
		if lang == "zh" {
			s += "（" + n + "）"
		} else {
			s += " (" + n + ")"
		}
	}
	return s
}

// plan asks the LLM planner when configured, and falls back to the
// offline planner when it fails or gives nothing valid.
func (c *Chat) plan(ctx context.Context, question string, prev Turn, scope metrics.Scope) (*Plan, error) {
	if prev.routed() {
		// A follow-up of a routed answer stays on its route, read offline
		// against the request made; a question of its own is planned afresh.
		if p := c.offline.PlanAfter(question, prev); p.FollowsRoute() {
			return p, nil
		}
	}
	if c.llm != nil {
		p, err := c.llm.Plan(ctx, question, prev.Query, scope)
		// Only a validated query is taken from the model: its own words
		// (a refusal, a question back) could state an ungoverned number,
		// so those are left to the offline planner, which grounds its own.
		if err == nil && p != nil && p.Status == "answer" {
			return p, nil
		}
	}
	return c.offline.PlanAfter(question, prev), nil
}

func newID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}
