package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon/charts"
)

type chatRequest struct {
	Question       string `json:"question"`
	ConversationID string `json:"conversation_id"`
}

// postChat handles POST /api/v1/chat: a question in Chinese or English
// answered from the governed metrics, for the caller's row scope.
func (s *Server) postChat(c *fiber.Ctx) error {
	var req chatRequest
	if err := decodeJSON(c.Request().Body(), &req); err != nil {
		return err
	}
	p := principalOf(c)
	ans, err := s.chat.Ask(c.UserContext(), req.Question, req.ConversationID, p.Subject, p.Scope)
	if err != nil {
		return err
	}
	if ans.Result != nil {
		ans.Chart = charts.Option(ans.Result, ans.Plan.Lang, req.Question)
	}
	return c.JSON(ans)
}
