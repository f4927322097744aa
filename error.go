package hypertube

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the web and api packages.
const (
	EINVALID      = "invalid"      // 400: the request is malformed
	EUNAUTHORIZED = "unauthorized" // 401
	EFORBIDDEN    = "forbidden"    // 403
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // 409
	ERANGE        = "range"        // 416: the byte range cannot be satisfied
	EUNAVAILABLE  = "unavailable"  // 503: busy, try later
	ETIMEOUT      = "timeout"      // 504: peers did not deliver in time
	EINTERNAL     = "internal"     // 500
)

// Error is an error whose Message may be shown to a person. Details that are
// not for users belong in logs, not here.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("hypertube: %s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
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

// ErrorMessage returns the person-readable message of err.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "Something went wrong on our side."
	}
}

// StatusCode is the HTTP status of an error code: the one mapping every
// HTTP surface (web pages, streams, the REST API) shares. An unknown code
// is a 500.
func StatusCode(code string) int {
	switch code {
	case EINVALID:
		return 400
	case EUNAUTHORIZED:
		return 401
	case EFORBIDDEN:
		return 403
	case ENOTFOUND:
		return 404
	case ECONFLICT:
		return 409
	case ERANGE:
		return 416
	case EUNAVAILABLE:
		return 503
	case ETIMEOUT:
		return 504
	default:
		return 500
	}
}
