package server

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/beaconbi/beacon"
)

// fasthttp reads a body announced by Content-Length into a buffer of that
// size, allocated when the headers are in, before a byte of the body has
// arrived. A client that announces 64 MiB and then sends nothing holds 64
// MiB of the server's memory for the whole body timeout, so a few hundred
// such connections, four bytes of body each, could take the machine's
// memory. headerReceived therefore decides, from the headers alone, which
// large bodies may be read at all, and bounds the bytes all of them may
// hold at once.

// smallBody is what any request may announce without holding part of the
// budget: fasthttp's own buffers per connection are of this order.
const smallBody = 64 << 10

// Internal request headers, set by headerReceived after removing whatever
// the client sent under these names: bodyHoldHeader carries a request's
// reservation to the handler, bodyRefusedHeader why its body was refused,
// for handleError to answer with the status that fits instead of 413.
const (
	bodyHoldHeader    = "X-Beacon-Internal-Body-Hold"
	bodyRefusedHeader = "X-Beacon-Internal-Body-Refused"
)

// Why a body was refused from its headers.
const (
	refusedAuth   = "auth"   // the route needs a token and the request has no valid one
	refusedRole   = "role"   // a table upload from a caller who is not an admin
	refusedNoBody = "nobody" // no route outside /api/v1/ and /reports/ takes a body
	refusedBusy   = "busy"   // the budget is held by other bodies being read
)

// bodyRetryAfter is the Retry-After of a body refused for the budget: an
// upload of the size that fills it is read in a few seconds on a LAN.
const bodyRetryAfter = 5

// bodyBudget bounds the bytes that large request bodies may hold while
// they are read. A reservation ends when its request's handler returns, or
// when the body timeout has passed (a body that never arrived).
type bodyBudget struct {
	mu    sync.Mutex
	limit int64
	used  int64
	next  uint64
	holds map[uint64]bodyHold
	now   func() time.Time
}

type bodyHold struct {
	n       int64
	expires time.Time
}

func newBodyBudget(limit int64) *bodyBudget {
	return &bodyBudget{limit: limit, holds: map[uint64]bodyHold{}, now: time.Now}
}

// reserve holds n bytes for ttl and returns the reservation's id, or false
// when they do not fit beside the bodies being read.
func (b *bodyBudget) reserve(n int64, ttl time.Duration) (uint64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	b.expire(now)
	if b.used+n > b.limit {
		return 0, false
	}
	b.next++
	b.holds[b.next] = bodyHold{n: n, expires: now.Add(ttl)}
	b.used += n
	return b.next, true
}

// release ends a reservation; an unknown or expired id is ignored.
func (b *bodyBudget) release(id uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if h, ok := b.holds[id]; ok {
		b.used -= h.n
		delete(b.holds, id)
	}
}

// expire ends the reservations of bodies that never arrived in time.
func (b *bodyBudget) expire(now time.Time) {
	for id, h := range b.holds {
		if now.After(h.expires) {
			b.used -= h.n
			delete(b.holds, id)
		}
	}
}

// held reports the bytes reserved now, for tests.
func (b *bodyBudget) held() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expire(b.now())
	return b.used
}

// bodyBudgetFor is the budget of a server: four uploads at their limit, or
// 64 bodies at the API's limit, whichever is larger (256 MiB by default).
func bodyBudgetFor(bodyLimit, uploadLimit int) int64 {
	return max(4*int64(uploadLimit), 64*int64(bodyLimit))
}

// admitBody runs when a request's headers are in. A body of up to
// smallBody bytes, or one over its route's limit (which fasthttp refuses
// itself), is left alone. A larger one is read only if its route takes a
// body, its caller's token verifies (an admin's, for a table upload) and
// it fits in the budget; otherwise conf's limit is lowered below its
// length, so that fasthttp refuses it before allocating, and the reason is
// left for handleError.
func (s *Server) admitBody(h *fasthttp.RequestHeader, conf *fasthttp.RequestConfig) {
	h.Del(bodyHoldHeader)
	h.Del(bodyRefusedHeader)
	n := h.ContentLength()
	if n <= smallBody || n > conf.MaxRequestBodySize {
		return
	}
	why := s.bodyRefusal(h)
	if why == "" {
		if id, ok := s.bodies.reserve(int64(n), conf.ReadTimeout+time.Second); ok {
			h.Set(bodyHoldHeader, strconv.FormatUint(id, 10))
			return
		}
		why = refusedBusy
	}
	h.Set(bodyRefusedHeader, why)
	conf.MaxRequestBodySize = smallBody
}

// bodyRefusal says why a large body may not be read, or "" when it may.
func (s *Server) bodyRefusal(h *fasthttp.RequestHeader) string {
	path, token := requestTarget(h)
	switch {
	case strings.HasPrefix(path, "/api/v1/"), strings.HasPrefix(path, "/reports/"):
	default:
		return refusedNoBody
	}
	if !s.auth.enabled() {
		return ""
	}
	p, err := s.auth.principal(token)
	if err != nil {
		return refusedAuth
	}
	if string(h.Method()) == fiber.MethodPost && isUpload(path) && slices.Index(roles, p.Role) < slices.Index(roles, roleAdmin) {
		return refusedRole
	}
	return ""
}

// requestTarget is a request's path, lower-cased as Fiber routes it, and
// its Authorization header, or for a report the access_token parameter
// that stands for it (reportToken).
func requestTarget(h *fasthttp.RequestHeader) (path, authorization string) {
	var u fasthttp.URI
	if err := u.Parse(nil, h.RequestURI()); err != nil {
		return "", ""
	}
	path = strings.ToLower(string(u.Path()))
	authorization = string(h.Peek(fiber.HeaderAuthorization))
	if authorization == "" && strings.HasPrefix(path, "/reports/") {
		if t := u.QueryArgs().Peek("access_token"); len(t) > 0 {
			authorization = "Bearer " + string(t)
		}
	}
	return path, authorization
}

// releaseBody ends the request's body reservation, if it holds one.
func (s *Server) releaseBody(c *fiber.Ctx) {
	if v := c.Request().Header.Peek(bodyHoldHeader); len(v) > 0 {
		if id, err := strconv.ParseUint(string(v), 10, 64); err == nil {
			s.bodies.release(id)
		}
	}
}

// refusedBodyError turns fasthttp's 413 for a body refused by admitBody
// into the answer its reason calls for; any other error is returned as is.
func (s *Server) refusedBodyError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if !errors.As(err, &fe) || fe.Code != fiber.StatusRequestEntityTooLarge {
		return err
	}
	switch string(c.Request().Header.Peek(bodyRefusedHeader)) {
	case refusedAuth:
		_, token := requestTarget(&c.Request().Header)
		if _, aerr := s.auth.principal(token); aerr != nil {
			return aerr
		}
		return beacon.Errorf(beacon.EUNAUTHORIZED, "send an Authorization: Bearer <JWT> header")
	case refusedRole:
		return beacon.Errorf(beacon.EFORBIDDEN, "only an admin may load a table; a body above %d bytes is refused from its headers", smallBody)
	case refusedNoBody:
		return beacon.Errorf(beacon.ETOOLARGE, "%s takes no request body above %d bytes", c.Path(), smallBody)
	case refusedBusy:
		return &bodyBusyError{RetryAfter: bodyRetryAfter}
	}
	return err
}

// bodyBusyError is a large body refused because the bodies being read
// already hold the server's budget.
type bodyBusyError struct{ RetryAfter int }

func (e *bodyBusyError) Error() string {
	return fmt.Sprintf("the server is reading as many large request bodies as it holds at once; retry after %d s", e.RetryAfter)
}
