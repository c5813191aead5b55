package perimeter

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// DefaultAllowHeaders are the request headers a preflight may ask for when
// the configuration names none: what HLS players send (Range and the
// conditional headers) plus the usual token carriers.
var DefaultAllowHeaders = []string{
	"Range", "If-Range", "If-None-Match", "If-Modified-Since", "Authorization", "X-Edge-Token",
}

// DefaultExposeHeaders are the response headers a cross-origin player may
// read when the configuration names none.
var DefaultExposeHeaders = []string{"Content-Length", "Content-Range", "Accept-Ranges", "ETag"}

// DefaultCORSMaxAge is how long (seconds) a browser may cache a preflight.
const DefaultCORSMaxAge = 600

// CORS is a credentialed, exact-origin CORS policy.
type CORS struct {
	Origins       *OriginSet
	AllowHeaders  []string // preflight request headers that may be granted
	ExposeHeaders []string // response headers exposed to the page
	MaxAge        int      // seconds a preflight may be cached
}

// NewCORS builds a policy for origins with the default header lists and
// max-age.
func NewCORS(origins []string) (*CORS, error) {
	set, err := NewOriginSet(origins)
	if err != nil {
		return nil, err
	}
	return &CORS{
		Origins:       set,
		AllowHeaders:  slices.Clone(DefaultAllowHeaders),
		ExposeHeaders: slices.Clone(DefaultExposeHeaders),
		MaxAge:        DefaultCORSMaxAge,
	}, nil
}

// Validate checks the header lists are header names and max-age is sane.
func (c *CORS) Validate() error {
	if c.Origins == nil || len(c.Origins.order) == 0 {
		return errors.New("cors: at least one origin is required")
	}
	for _, h := range append(slices.Clone(c.AllowHeaders), c.ExposeHeaders...) {
		if !IsHeaderName(h) || h == "*" {
			return fmt.Errorf("cors: invalid header name %q", h)
		}
	}
	if c.MaxAge < 0 {
		return fmt.Errorf("cors: max_age %d must not be negative", c.MaxAge)
	}
	return nil
}

// IsHeaderName reports whether s is an RFC 9110 token (a valid field name).
func IsHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// IsPreflight reports whether a request is a CORS preflight: OPTIONS with
// both Origin and Access-Control-Request-Method.
func IsPreflight(method, origin, requestMethod string) bool {
	return method == http.MethodOptions && origin != "" && requestMethod != ""
}

// GrantHeaders returns the names from an Access-Control-Request-Headers
// value that the policy allows, as the browser spelled them, in request
// order. Names not on the list are dropped, which makes the browser fail
// the preflight for a header it was not granted.
func (c *CORS) GrantHeaders(requested string) []string {
	var out []string
	for _, name := range strings.Split(requested, ",") {
		name = strings.TrimSpace(name)
		if name == "" || !IsHeaderName(name) {
			continue
		}
		if slices.ContainsFunc(out, func(s string) bool { return strings.EqualFold(s, name) }) {
			continue
		}
		if slices.ContainsFunc(c.AllowHeaders, func(s string) bool { return strings.EqualFold(s, name) }) {
			out = append(out, name)
		}
	}
	return out
}
