package metrics

// Typed names of what the compiler dispatches on: the kinds of metric, the
// time grains and the filter operators. Model files and queries spell them
// as these strings; code that writes SQL for them compares with these
// constants, so that a new kind is added here and found by the compiler
// wherever it must be handled.

// MetricType is the kind of a governed metric.
type MetricType string

// The metric types a model may declare.
const (
	MetricSimple     MetricType = "simple"
	MetricRatio      MetricType = "ratio"
	MetricDerived    MetricType = "derived"
	MetricCumulative MetricType = "cumulative"
	MetricShare      MetricType = "share"
	MetricPoP        MetricType = "period_over_period"
)

// Grain is a time grain, finest first in grains.
type Grain string

// The time grains.
const (
	GrainDay     Grain = "day"
	GrainWeek    Grain = "week"
	GrainMonth   Grain = "month"
	GrainQuarter Grain = "quarter"
	GrainYear    Grain = "year"
)

// FilterOp is a filter's operator (FilterOps lists them for clients).
type FilterOp string

// The filter operators.
const (
	OpEq         FilterOp = "eq"
	OpNeq        FilterOp = "neq"
	OpIn         FilterOp = "in"
	OpNotIn      FilterOp = "not_in"
	OpNotInKnown FilterOp = "not_in_known"
	OpGt         FilterOp = "gt"
	OpGte        FilterOp = "gte"
	OpLt         FilterOp = "lt"
	OpLte        FilterOp = "lte"
	OpBetween    FilterOp = "between"
	OpContains   FilterOp = "contains"
)
