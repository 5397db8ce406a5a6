// Package beacon holds the types every part of Beacon shares: the error that
// carries a code and a message meant for the user.
package beacon

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status in one table.
const (
	EINVALID      = "invalid"      // the request is wrong; Field names the part at fault
	ENOTFOUND     = "not_found"    // a named thing does not exist
	EFORBIDDEN    = "forbidden"    // the caller may not see or do this
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	ETOOLARGE     = "too_large"    // a body, file or result exceeds a limit
	ETIMEOUT      = "timeout"      // the work ran out of time and was stopped
	ECANCELED     = "canceled"     // the caller went away
	ECONFLICT     = "conflict"     // the state does not allow it now
	EBUSY         = "busy"         // no room for the work now; retry after the Retry-After seconds
	ECOMPUTING    = "computing"    // the data asked for is still being computed (churn scores after a start); retry after the Retry-After seconds
	// ENOTIMPLEMENTED: this server was built or installed without what the
	// route needs (chart images without Chromium or ECharts); not a bug.
	ENOTIMPLEMENTED = "not_implemented"
	EINTERNAL       = "internal" // a bug or an infrastructure failure; details are logged, not shown
)

// Error is an error meant for the user: a code, a message that says what is
// wrong, and where it applies, the field and the valid choices.
type Error struct {
	Code    string
	Message string
	// Field is the request member at fault, e.g. "metrics[1]" or "filters[0].op".
	Field string
	// Valid lists acceptable values when there is a short list of them.
	Valid []string
	// Err is the underlying cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error about field, listing the valid choices.
func Invalid(field string, valid []string, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Valid: valid, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// WithCode returns a copy of e with another code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}
