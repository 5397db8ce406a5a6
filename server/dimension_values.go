package server

import (
	"fmt"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// mountDimensionValues adds GET /api/v1/dimensions/{name}/values: the
// values of one dimension the caller has rows for. A dashboard's shared
// filter offers these, so a branch head is not offered five regions
// whose every choice is empty.
func (s *Server) mountDimensionValues(api fiber.Router) {
	api.Get("/dimensions/:name/values", s.allow(roleViewer), s.getDimensionValues)
}

// getDimensionValues answers the catalog's values to an unscoped caller;
// to a scoped one, the values its scope allows on a scoped dimension, else
// the values found in its rows by a governed query under its scope (so the
// scope is enforced by the same compiler as every query, and the answer
// is cached with the results).
func (s *Server) getDimensionValues(c *fiber.Ctx) error {
	cat := s.engine.Catalog()
	name := c.Params("name")
	d, ok := cat.Dimension(name)
	if !ok {
		return beacon.Invalid("name", cat.DimensionNames(), "unknown dimension %q", clipParam(name)).WithCode(beacon.ENOTFOUND)
	}
	scope := principalOf(c).Scope
	if scope == nil {
		return c.JSON(fiber.Map{"dimension": name, "values": orEmpty(d.Values), "scoped": false})
	}
	if allowed, scoped := scope[name]; scoped {
		return c.JSON(fiber.Map{"dimension": name, "values": known(d, allowed), "scoped": true})
	}
	metric := valuesMetric(cat, name)
	if metric == "" {
		return c.JSON(fiber.Map{"dimension": name, "values": []*metrics.DimensionValue{}, "scoped": true})
	}
	// No time: the whole history, so a value seen in any month is offered.
	q := metrics.Query{Metrics: []string{metric}, Dimensions: []string{name}}
	res, err := s.runAdmitted(c, q, scope)
	if err != nil {
		return err
	}
	var seen []string
	for i := range res.Rows {
		if v := res.Value(i, name); v != nil {
			seen = append(seen, fmt.Sprint(v))
		}
	}
	return c.JSON(fiber.Map{"dimension": name, "values": known(d, seen), "scoped": true})
}

// known lists the values in vals with the catalog's labels, in the
// catalog's order, then those the catalog does not know, as they came.
func known(d *metrics.Dimension, vals []string) []*metrics.DimensionValue {
	out := []*metrics.DimensionValue{}
	for _, v := range d.Values {
		if slices.Contains(vals, v.Value) {
			out = append(out, v)
		}
	}
	for _, v := range vals {
		if !slices.ContainsFunc(out, func(x *metrics.DimensionValue) bool { return x.Value == v }) {
			out = append(out, &metrics.DimensionValue{Value: v})
		}
	}
	return out
}

func orEmpty(v []*metrics.DimensionValue) []*metrics.DimensionValue {
	if v == nil {
		return []*metrics.DimensionValue{}
	}
	return v
}

// valuesMetric is a metric whose groups by dim are the dimension's values
// present in the rows: a plain aggregation with no row filter of its own
// (high-risk customers would show only the high tier), a count where one
// exists; "" when no metric can be cut by dim.
func valuesMetric(cat *metrics.Catalog, dim string) string {
	best := ""
	for _, def := range cat.Definitions() {
		if def.Type != "simple" || !slices.Contains(def.Dimensions, dim) || slices.ContainsFunc(def.Measures, func(m metrics.MeasureDefinition) bool { return m.Filter != "" }) {
			continue
		}
		if def.Format == "count" {
			return def.Name
		}
		if best == "" {
			best = def.Name
		}
	}
	return best
}
