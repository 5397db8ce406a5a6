package server

import (
	"github.com/gofiber/fiber/v2"
)

type sqlRequest struct {
	SQL   string `json:"sql"`
	Limit int    `json:"limit"`
}

// postSQL handles POST /api/v1/sql: one read-only SELECT over the
// warehouse's tables, for analysts and admins, checked by DuckDB's parser
// and run with a row limit and a timeout.
func (s *Server) postSQL(c *fiber.Ctx) error {
	var req sqlRequest
	if err := decodeJSON(c.Body(), &req); err != nil {
		return err
	}
	res, err := s.guard.Run(c.UserContext(), req.SQL, req.Limit)
	if err != nil {
		return err
	}
	s.log.Info("free sql", "by", principalOf(c).Subject, "rows", len(res.Rows), "request_id", requestID(c))
	return sendResult(c, res)
}
