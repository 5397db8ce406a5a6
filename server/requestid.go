package server

import (
	"regexp"

	"github.com/gofiber/fiber/v2"
)

// requestIDRE is what a client's own X-Request-Id may be: a plain token,
// as proxies and tracing systems send.
var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// cleanRequestID drops a client's X-Request-Id that is not a plain token,
// so that one is generated instead: the id is echoed in the response's
// header and error body and written to every log line of the request,
// which should not carry markup or kilobytes of a client's text.
func cleanRequestID(c *fiber.Ctx) error {
	h := &c.Request().Header
	for _, v := range h.PeekAll(fiber.HeaderXRequestID) {
		if !requestIDRE.Match(v) {
			h.Del(fiber.HeaderXRequestID)
			break
		}
	}
	return c.Next()
}
