package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/beaconbi/beacon/web"
)

// mountAssets serves the embedded browser assets (ECharts and the front's
// static files) under /assets/, without authentication: they hold no data.
// They change only with the binary, so browsers may keep them a day, and
// they go out compressed (brotli, else gzip) to browsers that accept it:
// ECharts is 1 MB as written, a third of that compressed.
func (s *Server) mountAssets() {
	s.app.Use("/assets", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		return c.Next()
	}, compress.New(), filesystem.New(filesystem.Config{Root: http.FS(web.Static())}))
}
