package server

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
)

// listMetrics handles GET /api/v1/metrics: the governed catalog.
func (s *Server) listMetrics(c *fiber.Ctx) error {
	cat := s.engine.Catalog()
	return c.JSON(fiber.Map{
		"model":      fiber.Map{"name": cat.Model.Name, "title": cat.Model.Title, "time_zone": cat.Location.String()},
		"metrics":    s.metricEntries(cat),
		"dimensions": dimensionList(cat, principalOf(c).Scope),
	})
}

// metricEntry is a metric in the catalog listing: its definition and the
// dates its data spans now.
type metricEntry struct {
	metrics.Definition
	DataFrom string `json:"data_from,omitempty"`
	DataTo   string `json:"data_to,omitempty"`
}

func (s *Server) metricEntries(cat *metrics.Catalog) []metricEntry {
	defs := cat.Definitions()
	out := make([]metricEntry, len(defs))
	for i, d := range defs {
		out[i] = metricEntry{Definition: d}
		if first, last, ok := s.engine.MetricExtent(d.Name); ok {
			out[i].DataFrom, out[i].DataTo = first.Format("2006-01-02"), last.Format("2006-01-02")
		}
	}
	return out
}

// listDimensions handles GET /api/v1/dimensions: dimensions with labels and known values.
func (s *Server) listDimensions(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"dimensions": dimensionList(s.engine.Catalog(), principalOf(c).Scope)})
}

// dimensionList lists the dimensions; a scoped caller sees only the
// values of scoped dimensions that the scope allows, and none of the values
// read from the data for other dimensions (branch names beyond a region).
func dimensionList(cat *metrics.Catalog, scope metrics.Scope) []*metrics.Dimension {
	var out []*metrics.Dimension
	for _, n := range cat.DimensionNames() {
		d, _ := cat.Dimension(n)
		allowed, scoped := scope[n]
		if scope != nil && !scoped && d.ValuesFromData {
			c := *d
			c.Values = nil
			d = &c
		}
		if scoped {
			c := *d
			c.Values = nil
			for _, v := range d.Values {
				if slices.Contains(allowed, v.Value) {
					c.Values = append(c.Values, v)
				}
			}
			d = &c
		}
		out = append(out, d)
	}
	return out
}

// getDefinition handles GET /api/v1/metrics/:name/definition.
func (s *Server) getDefinition(c *fiber.Ctx) error {
	cat := s.engine.Catalog()
	m, ok := cat.Metric(c.Params("name"))
	if !ok {
		return beacon.Invalid("name", cat.Names(), "unknown metric %q", c.Params("name")).WithCode(beacon.ENOTFOUND)
	}
	return c.JSON(cat.Definition(m))
}

// getMetric handles GET /api/v1/metrics/:name?by=&grain=&range=&start=&end=&tz=&compare=&filter=&order=&limit=&totals=
// the GET form of a one-metric query.
func (s *Server) getMetric(c *fiber.Ctx) error {
	cat := s.engine.Catalog()
	name := c.Params("name")
	if _, ok := cat.Metric(name); !ok {
		return beacon.Invalid("name", cat.Names(), "unknown metric %q", clipParam(name)).WithCode(beacon.ENOTFOUND)
	}
	q, err := queryFromParams(c, name)
	if err != nil {
		return err
	}
	return s.run(c, q)
}

// postQuery handles POST /api/v1/query: a metric query as JSON.
func (s *Server) postQuery(c *fiber.Ctx) error {
	var q metrics.Query
	if err := decodeJSON(c.Request().Body(), &q); err != nil {
		return err
	}
	if wantsXLSX(c) {
		return s.postQueryXLSX(c, q)
	}
	return s.run(c, q)
}

// postCompile handles POST /api/v1/query/compile: the SQL a query compiles to, without running it.
func (s *Server) postCompile(c *fiber.Ctx) error {
	var q metrics.Query
	if err := decodeJSON(c.Request().Body(), &q); err != nil {
		return err
	}
	comp, err := s.engine.Compile(q, principalOf(c).Scope)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"sql": comp.SQL, "params": comp.Args, "columns": comp.Columns, "time": comp.Time})
}

func (s *Server) run(c *fiber.Ctx, q metrics.Query) error {
	res, err := s.runAdmitted(c, q, principalOf(c).Scope)
	if err != nil {
		return err
	}
	c.Locals(localSQL, res.SQL)
	return sendResult(c, res)
}

// queryFromParams reads the GET form: by=a,b grain= range= start= end= tz=
// compare= filter=dim:op:v1,v2 (repeatable) order=-metric,dim limit= totals=true.
func queryFromParams(c *fiber.Ctx, metric string) (metrics.Query, error) {
	q := metrics.Query{Metrics: []string{metric}}
	if err := utf8Params(c); err != nil {
		return q, err
	}
	if by := c.Query("by"); by != "" {
		q.Dimensions = strings.Split(by, ",")
	}
	t := metrics.TimeSpec{Grain: c.Query("grain"), Range: c.Query("range"), Start: c.Query("start"), End: c.Query("end"), TimeZone: c.Query("tz")}
	if t != (metrics.TimeSpec{}) {
		q.Time = &t
	}
	q.Compare = c.Query("compare")
	for i, f := range c.Context().QueryArgs().PeekMulti("filter") {
		parts := strings.SplitN(string(f), ":", 3)
		if len(parts) != 3 {
			return q, beacon.Invalid("filter", nil, "filter %d must be dimension:op:value (values comma-separated for in, not_in, between), got %q", i+1, clipParam(string(f)))
		}
		flt := metrics.Filter{Dimension: parts[0], Op: parts[1]}
		switch parts[1] {
		case "in", "not_in", "not_in_known", "between":
			for _, v := range strings.Split(parts[2], ",") {
				flt.Values = append(flt.Values, v)
			}
		default:
			flt.Value = parts[2]
		}
		q.Filters = append(q.Filters, flt)
	}
	if o := c.Query("order"); o != "" {
		for _, by := range strings.Split(o, ",") {
			desc := strings.HasPrefix(by, "-")
			q.Order = append(q.Order, metrics.Order{By: strings.TrimPrefix(by, "-"), Desc: desc})
		}
	}
	if l := c.Query("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return q, beacon.Invalid("limit", nil, "limit must be a whole number, got %q", clipParam(l))
		}
		if n == 0 {
			// 0 is not "the default": leaving limit out is.
			return q, beacon.Invalid("limit", nil, "limit must be 1 or more, got 0; leave it out for the default")
		}
		q.Limit = n
	}
	if tot := c.Query("totals"); tot != "" {
		b, err := strconv.ParseBool(tot)
		if err != nil {
			return q, beacon.Invalid("totals", nil, "totals must be true or false, got %q", clipParam(tot))
		}
		q.Totals = b
	}
	return q, nil
}

// utf8Params refuses URL parameters that are not valid UTF-8 once
// percent-decoded, naming the first such parameter.
func utf8Params(c *fiber.Ctx) error {
	var bad string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if bad == "" && (!utf8.Valid(k) || !utf8.Valid(v)) {
			bad = strings.ToValidUTF8(string(k), "\uFFFD")
		}
	})
	if bad != "" {
		return beacon.Invalid(clipParam(bad), nil, "URL parameter %s is not valid UTF-8 once percent-decoded; send text as UTF-8", clipParam(bad))
	}
	return nil
}

func clipParam(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// runAdmitted runs a metric query once admission gives it a turn: a result
// the cache holds is cheap work; anything else runs on DuckDB.
func (s *Server) runAdmitted(c *fiber.Ctx, q metrics.Query, scope metrics.Scope) (*metrics.Result, error) {
	class := ClassQuery
	if s.engine.Cached(q, scope) {
		class = ClassCheap
	}
	release, err := s.enter(c, class)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.engine.Run(c.UserContext(), q, scope)
}
