package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/charts"
	"github.com/beaconbi/beacon/charts/render"
	"github.com/beaconbi/beacon/imagestore"
	"github.com/beaconbi/beacon/metrics"
)

// Images are the chart images the server serves and draws.
type Images struct {
	// Store serves GET /images/{token}.png; nil serves none.
	Store *imagestore.Store
	// Renderer draws POST /api/v1/charts/png; nil turns the route off.
	Renderer *render.Renderer
}

// renderWait bounds how long a chart request waits for the browser to
// start, a render slot and the render; the renderer's own timeout bounds
// the drawing.
const renderWait = time.Minute

// mountImages adds GET /images/{token}.png and POST /api/v1/charts/png.
// The image route takes no authentication: chat providers (DingTalk shows
// images only by URL) fetch the image themselves, and the unguessable
// token is the capability.
func (s *Server) mountImages(api fiber.Router) {
	if s.cfg.Images == nil {
		return
	}
	if s.cfg.Images.Store != nil {
		s.app.Get(imagestore.Path+":file", s.getImage)
	}
	if s.cfg.Images.Renderer != nil {
		api.Post("/charts/png", s.allow(roleViewer), s.postChartPNG)
	}
}

// getImage handles GET /images/{token}.png: the image while its link
// lives, else 404 (an unknown, malformed and expired token all look alike).
func (s *Server) getImage(c *fiber.Ctx) error {
	tok, ok := strings.CutSuffix(c.Params("file"), ".png")
	if !ok || !imagestore.ValidToken(tok) {
		return errNoImage
	}
	png, left, err := s.cfg.Images.Store.Get(tok)
	if errors.Is(err, imagestore.ErrNotFound) {
		return errNoImage
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	// The link is the secret: keep it out of shared caches, referrers and
	// search engines, and let a client keep the image only while it lives.
	c.Set(fiber.HeaderCacheControl, fmt.Sprintf("private, max-age=%d", int(left.Seconds())))
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set("X-Robots-Tag", "noindex, nofollow")
	return c.Send(png)
}

var errNoImage = fiber.NewError(fiber.StatusNotFound, "no such image: the link is wrong or has expired")

// postChartPNG handles POST /api/v1/charts/png: the chart of a metric
// query (the body, as for POST /api/v1/query) as a PNG, drawn as charts/
// chooses, for the caller's row scope. Query parameters: lang (zh or en),
// width and height in pixels.
func (s *Server) postChartPNG(c *fiber.Ctx) error {
	lang, w, h, err := chartParams(c)
	if err != nil {
		return err
	}
	var q metrics.Query
	if err := decodeJSON(c.Request().Body(), &q); err != nil {
		return err
	}
	res, err := s.runQuery(c, q)
	if err != nil {
		return err
	}
	opt, err := charts.LabelledOptionJSON(s.engine.Catalog)(res, lang)
	if err != nil {
		return beacon.Invalid("metrics", nil, "the result cannot be charted: %v", err)
	}
	if bytes.Equal(opt, []byte("null")) {
		return beacon.Invalid("", nil, "the query returned no rows: there is nothing to draw")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), renderWait)
	defer cancel()
	png, err := s.cfg.Images.Renderer.RenderOption(ctx, opt, w, h)
	if err != nil {
		return renderError(c.UserContext(), err)
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderCacheControl, "no-store") // the caller's data, under their scope
	return c.Send(png)
}

// runQuery runs q for the caller under admission, as POST /api/v1/query does.
func (s *Server) runQuery(c *fiber.Ctx, q metrics.Query) (*metrics.Result, error) {
	scope := principalOf(c).Scope
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

// chartParams reads lang, width and height.
func chartParams(c *fiber.Ctx) (lang string, w, h int, err error) {
	lang = c.Query("lang", "zh")
	if lang != "zh" && lang != "en" {
		return "", 0, 0, beacon.Invalid("lang", []string{"zh", "en"}, "unknown language %q", clipParam(lang))
	}
	size := func(name string, def int) (int, error) {
		v := c.Query(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < render.MinSide || n > render.MaxSide {
			return 0, beacon.Invalid(name, nil, "%q is not a whole number of pixels from %d to %d", clipParam(v), render.MinSide, render.MaxSide)
		}
		return n, nil
	}
	if w, err = size("width", render.ChartWidth); err != nil {
		return "", 0, 0, err
	}
	if h, err = size("height", render.ChartHeight); err != nil {
		return "", 0, 0, err
	}
	return lang, w, h, nil
}

// renderError says why a chart could not be drawn.
func renderError(reqCtx context.Context, err error) error {
	switch {
	case errors.Is(err, render.ErrNoBrowser):
		return fiber.NewError(fiber.StatusNotImplemented, "chart images are off on this server: no headless Chromium is installed")
	case errors.Is(err, render.ErrNoECharts):
		return fiber.NewError(fiber.StatusNotImplemented, "chart images are off on this server: ECharts was not built into this binary (make build runs make assets)")
	case reqCtx.Err() != nil:
		return &beacon.Error{Code: beacon.ECANCELED, Message: "the request was cancelled while its chart was drawn", Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return &beacon.Error{Code: beacon.ETIMEOUT, Message: "drawing the chart took too long; try again", Err: err}
	}
	return fmt.Errorf("draw chart: %w", err)
}
