package alerts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/notify"
	"github.com/beaconbi/beacon/reports"
)

// Subscription sends a report on a schedule: its headline figures (each
// with its change versus the previous period), the key chart as an image
// when a renderer exists, and the link to the full report.
type Subscription struct {
	ID   string `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
	// Report names the declared report (reports/, /reports/{report}): the
	// message holds its KPI sections as headline figures and its key
	// section's chart, run under the owner's scope.
	Report string `json:"report" yaml:"report"`
	// Figures, when given, replace the report's headline figures by these
	// metric queries, the first drawn as the key chart; a subscription to
	// a report Beacon does not declare must give them.
	Figures  []metrics.Query `json:"figures,omitempty" yaml:"figures"`
	Schedule Schedule        `json:"schedule" yaml:"schedule"`
	Channels []ChannelRef    `json:"channels" yaml:"channels"`
	Owner    Owner           `json:"owner" yaml:"owner"`
	Lang     string          `json:"lang,omitempty" yaml:"lang"`
	Disabled bool            `json:"disabled,omitempty" yaml:"disabled"`
	Origin   string          `json:"origin,omitempty" yaml:"-"`

	msg *notify.Message
}

const maxFigures = 12

var reportRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// Validate checks the subscription's own fields; it returns the first
// problem, Problems lists them all.
func (s *Subscription) Validate(channels []string) error {
	if errs := s.Problems(channels); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Problems checks the subscription's own fields, each independently, and
// returns every problem found.
func (s *Subscription) Problems(channels []string) []error {
	if s.Lang == "" {
		s.Lang = "zh"
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if !validID(s.ID) {
		add(invalidf("id", "id %q must be 1 to 64 lower-case letters, digits, - or _, starting with a letter or digit", clip(s.ID)))
	}
	if strings.TrimSpace(s.Name) == "" || len([]rune(s.Name)) > 200 {
		add(invalidf("name", "give the subscription a name of 1 to 200 characters"))
	}
	if !reportRE.MatchString(s.Report) {
		add(invalidf("report", "name the report (letters, digits, - or _), e.g. weekly_retention"))
	}
	if len(s.Figures) > maxFigures {
		add(invalidf("figures", "give at most %d headline figures, each a metric query", maxFigures))
	}
	for i, f := range s.Figures {
		if len(f.Metrics) != 1 {
			add(invalidf(fmt.Sprintf("figures[%d].metrics", i), "a headline figure is one metric, got %d", len(f.Metrics)))
		} else if len(f.Dimensions) > 1 {
			add(invalidf(fmt.Sprintf("figures[%d].dimensions", i), "a headline figure has at most one breakdown"))
		}
		errs = append(errs, scopeProblems(fmt.Sprintf("figures[%d]", i), f.Filters, s.Owner.Scope)...)
	}
	errs = append(errs, s.Schedule.problems("schedule")...)
	add(validateChannels(s.Channels, channels))
	if !containsString(langs, s.Lang) {
		add(invalidf("lang", "unknown language %q; use zh or en", clip(s.Lang)))
	}
	add(validateOwner(s.Owner))
	return errs
}

// Check validates the subscription and compiles its figures in the
// owner's scope; without figures of its own, its report must be declared.
func (s *Subscription) Check(q Querier, set *reports.Set, channels []string) error {
	if errs := s.CheckAll(q, set, channels); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// CheckAll is Check returning every problem.
func (s *Subscription) CheckAll(q Querier, set *reports.Set, channels []string) []error {
	errs := s.Problems(channels)
	if len(s.Figures) == 0 && reportRE.MatchString(s.Report) {
		if _, ok := set.Get(s.Report); !ok {
			errs = append(errs, invalidf("report", "no report %q is declared (reports: %s); name one, or give figures:", clip(s.Report), strings.Join(set.Names(), ", ")))
		} else if _, ok := q.(reports.Runner); !ok {
			errs = append(errs, invalidf("figures", "give figures: this scheduler cannot run reports"))
		}
	}
	c, ok := q.(interface {
		Compile(metrics.Query, metrics.Scope) (*metrics.Compiled, error)
	})
	if !ok {
		return errs
	}
	for i, f := range s.Figures {
		if len(f.Metrics) != 1 {
			continue
		}
		if _, err := c.Compile(figureQuery(f), s.Owner.Scope); err != nil {
			errs = append(errs, prefixField(fmt.Sprintf("figures[%d]", i), err))
		}
	}
	return errs
}

// figureQuery asks for the change versus the previous period when the
// figure has a time range and no comparison of its own.
func figureQuery(q metrics.Query) metrics.Query {
	if q.Compare == "" && q.Time != nil && (q.Time.Range != "" || q.Time.Start != "") && q.Time.Grain == "" {
		q.Compare = "previous_period"
	}
	return q
}

// prepareReport runs the figures and words the message.
func (sc *Scheduler) prepareReport(ctx context.Context, run *ruleRun) error {
	msg, err := sc.reportMessage(ctx, run.sub, notify.KindReport)
	if err != nil {
		return err
	}
	run.sub.msg = msg
	return nil
}

func (sc *Scheduler) reportMessage(ctx context.Context, s *Subscription, kind notify.Kind) (*notify.Message, error) {
	zh := s.Lang != "en"
	msg := &notify.Message{Kind: kind, Lang: s.Lang, Title: s.Name, At: sc.now(), TimeZone: s.Schedule.TimeZone}
	msg.Link = sc.subscriptionLink(s)
	if len(s.Figures) == 0 {
		if err := sc.digestMessage(ctx, s, msg); err != nil {
			return nil, err
		}
		return msg, nil
	}
	var key *metrics.Result
	for i, f := range s.Figures {
		res, err := sc.q.Run(ctx, figureQuery(f), s.Owner.Scope)
		if err != nil {
			return nil, fmt.Errorf("subscription %s figure %d: %w", s.ID, i, err)
		}
		if i == 0 {
			key = res
		}
		msg.Figures = append(msg.Figures, figures(sc.names(s.Lang), res, f.Metrics[0])...)
		if i == 0 && res.Time.Start != "" {
			msg.Lines = append(msg.Lines, pick(zh, "期间：", "Period: ")+res.Time.Start+" – "+res.Time.End+" ("+res.Time.TimeZone+")")
		}
	}
	if len(s.Owner.Scope) > 0 {
		msg.Lines = append(msg.Lines, sc.names(s.Lang).scopeLine(s.Owner.Scope))
	}
	if sc.cfg.Renderer != nil && key != nil {
		img, err := sc.cfg.Renderer.Chart(ctx, key, s.Lang)
		if err != nil {
			sc.log.Debug("report chart not drawn; sending text", "subscription", s.ID, "err", err)
		} else {
			msg.Image = img
		}
	}
	return msg, nil
}

// digestMessage fills msg from the subscription's declared report, run
// under the owner's scope: its KPI sections as headline figures, the
// period they cover, and its key section's chart (drawn as the report
// page draws it) as the image, named in a line so that a text-only
// channel still says which chart the link shows.
func (sc *Scheduler) digestMessage(ctx context.Context, s *Subscription, msg *notify.Message) error {
	zh := s.Lang != "en"
	r, ok := sc.cfg.Reports.Get(s.Report)
	rn, isRunner := sc.q.(reports.Runner)
	if !ok || !isRunner {
		return fmt.Errorf("subscription %s: report %q is not declared", s.ID, s.Report)
	}
	d, err := reports.RunDigest(ctx, rn, r, s.Owner.Scope, s.Lang)
	if err != nil {
		return fmt.Errorf("subscription %s: %w", s.ID, err)
	}
	for i, f := range d.Headlines {
		for _, m := range f.Query.Metrics {
			fs := figures(sc.names(s.Lang), f.Result, m)
			if len(f.Query.Metrics) == 1 && len(fs) == 1 && f.Title != "" {
				fs[0].Label = f.Title
			}
			msg.Figures = append(msg.Figures, fs...)
		}
		if i == 0 && f.Result.Time.Start != "" {
			msg.Lines = append(msg.Lines, pick(zh, "期间：", "Period: ")+f.Result.Time.Start+" – "+f.Result.Time.End+" ("+f.Result.Time.TimeZone+")")
		}
	}
	if len(s.Owner.Scope) > 0 {
		msg.Lines = append(msg.Lines, sc.names(s.Lang).scopeLine(s.Owner.Scope))
	}
	if d.Key == nil {
		return nil
	}
	if d.Key.Sentence != "" {
		msg.Lines = append(msg.Lines, d.Key.Sentence)
	}
	msg.Lines = append(msg.Lines, pick(zh, "图：", "Chart: ")+d.Key.Title)
	if sc.cfg.Renderer == nil || d.Key.Option == "" {
		return nil
	}
	var img *notify.Image
	if or, ok := sc.cfg.Renderer.(OptionRenderer); ok {
		img, err = or.ChartOption(ctx, []byte(d.Key.Option))
	} else {
		img, err = sc.cfg.Renderer.Chart(ctx, d.Key.Result, s.Lang)
	}
	if err != nil {
		sc.log.Debug("report chart not drawn; sending text and the link", "subscription", s.ID, "err", err)
		return nil
	}
	msg.Image = img
	return nil
}

// figures words a figure query's rows: one figure, or one per group,
// labelled by its values' labels, with the metric's format and unit.
func figures(n names, res *metrics.Result, metric string) []notify.Figure {
	lang := n.lang
	def := definition(res, metric)
	zh := lang != "en"
	var out []notify.Figure
	for i := range res.Rows {
		f := notify.Figure{Label: label(def, lang), Value: metrics.FormatValue(lang, def, res.Value(i, metric))}
		for _, c := range res.Columns {
			if c.Role == "dimension" {
				f.Label += " · " + n.value(c.Name, fmt.Sprint(res.Value(i, c.Name)))
			}
		}
		if d := number(res.Value(i, metric+"_delta")); d != nil {
			r := &Rule{Lang: lang, Condition: Condition{Compare: "previous_period"}}
			f.Change = changeText(r, def, *d)
			if !flat(r, def, *d) {
				f.Trend = sign(*d) // a change that rounds to nothing has no arrow
			}
			if !zh {
				f.Change = strings.Replace(f.Change, "vs previous period", "vs prev.", 1)
			}
		}
		out = append(out, f)
	}
	return out
}

// recordReport queues a due report; its key is the run's time, so the
// same run is never queued twice.
func (sc *Scheduler) recordReport(_ context.Context, w *tickWrites, run *ruleRun, now time.Time) error {
	s := run.sub
	return addNotices(w.outbox, s.ID, "", "run-"+now.UTC().Format(time.RFC3339), "report", s.Channels, *s.msg, now)
}
