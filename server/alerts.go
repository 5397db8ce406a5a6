package server

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/alerts"
)

// mountAlerts adds the alert rule, subscription, silence and channel
// routes when the server has a scheduler.
func (s *Server) mountAlerts(api fiber.Router) {
	if s.cfg.Alerts == nil {
		return
	}
	viewer, analyst, cheap := s.allow(roleViewer), s.allow(roleAnalyst), s.admit(ClassCheap)
	api.Get("/alerts", viewer, cheap, s.listAlerts)
	api.Post("/alerts", analyst, s.createAlert)
	api.Get("/alerts/:id", viewer, cheap, s.getAlert)
	api.Put("/alerts/:id", analyst, s.updateAlert)
	api.Delete("/alerts/:id", analyst, s.deleteAlert)
	api.Post("/alerts/:id/test", analyst, s.admit(ClassQuery), s.testAlert)
	api.Get("/alerts/:id/history", viewer, cheap, s.alertHistory)
	api.Get("/subscriptions", viewer, cheap, s.listSubscriptions)
	api.Post("/subscriptions", analyst, s.createSubscription)
	api.Get("/subscriptions/:id", viewer, cheap, s.getSubscription)
	api.Put("/subscriptions/:id", analyst, s.updateSubscription)
	api.Delete("/subscriptions/:id", analyst, s.deleteSubscription)
	api.Post("/subscriptions/:id/test", analyst, s.admit(ClassQuery), s.testSubscription)
	api.Get("/subscriptions/:id/history", viewer, cheap, s.alertHistory)
	api.Get("/silences", viewer, cheap, s.listSilences)
	api.Post("/silences", analyst, s.createSilence)
	api.Delete("/silences/:id", analyst, s.deleteSilence)
	api.Get("/channels", viewer, cheap, s.listChannels)
}

// sees reports whether p may see a rule or subscription owned by owner:
// a caller with a row scope sees only its own.
func sees(p *Principal, owner alerts.Owner) bool {
	return p.Scope == nil || owner.Subject == p.Subject
}

// ownerFor is the owner of a rule p saves: p itself, or for an admin the
// owner the body names.
func ownerFor(p *Principal, asked alerts.Owner) (alerts.Owner, error) {
	self := alerts.Owner{Subject: p.Subject, Scope: p.Scope}
	switch {
	case asked.Subject == "" && asked.Scope == nil:
		return self, nil
	case p.Role == roleAdmin:
		return asked, nil
	case asked.Subject == self.Subject && reflect.DeepEqual(asked.Scope, self.Scope):
		return self, nil
	}
	return alerts.Owner{}, &beacon.Error{Code: beacon.EFORBIDDEN, Field: "owner",
		Message: "only an admin may save a rule for another owner or scope; leave owner out to own it yourself"}
}

// historyLimit reads ?limit= for history (default 100, at most 1000).
func historyLimit(c *fiber.Ctx) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		return 0, beacon.Invalid("limit", nil, "limit must be a whole number from 1 to 1000, got %q", clipParam(v))
	}
	return n, nil
}

// listAlerts handles GET /api/v1/alerts.
func (s *Server) listAlerts(c *fiber.Ctx) error {
	rules, err := s.cfg.Alerts.Rules(c.UserContext())
	if err != nil {
		return err
	}
	p := principalOf(c)
	rules = slices.DeleteFunc(rules, func(r *alerts.Rule) bool { return !sees(p, r.Owner) })
	for i, r := range rules {
		rules[i] = shownRule(p, r)
	}
	return c.JSON(fiber.Map{"alerts": nonNil(rules)})
}

// visibleRule reads a rule the caller may see, by the id it is shown;
// another's is not found.
func (s *Server) visibleRule(c *fiber.Ctx) (*alerts.Rule, error) {
	return s.findRule(c, c.Params("id"))
}

// findRule reads the rule the caller names id, in its namespace first.
func (s *Server) findRule(c *fiber.Ctx, id string) (*alerts.Rule, error) {
	return findVisible(c.UserContext(), principalOf(c), id, "rule", s.cfg.Alerts.Rule, s.cfg.Alerts.Rules,
		func(r *alerts.Rule) alerts.Owner { return r.Owner }, func(r *alerts.Rule) string { return r.ID })
}

// getAlert handles GET /api/v1/alerts/{id}.
func (s *Server) getAlert(c *fiber.Ctx) error {
	r, err := s.visibleRule(c)
	if err != nil {
		return err
	}
	return c.JSON(shownRule(principalOf(c), r))
}

// createAlert handles POST /api/v1/alerts.
func (s *Server) createAlert(c *fiber.Ctx) error {
	var r alerts.Rule
	if err := decodeJSON(c.Request().Body(), &r); err != nil {
		return err
	}
	if err := s.checkOwner(c, &r.Owner); err != nil {
		return err
	}
	p, asked := principalOf(c), r.ID
	if err := namespaced(r.Owner, &r.ID); err != nil {
		return err
	}
	if err := s.cfg.Alerts.CheckRule(c.UserContext(), &r); err != nil {
		return err
	}
	if old, err := s.cfg.Alerts.Rule(c.UserContext(), r.ID); err == nil {
		return idTaken(p, "rule", shownID(p, old.ID), old.Origin, old.Owner, "/api/v1/alerts/")
	}
	if old, err := s.findRule(c, asked); err == nil && p.Scope != nil {
		// One of the caller's own rules kept under the plain id.
		return idTaken(p, "rule", old.ID, old.Origin, old.Owner, "/api/v1/alerts/")
	}
	if err := s.cfg.Alerts.CreateRule(c.UserContext(), &r, p.Role != roleAdmin); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(shownRule(p, &r))
}

// idTaken is the 409 for a new rule or subscription whose id is in use.
// A caller with a row scope has ids of its own (alerts.Namespace), so it
// meets only its own; a caller without one may meet any. One from an
// alerts file is changed in the file (PUT refuses it); one the caller may
// not see (an admin saving for another owner) is only said to be
// unavailable: not whose it is, or that a PUT exists (it would 404).
func idTaken(p *Principal, kind, id, origin string, owner alerts.Owner, path string) error {
	e := &beacon.Error{Code: beacon.ECONFLICT, Field: "id"}
	switch {
	case !sees(p, owner):
		e.Message = fmt.Sprintf("the id %q is not available; choose another", id)
	case origin != "" && origin != alerts.OriginAPI:
		e.Message = fmt.Sprintf("a %s with id %q comes from the alerts file %s; change it there (it is reloaded at start), or choose another id", kind, id, origin)
	default:
		e.Message = fmt.Sprintf("a %s with id %q exists; update it with PUT %s%s, or choose another id", kind, id, path, id)
	}
	return e
}

// updateAlert handles PUT /api/v1/alerts/{id}: the rule is replaced.
func (s *Server) updateAlert(c *fiber.Ctx) error {
	old, err := s.visibleRule(c)
	if err != nil {
		return err
	}
	if old.Origin != alerts.OriginAPI {
		return beacon.Errorf(beacon.ECONFLICT, "rule %s comes from %s; change it there (it is reloaded at start)", old.ID, old.Origin)
	}
	var r alerts.Rule
	if err := decodeJSON(c.Request().Body(), &r); err != nil {
		return err
	}
	p := principalOf(c)
	if r.ID != "" && r.ID != old.ID && r.ID != shownID(p, old.ID) {
		return beacon.Invalid("id", nil, "the body's id %q differs from the path's %q", clipParam(r.ID), shownID(p, old.ID))
	}
	r.ID = old.ID
	if err := s.saveRule(c, &r); err != nil {
		return err
	}
	return c.JSON(shownRule(p, &r))
}

// checkOwner sets the owner of a rule or subscription the caller saves.
func (s *Server) checkOwner(c *fiber.Ctx, o *alerts.Owner) error {
	owner, err := ownerFor(principalOf(c), *o)
	if err != nil {
		return err
	}
	*o = owner
	return nil
}

func (s *Server) saveRule(c *fiber.Ctx, r *alerts.Rule) error {
	if err := s.checkOwner(c, &r.Owner); err != nil {
		return err
	}
	return s.cfg.Alerts.PutRule(c.UserContext(), r, alerts.OriginAPI)
}

// deleteAlert handles DELETE /api/v1/alerts/{id}.
func (s *Server) deleteAlert(c *fiber.Ctx) error {
	r, err := s.visibleRule(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Alerts.DeleteRule(c.UserContext(), r.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// testAlert handles POST /api/v1/alerts/{id}/test: evaluate now and send
// a message marked as a test to the rule's channels.
func (s *Server) testAlert(c *fiber.Ctx) error {
	r, err := s.visibleRule(c)
	if err != nil {
		return err
	}
	res, err := s.cfg.Alerts.TestRule(c.UserContext(), r.ID)
	if err != nil {
		return err
	}
	showDeliveries(principalOf(c), res.Deliveries)
	return c.JSON(res)
}

// alertHistory handles GET /api/v1/alerts/{id}/history and
// /api/v1/subscriptions/{id}/history: states, state changes and the
// delivery log.
func (s *Server) alertHistory(c *fiber.Ctx) error {
	limit, err := historyLimit(c)
	if err != nil {
		return err
	}
	id, p := c.Params("id"), principalOf(c)
	var stored string
	if r, err := s.findRule(c, id); err == nil {
		stored = r.ID
	} else if sub, err := s.findSubscription(c, id); err == nil {
		stored = sub.ID
	} else {
		return beacon.Errorf(beacon.ENOTFOUND, "no rule or subscription with id %q", clipParam(id))
	}
	h, err := s.cfg.Alerts.History(c.UserContext(), stored, limit)
	if err != nil {
		return err
	}
	h.ID = shownID(p, h.ID)
	for i := range h.States {
		h.States[i].Rule = shownID(p, h.States[i].Rule)
	}
	showDeliveries(p, h.Deliveries)
	return c.JSON(h)
}

// listSubscriptions handles GET /api/v1/subscriptions.
func (s *Server) listSubscriptions(c *fiber.Ctx) error {
	subs, err := s.cfg.Alerts.Subscriptions(c.UserContext())
	if err != nil {
		return err
	}
	p := principalOf(c)
	subs = slices.DeleteFunc(subs, func(x *alerts.Subscription) bool { return !sees(p, x.Owner) })
	for i, x := range subs {
		subs[i] = shownSubscription(p, x)
	}
	return c.JSON(fiber.Map{"subscriptions": nonNil(subs)})
}

func (s *Server) visibleSubscription(c *fiber.Ctx) (*alerts.Subscription, error) {
	return s.findSubscription(c, c.Params("id"))
}

// findSubscription reads the subscription the caller names id, in its namespace first.
func (s *Server) findSubscription(c *fiber.Ctx, id string) (*alerts.Subscription, error) {
	return findVisible(c.UserContext(), principalOf(c), id, "subscription", s.cfg.Alerts.Subscription, s.cfg.Alerts.Subscriptions,
		func(x *alerts.Subscription) alerts.Owner { return x.Owner }, func(x *alerts.Subscription) string { return x.ID })
}

// getSubscription handles GET /api/v1/subscriptions/{id}.
func (s *Server) getSubscription(c *fiber.Ctx) error {
	sub, err := s.visibleSubscription(c)
	if err != nil {
		return err
	}
	return c.JSON(shownSubscription(principalOf(c), sub))
}

// createSubscription handles POST /api/v1/subscriptions.
func (s *Server) createSubscription(c *fiber.Ctx) error {
	var sub alerts.Subscription
	if err := decodeJSON(c.Request().Body(), &sub); err != nil {
		return err
	}
	if err := s.checkOwner(c, &sub.Owner); err != nil {
		return err
	}
	p, asked := principalOf(c), sub.ID
	if err := namespaced(sub.Owner, &sub.ID); err != nil {
		return err
	}
	if err := s.cfg.Alerts.CheckSubscription(&sub); err != nil {
		return err
	}
	if old, err := s.cfg.Alerts.Subscription(c.UserContext(), sub.ID); err == nil {
		return idTaken(p, "subscription", shownID(p, old.ID), old.Origin, old.Owner, "/api/v1/subscriptions/")
	}
	if old, err := s.findSubscription(c, asked); err == nil && p.Scope != nil {
		return idTaken(p, "subscription", old.ID, old.Origin, old.Owner, "/api/v1/subscriptions/")
	}
	if err := s.cfg.Alerts.CreateSubscription(c.UserContext(), &sub, p.Role != roleAdmin); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(shownSubscription(p, &sub))
}

// updateSubscription handles PUT /api/v1/subscriptions/{id}.
func (s *Server) updateSubscription(c *fiber.Ctx) error {
	old, err := s.visibleSubscription(c)
	if err != nil {
		return err
	}
	if old.Origin != alerts.OriginAPI {
		return beacon.Errorf(beacon.ECONFLICT, "subscription %s comes from %s; change it there (it is reloaded at start)", old.ID, old.Origin)
	}
	var sub alerts.Subscription
	if err := decodeJSON(c.Request().Body(), &sub); err != nil {
		return err
	}
	p := principalOf(c)
	if sub.ID != "" && sub.ID != old.ID && sub.ID != shownID(p, old.ID) {
		return beacon.Invalid("id", nil, "the body's id %q differs from the path's %q", clipParam(sub.ID), shownID(p, old.ID))
	}
	sub.ID = old.ID
	if err := s.saveSubscription(c, &sub); err != nil {
		return err
	}
	return c.JSON(shownSubscription(p, &sub))
}

func (s *Server) saveSubscription(c *fiber.Ctx, sub *alerts.Subscription) error {
	if err := s.checkOwner(c, &sub.Owner); err != nil {
		return err
	}
	return s.cfg.Alerts.PutSubscription(c.UserContext(), sub, alerts.OriginAPI)
}

// deleteSubscription handles DELETE /api/v1/subscriptions/{id}.
func (s *Server) deleteSubscription(c *fiber.Ctx) error {
	sub, err := s.visibleSubscription(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Alerts.DeleteSubscription(c.UserContext(), sub.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// testSubscription handles POST /api/v1/subscriptions/{id}/test.
func (s *Server) testSubscription(c *fiber.Ctx) error {
	sub, err := s.visibleSubscription(c)
	if err != nil {
		return err
	}
	res, err := s.cfg.Alerts.TestSubscription(c.UserContext(), sub.ID)
	if err != nil {
		return err
	}
	showDeliveries(principalOf(c), res.Deliveries)
	return c.JSON(res)
}

// listSilences handles GET /api/v1/silences: those in force that the
// caller may see (seesSilence).
func (s *Server) listSilences(c *fiber.Ctx) error {
	sl, err := s.cfg.Alerts.Silences(c.UserContext())
	if err != nil {
		return err
	}
	rules, err := s.cfg.Alerts.Rules(c.UserContext())
	if err != nil {
		return err
	}
	owners := make(map[string]alerts.Owner, len(rules))
	for _, r := range rules {
		owners[r.ID] = r.Owner
	}
	p := principalOf(c)
	sl = slices.DeleteFunc(sl, func(x alerts.Silence) bool {
		owner, ok := owners[x.Rule]
		return !seesSilence(p, x, owner, ok)
	})
	for i := range sl {
		sl[i].Rule = shownID(p, sl[i].Rule)
	}
	return c.JSON(fiber.Map{"silences": nonNil(sl)})
}

// seesSilence reports whether p may see (and, with the role, end) sl.
// A silence on a rule follows the rule's visibility (sees); one on a
// rule that no longer exists, or on a whole channel, reaches rules of
// every owner, so only a caller without a row scope sees it. owner is the
// rule's owner and known whether the rule exists.
func seesSilence(p *Principal, sl alerts.Silence, owner alerts.Owner, known bool) bool {
	if sl.Rule == "" || !known {
		return p.Scope == nil
	}
	return sees(p, owner)
}

// visibleSilence reads the silence the path names if the caller may see
// it; another branch's answers 404, as an absent one does.
func (s *Server) visibleSilence(c *fiber.Ctx) (*alerts.Silence, error) {
	id := c.Params("id")
	hidden := &beacon.Error{Code: beacon.ENOTFOUND, Field: "id", Message: fmt.Sprintf("no silence with id %q", clipParam(id))}
	sl, err := s.cfg.Alerts.Silence(c.UserContext(), id)
	if beacon.ErrorCode(err) == beacon.ENOTFOUND {
		return nil, hidden
	}
	if err != nil {
		return nil, err
	}
	var owner alerts.Owner
	r, err := s.cfg.Alerts.Rule(c.UserContext(), sl.Rule)
	if err == nil {
		owner = r.Owner
	}
	if !seesSilence(principalOf(c), *sl, owner, sl.Rule != "" && err == nil) {
		return nil, hidden
	}
	return sl, nil
}

// silenceBody is what POST /api/v1/silences takes.
type silenceBody struct {
	Rule    string `json:"rule"`
	Channel string `json:"channel"`
	Until   string `json:"until"`
	Reason  string `json:"reason"`
}

// createSilence handles POST /api/v1/silences.
func (s *Server) createSilence(c *fiber.Ctx) error {
	var b silenceBody
	if err := decodeJSON(c.Request().Body(), &b); err != nil {
		return err
	}
	sl := alerts.Silence{Rule: b.Rule, Channel: b.Channel, Reason: b.Reason, CreatedBy: principalOf(c).Subject}
	if b.Until != "" {
		t, err := time.Parse(time.RFC3339, b.Until)
		if err != nil {
			return beacon.Invalid("until", nil, "until %q is not an RFC 3339 time such as 2026-12-01T09:00:00+08:00", clipParam(b.Until))
		}
		sl.Until = t
	}
	if err := s.checkSilenceTarget(c, &sl); err != nil {
		return err
	}
	if err := s.cfg.Alerts.AddSilence(c.UserContext(), &sl); err != nil {
		return err
	}
	sl.Rule = shownID(principalOf(c), sl.Rule)
	return c.Status(fiber.StatusCreated).JSON(sl)
}

// checkSilenceTarget refuses a silence the caller could not see once made:
// on a rule it may not see (404, as for an absent rule, so that another
// branch's rule ids do not leak) or, for a caller with a row scope, on a
// whole channel, which would mute other owners' rules too (403).
func (s *Server) checkSilenceTarget(c *fiber.Ctx, sl *alerts.Silence) error {
	p := principalOf(c)
	if sl.Rule == "" {
		if sl.Channel != "" && p.Scope != nil {
			return &beacon.Error{Code: beacon.EFORBIDDEN, Field: "rule",
				Message: "a caller with a row scope silences its own rules; name one in rule (a whole channel mutes other owners' rules too)"}
		}
		return nil
	}
	r, err := s.findRule(c, sl.Rule)
	if err != nil {
		return &beacon.Error{Code: beacon.ENOTFOUND, Field: "rule", Message: fmt.Sprintf("no rule with id %q", clipParam(sl.Rule))}
	}
	sl.Rule = r.ID // as stored
	return nil
}

// deleteSilence handles DELETE /api/v1/silences/{id}: the silence ends now
// and the notices it held are sent. The caller must see the silence.
func (s *Server) deleteSilence(c *fiber.Ctx) error {
	sl, err := s.visibleSilence(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Alerts.DeleteSilence(c.UserContext(), sl.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// listChannels handles GET /api/v1/channels: names and types, never settings.
func (s *Server) listChannels(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"channels": nonNil(s.cfg.Alerts.ChannelInfos())})
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
