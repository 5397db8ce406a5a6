package server

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// DefaultSlowQuery is the time beyond which a request is logged as slow
// when Config.SlowQuery is zero.
const DefaultSlowQuery = 2 * time.Second

// localSQL is the fiber.Ctx local holding the SQL a request ran, for the
// slow-query log.
const localSQL = "beacon.sql"

// logSlow writes a request that took longer than the slow-query threshold
// at WARN, with the SQL it ran (governed queries) and the start of its
// body, so that an operator can find and replay it. A negative threshold
// turns the log off.
func (s *Server) logSlow(c *fiber.Ctx, status int, took time.Duration) {
	limit := s.cfg.SlowQuery
	if limit == 0 {
		limit = DefaultSlowQuery
	}
	if limit < 0 || took < limit {
		return
	}
	attrs := []any{"method", c.Method(), "path", c.Path(), "query", clipText(string(c.Request().URI().QueryString()), 500),
		"status", status, "ms", float64(took.Microseconds()) / 1000, "request_id", requestID(c),
		"body", clipText(string(c.Request().Body()), 1000)}
	if sql, ok := c.Locals(localSQL).(string); ok {
		attrs = append(attrs, "sql", clipText(sql, 4000))
	}
	s.log.Warn("slow query", attrs...)
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
