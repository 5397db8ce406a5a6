package alerts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// scopeProblems refuses the filters of a query that can never match inside
// the owner's row scope: the engine adds the scope to every query, so a
// rule filtering on a branch the owner may not see evaluates to nothing,
// forever, and never fires (a subscription's figure, likewise, is always
// empty). field is where the query sits ("query", "figures[0]").
//
// Only what the scope's own values show is judged: a filter on the scope's
// dimension that names a value outside it (eq, in), that excludes every
// value of it (neq, not_in, not_in_known), or that no value of it contains
// (contains). A filter on another dimension (a region, for a branch scope)
// or a range (gt, between) is left to the data.
func scopeProblems(field string, filters []metrics.Filter, scope metrics.Scope) []error {
	var errs []error
	for i, f := range filters {
		allowed, ok := scope[f.Dimension]
		if !ok || len(allowed) == 0 {
			continue
		}
		if err := outsideScope(fmt.Sprintf("%s.filters[%d]", field, i), f, allowed); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// outsideScope judges one filter on a scoped dimension against the values
// the scope allows.
func outsideScope(field string, f metrics.Filter, allowed []string) error {
	scope := f.Dimension + ": " + listed(allowed)
	switch f.Op {
	case "eq", "in":
		values, sub := f.Values, field+".values"
		if f.Op == "eq" {
			values, sub = []any{f.Value}, field+".value"
		}
		for j, v := range values {
			if slices.Contains(allowed, text(v)) {
				continue
			}
			if f.Op == "in" {
				sub = fmt.Sprintf("%s[%d]", sub, j)
			}
			return &beacon.Error{Code: beacon.EINVALID, Field: sub, Valid: allowed[:min(len(allowed), maxListed)],
				Message: fmt.Sprintf("%s %q is outside the owner's row scope (%s): the query would never see a row; filter on a value of the scope", f.Dimension, clip(text(v)), scope)}
		}
	case "neq", "not_in", "not_in_known":
		excluded := f.Values
		if f.Op == "neq" {
			excluded = []any{f.Value}
		}
		left := slices.DeleteFunc(slices.Clone(allowed), func(a string) bool {
			return slices.ContainsFunc(excluded, func(v any) bool { return text(v) == a })
		})
		if len(left) == 0 {
			return &beacon.Error{Code: beacon.EINVALID, Field: field,
				Message: fmt.Sprintf("the filter excludes every %s of the owner's row scope (%s): the query would never see a row", f.Dimension, scope)}
		}
	case "contains":
		sub := text(f.Value)
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.Contains(a, sub) }) {
			return &beacon.Error{Code: beacon.EINVALID, Field: field + ".value",
				Message: fmt.Sprintf("no %s of the owner's row scope (%s) contains %q: the query would never see a row", f.Dimension, scope, clip(sub))}
		}
	}
	return nil
}

// maxListed bounds the scope values an error lists.
const maxListed = 10

// listed writes a scope's values, the first maxListed of a long one.
func listed(values []string) string {
	if len(values) <= maxListed {
		return strings.Join(values, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(values[:maxListed], ", "), len(values)-maxListed)
}

// text is a filter value as the scope writes its values.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
