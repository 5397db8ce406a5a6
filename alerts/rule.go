// Package alerts watches governed metrics for the bank: alert rules
// evaluated on a schedule under their owner's row scope, their states
// (ok → pending → firing → resolved), silences, report subscriptions, and
// an outbox that delivers each notice once through the notify channels.
//
// It depends on a Querier (which *metrics.Engine satisfies) and on
// notify.Notifier, never on the HTTP server.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// Querier runs a governed metric query under a row scope.
// *metrics.Engine satisfies it.
type Querier interface {
	Run(ctx context.Context, q metrics.Query, scope metrics.Scope) (*metrics.Result, error)
}

// Rule is an alert rule: a governed metric query, the condition that
// breaks it, when it is evaluated, and where its notices go.
type Rule struct {
	ID   string `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
	// Query is the metric query evaluated. With dimensions it is a
	// breakdown rule: every group (branch, segment, ...) has its own state.
	Query metrics.Query `json:"query" yaml:"query"`
	// Metric is the query's metric the condition reads; empty means its first.
	Metric    string    `json:"metric,omitempty" yaml:"metric"`
	Condition Condition `json:"condition" yaml:"condition"`
	Schedule  Schedule  `json:"schedule" yaml:"schedule"`
	// For is how many consecutive breaching evaluations fire the rule;
	// 0 and 1 fire at the first.
	For int `json:"for,omitempty" yaml:"for"`
	// Repeat is how long a firing alert waits before it is sent again;
	// empty never repeats.
	Repeat   Duration     `json:"repeat,omitempty" yaml:"repeat"`
	Channels []ChannelRef `json:"channels" yaml:"channels"`
	// Owner's row scope applies to every evaluation and message.
	Owner Owner `json:"owner" yaml:"owner"`
	// Lang is the language of messages: zh (default) or en.
	Lang     string `json:"lang,omitempty" yaml:"lang"`
	Disabled bool   `json:"disabled,omitempty" yaml:"disabled"`
	// Origin is "api" or the YAML file the rule was loaded from.
	Origin string `json:"origin,omitempty" yaml:"-"`
}

// Owner is who a rule belongs to: its row scope restricts the data seen.
type Owner struct {
	Subject string        `json:"subject" yaml:"subject"`
	Scope   metrics.Scope `json:"scope,omitempty" yaml:"scope"`
}

// ChannelRef names a configured channel and, optionally, who on it is
// addressed (mobiles for @-mentions, e-mail addresses).
type ChannelRef struct {
	Name       string   `json:"name" yaml:"name"`
	Recipients []string `json:"recipients,omitempty" yaml:"recipients"`
}

// Duration is a length of time written as Go writes it: "30m", "24h",
// "1h30m". It is kept as text and checked by Validate, so that a bad one
// is reported against its field.
type Duration string

// value is the duration; Validate has checked it.
func (d Duration) value() time.Duration {
	v, _ := time.ParseDuration(string(d))
	return v
}

// Condition is what breaks a rule, read from the rule's metric:
//
//   - threshold: the value is above Above or below Below;
//   - change: the change versus Compare (previous_period or
//     same_period_last_year), absolute or in percent (Change), is above
//     Above or below Below;
//   - band: the value is outside mean ± K·σ of its last Periods periods
//     at Grain.
type Condition struct {
	Kind    string   `json:"kind" yaml:"kind"`
	Above   *float64 `json:"above,omitempty" yaml:"above"`
	Below   *float64 `json:"below,omitempty" yaml:"below"`
	Compare string   `json:"compare,omitempty" yaml:"compare"`
	Change  string   `json:"change,omitempty" yaml:"change"`
	Periods int      `json:"periods,omitempty" yaml:"periods"`
	K       float64  `json:"k,omitempty" yaml:"k"`
	Grain   string   `json:"grain,omitempty" yaml:"grain"`
}

// Condition kinds and their options.
var (
	conditionKinds = []string{"threshold", "change", "band"}
	compareModes   = []string{"previous_period", "same_period_last_year"}
	changeModes    = []string{"absolute", "percent"}
	bandGrains     = []string{"day", "week", "month", "quarter", "year"}
	langs          = []string{"zh", "en"}
)

// Bounds on what a rule may ask for.
const (
	maxChannels   = 20
	maxRecipients = 100
	maxFor        = 1000
	maxPeriods    = 120
	minRepeat     = time.Minute
)

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func invalidf(field, format string, args ...any) *beacon.Error {
	return beacon.Invalid(field, nil, format, args...)
}

// Validate checks the rule's own fields; channels lists the configured
// channel names. The query itself is checked by compiling it (Check).
// It returns the first problem; Problems lists them all.
func (r *Rule) Validate(channels []string) error {
	if errs := r.Problems(channels); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// Problems checks the rule's own fields, each independently of the
// others, and returns every problem found (an alerts file reports them
// all at once, so that one start shows every fix to make).
func (r *Rule) Problems(channels []string) []error {
	if r.Lang == "" {
		r.Lang = "zh"
	}
	checks := []func() error{
		func() error {
			if !validID(r.ID) {
				return invalidf("id", "id %q must be 1 to 64 lower-case letters, digits, - or _, starting with a letter or digit", clip(r.ID))
			}
			return nil
		},
		func() error {
			if strings.TrimSpace(r.Name) == "" || len([]rune(r.Name)) > 200 {
				return invalidf("name", "give the rule a name of 1 to 200 characters")
			}
			return nil
		},
		func() error {
			if len(r.Query.Metrics) == 0 {
				return invalidf("query.metrics", "give the metric the rule watches")
			}
			if r.Metric != "" && !slices.Contains(r.Query.Metrics, r.Metric) {
				return beacon.Invalid("metric", r.Query.Metrics, "metric %q is not one of the query's metrics", clip(r.Metric))
			}
			return nil
		},
		func() error {
			if r.Query.Compare != "" {
				return invalidf("query.compare", "a rule's query sets no comparison; use condition.kind: change with condition.compare")
			}
			return nil
		},
		nil, // the condition: every problem of it (Condition.problems)
		func() error {
			if r.Condition.Kind == "band" && !hasRange(r.Query.Time) {
				return invalidf("query.time", "a band condition needs a time range on the query (e.g. time: {range: last_month}): the band is drawn from the periods before it")
			}
			return nil
		},
		func() error {
			if r.For < 0 || r.For > maxFor {
				return invalidf("for", "for must be between 0 and %d consecutive evaluations, got %d", maxFor, r.For)
			}
			return nil
		},
		func() error {
			if r.Repeat == "" {
				return nil
			}
			v, err := time.ParseDuration(string(r.Repeat))
			if err != nil {
				return invalidf("repeat", "%q is not a duration such as 30m or 24h", clip(string(r.Repeat)))
			}
			if v < minRepeat {
				return invalidf("repeat", "repeat must be at least %s, got %s", minRepeat, v)
			}
			return nil
		},
		func() error { return validateChannels(r.Channels, channels) },
		func() error {
			if !slices.Contains(langs, r.Lang) {
				return beacon.Invalid("lang", langs, "unknown language %q", clip(r.Lang))
			}
			return nil
		},
		func() error { return validateOwner(r.Owner) },
	}
	var errs []error
	for i, check := range checks {
		if i == 6 { // the schedule, in the order fields are written
			errs = append(errs, r.Schedule.problems("schedule")...)
		}
		if check == nil {
			errs = append(errs, r.Condition.problems()...)
			continue
		}
		if err := check(); err != nil {
			errs = append(errs, err)
		}
	}
	return append(errs, scopeProblems("query", r.Query.Filters, r.Owner.Scope)...)
}

// problems checks the condition, every field independently of the others
// (a band with periods 0, k -2 and grain fortnight has three problems,
// reported at once). An unknown kind is the only problem reported, since
// which fields belong depends on the kind.
func (c Condition) problems() []error {
	if !slices.Contains(conditionKinds, c.Kind) {
		return []error{beacon.Invalid("condition.kind", conditionKinds, "unknown condition kind %q", clip(c.Kind))}
	}
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	if c.Above == nil && c.Below == nil && c.Kind != "band" {
		add(invalidf("condition", "give above, below or both"))
	}
	if c.Above != nil && c.Below != nil && *c.Below > *c.Above && c.Kind != "band" {
		// Both set means "outside [below, above]"; the other way round nothing could pass.
		add(invalidf("condition.below", "below (%g) is above above (%g): the rule would always fire", *c.Below, *c.Above))
	}
	switch c.Kind {
	case "threshold":
		if c.Compare != "" || c.Change != "" || c.Periods != 0 || c.K != 0 || c.Grain != "" {
			add(invalidf("condition", "a threshold takes only above and below"))
		}
	case "change":
		if !slices.Contains(compareModes, c.Compare) {
			add(beacon.Invalid("condition.compare", compareModes, "a change condition compares with previous_period or same_period_last_year, got %q", clip(c.Compare)))
		}
		if !slices.Contains(changeModes, c.Change) {
			add(beacon.Invalid("condition.change", changeModes, "say whether the change is absolute or percent, got %q", clip(c.Change)))
		}
		if c.Periods != 0 || c.K != 0 || c.Grain != "" {
			add(invalidf("condition", "a change condition takes compare, change, above and below"))
		}
	case "band":
		if c.Above != nil || c.Below != nil || c.Compare != "" || c.Change != "" {
			add(invalidf("condition", "a band condition takes periods, k and grain, not above, below or compare"))
		}
		if c.Periods < 3 || c.Periods > maxPeriods {
			add(invalidf("condition.periods", "periods must be between 3 and %d, got %d", maxPeriods, c.Periods))
		}
		if c.K <= 0 || c.K > 10 {
			add(invalidf("condition.k", "k (the band's width in standard deviations) must be above 0 and at most 10, got %g", c.K))
		}
		if !slices.Contains(bandGrains, c.Grain) {
			add(beacon.Invalid("condition.grain", bandGrains, "a band needs the grain of its periods, got %q", clip(c.Grain)))
		}
	}
	return errs
}

func validateChannels(refs []ChannelRef, configured []string) error {
	if len(refs) == 0 || len(refs) > maxChannels {
		return invalidf("channels", "give 1 to %d channels", maxChannels)
	}
	seen := map[string]bool{}
	for i, c := range refs {
		field := fmt.Sprintf("channels[%d]", i)
		if !slices.Contains(configured, c.Name) {
			return beacon.Invalid(field+".name", configured, "no channel named %q is configured", clip(c.Name))
		}
		if seen[c.Name] {
			return invalidf(field+".name", "channel %q is listed twice", c.Name)
		}
		seen[c.Name] = true
		if len(c.Recipients) > maxRecipients {
			return invalidf(field+".recipients", "at most %d recipients, got %d", maxRecipients, len(c.Recipients))
		}
		for j, rc := range c.Recipients {
			if strings.TrimSpace(rc) == "" || len(rc) > 320 || strings.ContainsAny(rc, "\r\n") {
				return invalidf(fmt.Sprintf("%s.recipients[%d]", field, j), "a recipient is a non-empty mobile number, user id or e-mail address on one line")
			}
		}
	}
	return nil
}

func validateOwner(o Owner) error {
	if strings.TrimSpace(o.Subject) == "" {
		return invalidf("owner.subject", "a rule needs an owner, whose row scope applies to it")
	}
	for dim, vals := range o.Scope {
		if len(vals) == 0 {
			return invalidf("owner.scope."+dim, "a scope dimension must allow at least one value")
		}
	}
	return nil
}

// Check validates the rule and compiles its query against the catalog, in
// the owner's scope, so that a rule naming an unknown metric or dimension
// is refused when saved, not at its first evaluation.
func (r *Rule) Check(ctx context.Context, q Querier, channels []string) error {
	if errs := r.CheckAll(ctx, q, channels); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// CheckAll is Check returning every problem: the rule's fields' and, when
// it names a metric, its query's.
func (r *Rule) CheckAll(ctx context.Context, q Querier, channels []string) []error {
	errs := r.Problems(channels)
	if len(r.Query.Metrics) == 0 || r.Query.Compare != "" {
		return errs
	}
	if c, ok := q.(interface {
		Compile(metrics.Query, metrics.Scope) (*metrics.Compiled, error)
	}); ok {
		q := r.evalQuery()
		if !slices.Contains(compareModes, q.Compare) {
			// A bad condition.compare is reported there, not a second
			// time at query.compare, a field the rule does not write.
			q.Compare = ""
		}
		if _, err := c.Compile(q, r.Owner.Scope); err != nil {
			// The query's problems come first, as in the file.
			errs = append([]error{prefixField("query", err)}, errs...)
		} else if err := r.bandGrainProblem(c.Compile); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// bandGrainProblem compiles a band rule's history query once, grouped by
// the band's grain, so that a grain finer than the metric's data (days
// over a table recorded by month) is refused at condition.grain when the
// rule is saved, rather than failing at every evaluation.
func (r *Rule) bandGrainProblem(compile func(metrics.Query, metrics.Scope) (*metrics.Compiled, error)) error {
	c := r.Condition
	if c.Kind != "band" || !slices.Contains(bandGrains, c.Grain) {
		return nil
	}
	hq := r.Query
	hq.Time = &metrics.TimeSpec{Grain: c.Grain}
	if r.Query.Time != nil {
		hq.Time.TimeZone = r.Query.Time.TimeZone
	}
	hq.Order, hq.Limit = nil, 0
	_, err := compile(hq, r.Owner.Scope)
	var be *beacon.Error
	if err == nil || !errors.As(err, &be) || be.Code != beacon.EINVALID {
		return nil
	}
	if be.Field != "time.grain" && be.Field != "time" {
		return nil
	}
	valid := be.Valid
	if len(valid) == 0 {
		valid = bandGrains
	}
	return beacon.Invalid("condition.grain", valid, "the band cannot be drawn by %s: %s", c.Grain, be.Message)
}

// prefixField puts a query error's field under the rule's query.
func prefixField(prefix string, err error) error {
	var be *beacon.Error
	if e, ok := err.(*beacon.Error); ok {
		be = e
	}
	if be == nil || be.Code != beacon.EINVALID {
		return err
	}
	c := *be
	if c.Field == "" {
		c.Field = prefix
	} else {
		c.Field = prefix + "." + c.Field
	}
	return &c
}

// metric is the metric the condition reads.
func (r *Rule) metric() string {
	if r.Metric != "" {
		return r.Metric
	}
	return r.Query.Metrics[0]
}

// evalQuery is the query run at each evaluation: for a change condition
// it asks the engine for the comparison columns.
func (r *Rule) evalQuery() metrics.Query {
	q := r.Query
	if r.Condition.Kind == "change" {
		q.Compare = r.Condition.Compare
	}
	return q
}

// hasRange reports whether a query's time names a window (a range or a start).
func hasRange(t *metrics.TimeSpec) bool {
	return t != nil && (t.Range != "" || t.Start != "" || t.End != "")
}

// clip shortens a client string before it is echoed in an error.
func clip(s string) string {
	r := []rune(s)
	if len(r) <= 80 {
		return s
	}
	return string(r[:80]) + "…"
}
