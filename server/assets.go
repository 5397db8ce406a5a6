package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/beaconbi/beacon/web"
)

// mountAssets serves the embedded browser assets (ECharts and the front's
// static files) under /assets/, without authentication: they hold no data.
// They change only with the binary, so browsers may keep them a day.
func (s *Server) mountAssets() {
	s.app.Use("/assets", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		return c.Next()
	}, filesystem.New(filesystem.Config{Root: http.FS(web.Static())}))
}
