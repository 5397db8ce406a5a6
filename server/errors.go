package server

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/risk"
	"github.com/beaconbi/beacon/warehouse"
)

// statuses maps Beacon error codes to HTTP statuses, in one place.
var statuses = map[string]int{
	beacon.EINVALID:      fiber.StatusBadRequest,
	beacon.ENOTFOUND:     fiber.StatusNotFound,
	beacon.EFORBIDDEN:    fiber.StatusForbidden,
	beacon.EUNAUTHORIZED: fiber.StatusUnauthorized,
	beacon.ETOOLARGE:     fiber.StatusRequestEntityTooLarge,
	beacon.ECONFLICT:     fiber.StatusConflict,
	beacon.ETIMEOUT:      fiber.StatusServiceUnavailable,
	beacon.EBUSY:         fiber.StatusServiceUnavailable,
	beacon.ECOMPUTING:    fiber.StatusServiceUnavailable,
	beacon.ECANCELED:     499,
	beacon.EINTERNAL:     fiber.StatusInternalServerError,
	// A missing capability of this server, not a bug: clients can tell the two apart.
	beacon.ENOTIMPLEMENTED: fiber.StatusNotImplemented,
}

// errorBody is the one JSON error shape every route returns.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string               `json:"code"`
	Message   string               `json:"message"`
	Field     string               `json:"field,omitempty"`
	Valid     []string             `json:"valid,omitempty"`
	Rows      []warehouse.RowError `json:"rows,omitempty"`
	BadRows   int64                `json:"bad_rows,omitempty"`
	RequestID string               `json:"request_id,omitempty"`

	// RetryAfter repeats the Retry-After header of a busy refusal, in seconds.
	RetryAfter int `json:"retry_after,omitempty"`
	// Scoring is the state of the churn scores, on a computing refusal.
	Scoring *risk.ScoringStatus `json:"scoring,omitempty"`
}

func statusOf(err error) int {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	var le *warehouse.LoadError
	if errors.As(err, &le) {
		return fiber.StatusUnprocessableEntity
	}
	var busy *busyError
	var bodyBusy *bodyBusyError
	if errors.As(err, &busy) || errors.As(err, &bodyBusy) {
		return fiber.StatusServiceUnavailable
	}
	return statuses[beacon.ErrorCode(err)]
}

// handleError is Fiber's ErrorHandler: it turns every error into the JSON
// error shape, logs internal ones and shows the user only "internal error".
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	err = s.refusedBodyError(c, err)
	status := statusOf(err)
	d := errorDetail{RequestID: requestID(c)}
	var be *beacon.Error
	var fe *fiber.Error
	var le *warehouse.LoadError
	var busy *busyError
	var bodyBusy *bodyBusyError
	switch {
	case errors.As(err, &busy):
		d.Code, d.Message, d.RetryAfter = beacon.EBUSY, busy.Error(), busy.RetryAfter
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(busy.RetryAfter))
	case errors.As(err, &bodyBusy):
		d.Code, d.Message, d.RetryAfter = beacon.EBUSY, bodyBusy.Error(), bodyBusy.RetryAfter
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(bodyBusy.RetryAfter))
	case errors.As(err, &le):
		d.Code, d.Message, d.Rows, d.BadRows = beacon.EINVALID, le.Error(), le.Errors, le.Total
	case errors.As(err, &be) && be.Code != beacon.EINTERNAL:
		d.Code, d.Message, d.Field, d.Valid = be.Code, be.Message, be.Field, be.Valid
	case errors.As(err, &fe):
		d.Code, d.Message = fiberCode(fe.Code), fe.Message
	default:
		status = fiber.StatusInternalServerError
		d.Code, d.Message = beacon.EINTERNAL, "internal error"
		s.log.Error("internal error", "err", err, "method", c.Method(), "path", c.Path(), "request_id", d.RequestID)
	}
	scoringDetail(c, err, &d)
	if be != nil && be.Code == beacon.ETIMEOUT {
		s.log.Warn("query timed out", "err", err, "request_id", d.RequestID)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	b, _ := jsonMarshal(errorBody{Error: d})
	return c.Status(status).Send(b)
}

func fiberCode(status int) string {
	switch status {
	case fiber.StatusNotFound:
		return beacon.ENOTFOUND
	case fiber.StatusRequestEntityTooLarge:
		return beacon.ETOOLARGE
	case fiber.StatusUnauthorized:
		return beacon.EUNAUTHORIZED
	case fiber.StatusForbidden:
		return beacon.EFORBIDDEN
	case fiber.StatusNotImplemented:
		return beacon.ENOTIMPLEMENTED
	}
	if status >= 500 {
		return beacon.EINTERNAL
	}
	return beacon.EINVALID
}
