package origin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Kind classifies an origin failure.
type Kind int

const (
	// NotFound: the object does not exist (404, S3 NoSuchKey/NoSuchBucket). An answer: no failover.
	NotFound Kind = iota + 1
	// Denied: the origin refused us (401/403, and S3 400s that are auth errors such as
	// AuthorizationHeaderMalformed, ExpiredToken, InvalidAccessKeyId). An answer: no failover.
	Denied
	// Unavailable: connection errors, 5xx, 429, credential retrieval failures and truncated
	// bodies. Moves on to the next origin.
	Unavailable
	// Timeout: no response headers within the origin's timeout, a body stalled longer than
	// the timeout, or the caller's deadline passed. Moves on to the next origin.
	Timeout
	// Invalid: the request cannot be served as asked (bad key, 400, other 4xx, redirects).
	// An answer: no failover.
	Invalid
	// Canceled: the caller's context was canceled. The pool stops and no breaker counts it.
	Canceled
	// HoldExpired: the origin had a blocking reload (Request.Hold) and held it past its
	// hold without answering: the wait the client asked for, not an origin fault. The pool
	// stops and no breaker counts it (see Pool.Fetch).
	HoldExpired
)

func (k Kind) String() string {
	switch k {
	case NotFound:
		return "not found"
	case Denied:
		return "denied"
	case Unavailable:
		return "unavailable"
	case Timeout:
		return "timeout"
	case Invalid:
		return "invalid"
	case Canceled:
		return "canceled"
	case HoldExpired:
		return "hold expired"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is every failure this package returns.
type Error struct {
	Kind   Kind
	Origin string // display name of the origin, no credentials
	Status int    // HTTP status from the origin, 0 when none was received
	Code   string // S3 error code (AccessDenied, SignatureDoesNotMatch, NoSuchKey, ...) when known
	Err    error  // underlying cause; never the origin's body
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("origin ")
	b.WriteString(e.Origin)
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	if e.Status != 0 {
		b.WriteString(" (status ")
		b.WriteString(strconv.Itoa(e.Status))
		if e.Code != "" {
			b.WriteString(" ")
			b.WriteString(e.Code)
		}
		b.WriteString(")")
	} else if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of err if it is (or wraps) an *Error, else 0.
func KindOf(err error) Kind {
	var oe *Error
	if errors.As(err, &oe) {
		return oe.Kind
	}
	return 0
}

// failover reports whether a failure of this kind moves on to the next origin.
func (k Kind) failover() bool { return k == Unavailable || k == Timeout }

// statusError maps a non-answer HTTP status (and S3 code, if any) to an *Error.
func statusError(origin string, status int, code string) *Error {
	e := &Error{Origin: origin, Status: status, Code: code}
	switch {
	case authCode(code) && status < 500:
		e.Kind = Denied
	case status == http.StatusNotFound:
		e.Kind = NotFound
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = Denied
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		e.Kind = Unavailable
	default: // 400, other 4xx, unfollowed 3xx
		e.Kind = Invalid
	}
	return e
}

// authCode reports whether an S3 error code is an authentication problem, whatever 4xx
// status came with it: AWS sends some with 400, and versitygw answers an unknown access
// key with 404 XAdminUserNotFound, which must not look like a missing object.
func authCode(code string) bool {
	switch code {
	case "AuthorizationHeaderMalformed", "ExpiredToken", "InvalidToken", "TokenRefreshRequired",
		"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "RequestTimeTooSkewed",
		"XAdminUserNotFound":
		return true
	}
	return false
}

// transportError maps an error from the HTTP round trip. timedOut is set when the
// origin's own timeout fired; parent is the caller's context.
func transportError(origin string, parent context.Context, timedOut bool, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // drop the URL: a query string may hold an origin secret
	}
	e := &Error{Origin: origin, Kind: Unavailable, Err: err}
	var ne net.Error
	switch {
	case timedOut:
		e.Kind = Timeout
		e.Err = errors.New("no response headers within the origin timeout")
	case errors.Is(parent.Err(), context.DeadlineExceeded):
		e.Kind = Timeout
	case parent.Err() != nil:
		e.Kind = Canceled
	case errors.As(err, &ne) && ne.Timeout():
		e.Kind = Timeout
	}
	return e
}

func invalidf(origin, format string, args ...any) *Error {
	return &Error{Origin: origin, Kind: Invalid, Err: fmt.Errorf(format, args...)}
}
