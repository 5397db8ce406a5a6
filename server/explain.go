package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon/risk"
)

// mountExplain adds POST /api/v1/explain.
func (s *Server) mountExplain(api fiber.Router) {
	api.Post("/explain", s.allow(roleViewer), s.admit(ClassQuery), s.postExplain)
}

// postExplain handles POST /api/v1/explain: why a governed metric changed
// between two periods, split by dimensions, for the caller's row scope.
func (s *Server) postExplain(c *fiber.Ctx) error {
	var req risk.ExplainRequest
	if err := decodeJSON(c.Request().Body(), &req); err != nil {
		return err
	}
	e, err := risk.Explain(c.UserContext(), s.engine, req, principalOf(c).Scope)
	if err != nil {
		return err
	}
	return c.JSON(e)
}
