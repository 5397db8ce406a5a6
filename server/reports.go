package server

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/export"
	"github.com/beaconbi/beacon/metrics"
	"github.com/beaconbi/beacon/reports"
)

// reportCSP lets a report page load script, style and images from Beacon
// alone: the bank's network is closed, and a page must not call out.
const reportCSP = "default-src 'self'"

// xlsxType is the media type of an Excel workbook.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// mountReports serves report pages under /reports, with the same
// authentication and row scope as /api/v1: GET /reports/{name} for a
// declared report, GET or POST /reports/query for any metric query. Their
// script and style (reports.StaticPath) hold no data and are public.
func (s *Server) mountReports() {
	s.app.Use(reports.StaticPath, func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: http.FS(reports.Static())}))
	if s.cfg.ReportLinks != nil {
		s.app.Get(reports.SharedPath+":token", s.getSharedReport)
	}
	g := s.app.Group("/reports", s.reportToken, s.authenticate, s.limitBody, s.cancelOnDisconnect, s.allow(roleViewer))
	g.Get("/query", s.getQueryReport)
	g.Post("/query", s.postQueryReport)
	g.Get("/:name", s.getReport)
}

// getSharedReport handles GET /shared/{token}: the report a message links
// to, opened without signing in. The sealed token (reports.Sharer) is the
// capability: it names the report or queries and the row scope of the
// rule's or subscription's owner, and expires after reports.SharedTTL; an
// unknown, altered and expired token all answer 404 alike.
func (s *Server) getSharedReport(c *fiber.Ctx) error {
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Robots-Tag", "noindex, nofollow")
	sh, err := s.cfg.ReportLinks.Open(c.Params("token"), time.Now())
	if err != nil {
		return errNoSharedReport
	}
	r, ok := sh.Page(s.cfg.Reports)
	if !ok {
		return errNoSharedReport
	}
	lang := sh.Lang
	if l := c.Query("lang"); l == "zh" || l == "en" {
		lang = l
	}
	release, err := s.enter(c, ClassQuery)
	if err != nil {
		return err
	}
	defer release()
	p, err := reports.Run(c.UserContext(), s.engine, r, sh.Scope, lang)
	if err != nil {
		return err
	}
	p.Shared = true
	var b bytes.Buffer
	if err := p.HTML(&b, "../", reports.Links{}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentSecurityPolicy, reportCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b.Bytes())
}

var errNoSharedReport = fiber.NewError(fiber.StatusNotFound, "no such report link: it is wrong or has expired")

// reportToken lets a browser open a report from a link: with no
// Authorization header, an access_token query parameter (RFC 6750 §2.3)
// stands for it. Pages carry no-referrer and no-store, so the token does
// not leak through a Referer header or a cache.
func (s *Server) reportToken(c *fiber.Ctx) error {
	if c.Get(fiber.HeaderAuthorization) == "" {
		if t := c.Query("access_token"); t != "" {
			c.Request().Header.Set(fiber.HeaderAuthorization, "Bearer "+t)
		}
	}
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Next()
}

// getReport handles GET /reports/{name}?lang=zh|en[&format=xlsx].
func (s *Server) getReport(c *fiber.Ctx) error {
	name := c.Params("name")
	r, ok := s.cfg.Reports.Get(name)
	if !ok {
		return beacon.Invalid("name", s.cfg.Reports.Names(), "unknown report %q", clipParam(name)).WithCode(beacon.ENOTFOUND)
	}
	lang, format, err := reportParams(c)
	if err != nil {
		return err
	}
	release, err := s.enter(c, ClassQuery)
	if err != nil {
		return err
	}
	defer release()
	scope := principalOf(c).Scope
	if format == "xlsx" {
		var sheets []export.Sheet
		for _, sec := range r.Sections {
			q := r.Query(sec)
			title := reports.SectionTitle(s.engine.Catalog(), sec, lang)
			sh, err := export.WithTotals(c.UserContext(), s.engine, title, title, q, scope)
			if err != nil {
				return err
			}
			sheets = append(sheets, sh)
		}
		return s.sendXLSX(c, r.Name, lang, sheets)
	}
	p, err := reports.Run(c.UserContext(), s.engine, r, scope, lang)
	if err != nil {
		return err
	}
	return sendPage(c, p)
}

// getQueryReport handles GET /reports/query?metric=churn_rate&by=segment&...:
// the report of one metric query, in the GET form of /api/v1/metrics/{name}
// (by, grain, range, start, end, tz, compare, filter, order, limit), with
// chart=, lang= and format=xlsx.
func (s *Server) getQueryReport(c *fiber.Ctx) error {
	metric := c.Query("metric")
	if metric == "" {
		return beacon.Invalid("metric", s.engine.Catalog().Names(), "name the metric: /reports/query?metric=churn_rate&by=segment")
	}
	q, err := queryFromParams(c, metric)
	if err != nil {
		return err
	}
	return s.queryReport(c, q)
}

// postQueryReport handles POST /reports/query: a metric query as JSON (as
// for POST /api/v1/query), with chart=, lang= and format=xlsx as parameters.
func (s *Server) postQueryReport(c *fiber.Ctx) error {
	var q metrics.Query
	if err := decodeJSON(c.Request().Body(), &q); err != nil {
		return err
	}
	return s.queryReport(c, q)
}

func (s *Server) queryReport(c *fiber.Ctx, q metrics.Query) error {
	lang, format, err := reportParams(c)
	if err != nil {
		return err
	}
	release, err := s.enter(c, ClassQuery)
	if err != nil {
		return err
	}
	defer release()
	if format == "xlsx" {
		return s.queryXLSX(c, q, lang)
	}
	p, err := reports.RunQuery(c.UserContext(), s.engine, q, c.Query("chart"), principalOf(c).Scope, lang)
	if err != nil {
		return err
	}
	return sendPage(c, p)
}

// queryXLSX answers a metric query as a workbook: POST /api/v1/query and
// /reports/query with format=xlsx.
func (s *Server) queryXLSX(c *fiber.Ctx, q metrics.Query, lang string) error {
	title := reports.SectionTitle(s.engine.Catalog(), reports.Section{Query: q}, lang)
	sh, err := export.WithTotals(c.UserContext(), s.engine, title, title, q, principalOf(c).Scope)
	if err != nil {
		return err
	}
	return s.sendXLSX(c, "query", lang, []export.Sheet{sh})
}

// postQueryXLSX is POST /api/v1/query?format=xlsx; lang= picks the
// workbook's language (default zh).
func (s *Server) postQueryXLSX(c *fiber.Ctx, q metrics.Query) error {
	lang, _, err := reportParams(c)
	if err != nil {
		return err
	}
	release, err := s.enter(c, ClassQuery)
	if err != nil {
		return err
	}
	defer release()
	return s.queryXLSX(c, q, lang)
}

// wantsXLSX reports whether the caller asked for a workbook.
func wantsXLSX(c *fiber.Ctx) bool {
	return c.Query("format") == "xlsx" || c.Get(fiber.HeaderAccept) == xlsxType
}

func (s *Server) sendXLSX(c *fiber.Ctx, name, lang string, sheets []export.Sheet) error {
	b, err := export.Workbook(s.engine.Catalog(), lang, sheets...)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, xlsxType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
	return c.Send(b)
}

// reportParams reads lang (zh or en, default zh) and format (html or xlsx).
func reportParams(c *fiber.Ctx) (lang, format string, err error) {
	lang = c.Query("lang", "zh")
	if !slices.Contains([]string{"zh", "en"}, lang) {
		return "", "", beacon.Invalid("lang", []string{"zh", "en"}, "unknown language %q", clipParam(lang))
	}
	format = c.Query("format", "html")
	if !slices.Contains([]string{"html", "xlsx"}, format) {
		return "", "", beacon.Invalid("format", []string{"html", "xlsx"}, "a report is html or xlsx, not %q", clipParam(format))
	}
	return lang, format, nil
}

// sendPage writes a report page under the strict CSP. Its links to the
// other language and to the workbook keep the request's parameters (the
// query, and a browser's access_token).
func sendPage(c *fiber.Ctx, p *reports.Page) error {
	links := reports.Links{}
	if c.Method() == fiber.MethodGet {
		args, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
		link := func(k, v string) string {
			a := url.Values{}
			for key, vals := range args {
				a[key] = slices.Clone(vals)
			}
			a.Set("lang", p.Lang)
			a.Del("format")
			a.Set(k, v)
			return "?" + a.Encode()
		}
		links = reports.Links{ZH: link("lang", "zh"), EN: link("lang", "en"), XLSX: link("format", "xlsx")}
	}
	var b bytes.Buffer
	if err := p.HTML(&b, "../", links); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentSecurityPolicy, reportCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(b.Bytes())
}
