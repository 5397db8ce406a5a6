package server

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/models"
	"github.com/beaconbi/beacon/warehouse"
	"github.com/beaconbi/beacon/web"
)

// frontCSP lets a page load and talk to this server only: no inline script,
// no other host. ECharts styles its elements through the CSSOM, which
// style-src does not restrict; its "save as image" needs data: images.
const frontCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// frontPages are the browser's page paths, each answered with the front's
// index.html, which routes on the client. Other paths (/api, /assets,
// /reports, /images, /healthz, /readyz) never fall back to the page.
var frontPages = []string{"/", "/ask", "/metrics", "/metrics/:name", "/explore", "/dashboards", "/dashboards/:name", "/watchlist", "/alerts", "/subscriptions"}

// mountFront serves the browser front at its page paths, and under api the
// routes only the front needs: who is signed in, the dashboards and the
// user's pins.
func (s *Server) mountFront(api fiber.Router) {
	index, err := fs.ReadFile(web.Static(), "index.html")
	if err != nil {
		index = nil // built without the front: the page routes answer 404
	}
	page := func(c *fiber.Ctx) error {
		if index == nil {
			return beacon.Errorf(beacon.ENOTFOUND, "this binary was built without the web front")
		}
		c.Set(fiber.HeaderContentSecurityPolicy, frontCSP)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		c.Set(fiber.HeaderXFrameOptions, "DENY")
		// The page is tiny and names assets that change with the binary.
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Type("html", "utf-8")
		return c.Send(index)
	}
	for _, p := range frontPages {
		s.app.Get(p, page)
	}
	cheap := s.admit(ClassCheap)
	pins := s.mountPins(api)
	api.Get("/session", s.allow(roleViewer), cheap, func(c *fiber.Ctx) error { return s.getSession(c, pins) })
	api.Get("/dashboards", s.allow(roleViewer), cheap, s.listDashboards)
	api.Get("/dashboards/:name", s.allow(roleViewer), cheap, s.getDashboard)
}

// getSession handles GET /api/v1/session: whether authentication is on, who
// the caller is and what they may see, the model's zone and how recent the
// data is. The front shows it in its header. pins says whether the server
// keeps pins.
func (s *Server) getSession(c *fiber.Ctx, pins bool) error {
	p := principalOf(c)
	cat := s.engine.Catalog()
	// today is the engine's date in the model's zone (a model or a test may
	// fix it): the default date of an action the front records.
	data := fiber.Map{"version": s.db.Version(), "today": s.engine.Now().In(cat.Location).Format(time.DateOnly)}
	// The data's last date is the one most metrics share: a source dated by
	// maturity (contracts) runs into the future and would overstate it.
	var from, to string
	ends := map[string]int{}
	for _, e := range s.metricEntries(cat) {
		if e.DataFrom == "" {
			continue
		}
		if from == "" || e.DataFrom < from {
			from = e.DataFrom
		}
		ends[e.DataTo]++
		if n := ends[e.DataTo]; n > ends[to] || (n == ends[to] && e.DataTo > to) {
			to = e.DataTo
		}
	}
	if from != "" {
		data["from"], data["to"] = from, to
	}
	if at, ok, err := s.db.Meta(c.UserContext(), warehouse.MetaDemoGeneratedAt); err == nil && ok {
		data["loaded_at"] = at
	}
	// The declared reports, so the front can link to their pages and
	// offer them to a subscription.
	reps := []fiber.Map{}
	for _, n := range s.cfg.Reports.Names() {
		if r, ok := s.cfg.Reports.Get(n); ok {
			reps = append(reps, fiber.Map{"name": r.Name, "title": r.Title})
		}
	}
	scope := p.Scope
	if scope == nil {
		scope = metrics.Scope{}
	}
	return c.JSON(fiber.Map{
		"auth":    s.auth.enabled(),
		"subject": p.Subject,
		"role":    p.Role,
		"scope":   scope,
		"model":   fiber.Map{"name": cat.Model.Name, "title": cat.Model.Title, "time_zone": cat.Location.String()},
		"data":    data,
		"version": s.cfg.Version,
		"reports": reps,
		// The pages the front shows beyond its own: the watch list reads the
		// risk routes (always mounted), alerts only where the server runs them.
		"features": fiber.Map{"risk": true, "alerts": s.cfg.Alerts != nil, "pins": pins},
	})
}

// listDashboards handles GET /api/v1/dashboards: each dashboard's name,
// title and description.
func (s *Server) listDashboards(c *fiber.Ctx) error {
	out := make([]fiber.Map, 0, len(s.cfg.Dashboards))
	for _, d := range s.cfg.Dashboards {
		out = append(out, fiber.Map{"name": d.Name, "title": d.Title, "description": d.Description})
	}
	return c.JSON(fiber.Map{"dashboards": out})
}

// getDashboard handles GET /api/v1/dashboards/:name: the whole definition.
// Its panels' queries are run by the browser through POST /api/v1/query,
// under the caller's own row scope.
func (s *Server) getDashboard(c *fiber.Ctx) error {
	name := c.Params("name")
	i := slices.IndexFunc(s.cfg.Dashboards, func(d models.Dashboard) bool { return d.Name == name })
	if i < 0 {
		names := make([]string, len(s.cfg.Dashboards))
		for j, d := range s.cfg.Dashboards {
			names[j] = d.Name
		}
		return beacon.Invalid("name", names, "no dashboard %q", clipParam(name)).WithCode(beacon.ENOTFOUND)
	}
	return c.JSON(s.cfg.Dashboards[i])
}

// checkDashboards compiles every panel's query, with the dashboard's
// default period and every shared filter, against the catalog, so that a
// dashboard naming a metric or dimension the model lacks stops the server
// at start rather than showing an error card.
func checkDashboards(eng *metrics.Engine, ds []models.Dashboard) error {
	if len(ds) == 0 {
		return nil
	}
	cat := eng.Catalog()
	for _, d := range ds {
		for _, f := range d.Filters {
			if _, ok := cat.Dimension(f.Dimension); !ok {
				return fmt.Errorf("dashboard %s: filter on unknown dimension %q", d.Name, f.Dimension)
			}
		}
		for i, p := range d.Panels {
			b, err := json.Marshal(p.Query)
			if err != nil {
				return fmt.Errorf("dashboard %s: panels[%d].query: %w", d.Name, i, err)
			}
			var q metrics.Query
			if err := decodeJSON(b, &q); err != nil {
				return fmt.Errorf("dashboard %s: panels[%d].query: %w", d.Name, i, err)
			}
			if q.Time == nil {
				q.Time = &metrics.TimeSpec{}
			}
			if q.Time.Range == "" && q.Time.Start == "" && d.Range != "" {
				q.Time.Range = d.Range
			}
			if _, err := eng.Compile(q, nil); err != nil {
				return fmt.Errorf("dashboard %s: panels[%d] (%s): %w", d.Name, i, p.Title.En, err)
			}
		}
	}
	return nil
}
