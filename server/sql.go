package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
)

type sqlRequest struct {
	SQL   string `json:"sql"`
	Limit int    `json:"limit"`
}

// postSQL handles POST /api/v1/sql: one read-only SELECT over the
// warehouse's tables, for analysts and admins, checked by DuckDB's parser
// and run with a row limit and a timeout.
func (s *Server) postSQL(c *fiber.Ctx) error {
	if p := principalOf(c); p.Scope != nil {
		// Free SQL cannot be held to a row scope, so scoped callers may not use it.
		return beacon.Errorf(beacon.EFORBIDDEN, "free SQL is not available to tokens with a row scope; use /api/v1/query")
	}
	var req sqlRequest
	if err := decodeJSON(c.Request().Body(), &req); err != nil {
		return err
	}
	res, err := s.guard.Run(c.UserContext(), req.SQL, req.Limit)
	if err != nil {
		return err
	}
	s.log.Info("free sql", "by", principalOf(c).Subject, "rows", len(res.Rows), "request_id", requestID(c))
	return sendResult(c, res)
}
