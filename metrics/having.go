package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// MetricFilter keeps the result rows whose metric value meets a condition:
// "regions whose churn rate is above 2%". It is applied to the answer's
// rows, after each row's value is computed, like SQL's HAVING; a metric
// whose value is unknown in a row (no denominator) never meets it.
type MetricFilter struct {
	Metric string `json:"metric" yaml:"metric,omitempty"`
	Op     string `json:"op" yaml:"op,omitempty"`
	Value  any    `json:"value,omitempty" yaml:"value,omitempty"`
	Values []any  `json:"values,omitempty" yaml:"values,omitempty"`
}

// HavingOps are the operators a MetricFilter takes.
var HavingOps = []string{"gt", "gte", "lt", "lte", "between", "eq", "neq"}

// havingPlan is a checked MetricFilter.
type havingPlan struct {
	metric string
	op     string
	values []float64
}

// checkHaving validates q.Having: each names a metric of the query and
// compares it with numbers (fractions for percentages: 0.02 is 2%).
func (c *Catalog) checkHaving(p *plan, q Query) error {
	if len(q.Having) == 0 {
		return nil
	}
	if q.Totals {
		return invalid("totals", nil, "totals cover every row; they cannot be combined with having, which keeps only some")
	}
	for i, h := range q.Having {
		field := fmt.Sprintf("having[%d]", i)
		if !slices.Contains(q.Metrics, h.Metric) {
			return invalid(field+".metric", q.Metrics, "having may only test a metric the query asks for; %q is not among them", clip(h.Metric))
		}
		if !slices.Contains(HavingOps, h.Op) {
			return invalid(field+".op", HavingOps, "unknown operator %q", clip(h.Op))
		}
		raw := []any{h.Value}
		switch {
		case h.Op == "between" && (h.Value != nil || len(h.Values) != 2):
			return invalid(field+".values", nil, "between takes values: [low, high]")
		case h.Op == "between":
			raw = h.Values
		case h.Value == nil || len(h.Values) > 0:
			return invalid(field+".value", nil, "operator %s takes one value: value: ...", h.Op)
		}
		hp := havingPlan{metric: h.Metric, op: h.Op}
		for _, v := range raw {
			f, ok := havingNumber(v)
			if !ok {
				return invalid(field+".value", nil, "a metric is compared with a number, got %v", clipAny(v))
			}
			hp.values = append(hp.values, f)
		}
		if h.Op == "between" && hp.values[0] > hp.values[1] {
			return invalid(field+".values", nil, "between's low end %v is above its high end %v", hp.values[0], hp.values[1])
		}
		p.having = append(p.having, hp)
	}
	return nil
}

// havingNumber reads a condition's number, as decoded from JSON or YAML.
func havingNumber(v any) (float64, bool) {
	if n, ok := v.(json.Number); ok {
		f, err := n.Float64()
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return Number(v)
}

func clipAny(v any) string { return clip(fmt.Sprint(v)) }

// havingSQL is the condition on a computed metric column.
func havingSQL(w *sqlWriter, col string, h havingPlan) string {
	switch h.op {
	case "between":
		return col + " BETWEEN " + w.param(h.values[0]) + " AND " + w.param(h.values[1])
	case "neq":
		return col + " <> " + w.param(h.values[0])
	}
	return col + " " + map[string]string{"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "="}[h.op] + " " + w.param(h.values[0])
}
