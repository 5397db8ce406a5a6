package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon/risk"
)

// mountRetention adds the retention routes: recording actions, their
// measured effect, and what-if estimates.
func (s *Server) mountRetention(api fiber.Router) {
	if s.db == nil || s.engine == nil {
		return
	}
	ret := risk.NewRetention(s.db, s.engine)
	api.Post("/retention/actions", s.allow(roleAnalyst), s.admit(ClassQuery), func(c *fiber.Ctx) error { return s.postAction(c, ret) })
	api.Get("/retention/uplift", s.allow(roleViewer), s.admit(ClassQuery), func(c *fiber.Ctx) error { return s.getUplift(c, ret) })
	api.Get("/retention/summary", s.allow(roleViewer), s.admit(ClassQuery), func(c *fiber.Ctx) error { return s.getSummary(c, ret) })
	api.Post("/retention/whatif", s.allow(roleViewer), s.admit(ClassQuery), func(c *fiber.Ctx) error { return s.postWhatIf(c, ret) })
}

// postAction handles POST /api/v1/retention/actions: record a retention
// action taken with a customer the caller may see.
func (s *Server) postAction(c *fiber.Ctx, ret *risk.Retention) error {
	var req risk.ActionRequest
	if err := decodeJSON(c.Request().Body(), &req); err != nil {
		return err
	}
	p := principalOf(c)
	a, err := ret.Record(c.UserContext(), req, p.Scope, p.Subject)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(a)
}

// getUplift handles GET /api/v1/retention/uplift?by=segment,action_type&from=&to=&lang=:
// treated against comparable untreated customers, with 95% intervals.
func (s *Server) getUplift(c *fiber.Ctx, ret *risk.Retention) error {
	if err := utf8Params(c); err != nil {
		return err
	}
	req := risk.UpliftRequest{From: c.Query("from"), To: c.Query("to"), Language: c.Query("lang")}
	if by := c.Query("by"); by != "" {
		req.By = strings.Split(by, ",")
	}
	v, err := ret.Uplift(c.UserContext(), req, principalOf(c).Scope)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// postWhatIf handles POST /api/v1/retention/whatif: customers and AUM
// expected to be kept by acting on the top N at-risk customers of a segment.
func (s *Server) postWhatIf(c *fiber.Ctx, ret *risk.Retention) error {
	var req risk.WhatIfRequest
	if err := decodeJSON(c.Request().Body(), &req); err != nil {
		return err
	}
	w, err := ret.WhatIf(c.UserContext(), req, principalOf(c).Scope)
	if err != nil {
		return err
	}
	return c.JSON(w)
}

// getSummary handles GET /api/v1/retention/summary?lang=zh|en: the weekly
// retention summary for the caller's scope, rewritten by the LLM when one
// is configured and its text states only the computed figures.
func (s *Server) getSummary(c *fiber.Ctx, ret *risk.Retention) error {
	if err := utf8Params(c); err != nil {
		return err
	}
	sum, err := ret.Summarize(c.UserContext(), c.Query("lang"), principalOf(c).Scope, s.cfg.SummaryLLM)
	if err != nil {
		return err
	}
	return c.JSON(sum)
}
