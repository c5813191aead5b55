package perimeter

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/mediagate/caddy-mediagate/internal/canon"
)

// HTTPSMode says what happens to a request that did not arrive over HTTPS.
type HTTPSMode uint8

const (
	// HTTPSRefuse answers plain-HTTP requests with 403 (the default).
	HTTPSRefuse HTTPSMode = iota
	// HTTPSRedirect answers plain-HTTP requests with a 308 to https.
	HTTPSRedirect
	// HTTPSOff lets plain-HTTP requests through.
	HTTPSOff
)

// Policy is the whole perimeter: the allow list plus transport, port, HSTS
// and CORS rules. Routes is required; the rest is optional.
type Policy struct {
	Routes       *Routes
	Ports        []int     // local listener ports that may serve; empty = any
	HTTPS        HTTPSMode // plain-HTTP handling
	RedirectPort int       // port of the https:// redirect target; 0 or 443 = none in the URL
	HSTS         *HSTS
	CORS         *CORS
}

// Validate checks the policy is complete and consistent.
func (p *Policy) Validate() error {
	if p.Routes == nil || len(p.Routes.rules) == 0 {
		return errors.New("at least one allow rule is required")
	}
	for _, port := range p.Ports {
		if port < 1 || port > 65535 {
			return fmt.Errorf("port %d out of range 1-65535", port)
		}
	}
	if p.RedirectPort < 0 || p.RedirectPort > 65535 {
		return fmt.Errorf("redirect port %d out of range 1-65535", p.RedirectPort)
	}
	if p.HTTPS > HTTPSOff {
		return fmt.Errorf("unknown https mode %d", p.HTTPS)
	}
	if p.HSTS != nil {
		if err := p.HSTS.Validate(); err != nil {
			return err
		}
	}
	if p.CORS != nil {
		if err := p.CORS.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Request is what the policy needs to know about an incoming request.
type Request struct {
	Method      string
	Path        string // decoded (url.URL.Path); only a fallback for EscapedPath
	EscapedPath string // as sent (url.URL.EscapedPath())
	// Canonical is the request's one canonical path (package canon) when the
	// glue has it (it is shared with the other modules); CanonicalErr says
	// why there is none. Both zero: computed here from EscapedPath.
	Canonical    canon.Path
	CanonicalErr error
	RawQuery     string
	Host         string // Host header, possibly with a port

	TLS            bool   // the connection to us is TLS
	ForwardedProto string // X-Forwarded-Proto as received
	TrustedProxy   bool   // the peer is a trusted proxy, so ForwardedProto counts
	LocalPort      int    // port of the listener that accepted the connection; 0 = unknown

	Origin           string // Origin header
	PreflightMethod  string // Access-Control-Request-Method
	PreflightHeaders string // Access-Control-Request-Headers, comma-joined
}

// Action is what the handler does with a request.
type Action uint8

const (
	// Continue: add Decision.Header to the response and call the next handler.
	Continue Action = iota
	// Deny: add Decision.Header and fail with Decision.Status.
	Deny
	// Redirect: send Decision.Status (308) to Decision.Location.
	Redirect
	// Answer: the preflight is answered here with Decision.Status (204).
	Answer
)

// Reasons a Decision carries; they go to logs and placeholders.
const (
	ReasonPlainHTTP         = "plain_http"
	ReasonRedirectHTTPS     = "redirect_https"
	ReasonPort              = "port_not_allowed"
	ReasonBadPath           = "bad_path"
	ReasonRoute             = "route_not_allowed"
	ReasonPreflightOrigin   = "preflight_origin_not_allowed"
	ReasonPreflightRoute    = "preflight_route_not_allowed"
	ReasonPreflightAnswered = "preflight"
)

// Decision is the policy's verdict on one request.
type Decision struct {
	Action   Action
	Status   int         // for Deny, Redirect and Answer
	Reason   string      // empty for Continue
	Location string      // for Redirect
	Header   http.Header // response headers; Vary values are to be added, the others set
}

// Decide applies the policy to r, in this order: plain HTTP (refuse or
// redirect, before anything else and with no other header), listener
// port, HSTS and Vary headers, then either the CORS preflight (answered
// here) or the actual request (CORS headers for a listed origin, then the
// path sanity check and the allow list).
func (p *Policy) Decide(r Request) Decision {
	https := r.IsHTTPS()
	if !https {
		switch p.HTTPS {
		case HTTPSRefuse:
			return Decision{Action: Deny, Status: http.StatusForbidden, Reason: ReasonPlainHTTP}
		case HTTPSRedirect:
			loc, ok := p.redirectLocation(r)
			if !ok {
				return Decision{Action: Deny, Status: http.StatusBadRequest, Reason: ReasonPlainHTTP}
			}
			return Decision{Action: Redirect, Status: http.StatusPermanentRedirect, Reason: ReasonRedirectHTTPS, Location: loc}
		}
	}
	if len(p.Ports) > 0 && !slices.Contains(p.Ports, r.LocalPort) {
		return Decision{Action: Deny, Status: http.StatusNotFound, Reason: ReasonPort}
	}

	h := http.Header{}
	if https && p.HSTS != nil {
		h.Set("Strict-Transport-Security", p.HSTS.Value())
	}
	if p.CORS != nil {
		h.Add("Vary", "Origin")
		if IsPreflight(r.Method, r.Origin, r.PreflightMethod) {
			return p.preflight(r, h)
		}
		if p.CORS.Origins.Contains(r.Origin) {
			h.Set("Access-Control-Allow-Origin", r.Origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			if len(p.CORS.ExposeHeaders) > 0 {
				h.Set("Access-Control-Expose-Headers", strings.Join(p.CORS.ExposeHeaders, ", "))
			}
		}
	}
	cp, err := r.canonical()
	if err != nil {
		return Decision{Action: Deny, Status: canon.Status(err), Reason: ReasonBadPath, Header: h}
	}
	if !p.Routes.Allows(r.Method, cp.Decoded) {
		return Decision{Action: Deny, Status: http.StatusNotFound, Reason: ReasonRoute, Header: h}
	}
	return Decision{Action: Continue, Header: h}
}

// preflight answers a CORS preflight. An unlisted origin gets 403, a
// method+path the allow list does not grant gets 404 (400 for a malformed
// path); neither carries Access-Control-* headers.
func (p *Policy) preflight(r Request, h http.Header) Decision {
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if !p.CORS.Origins.Contains(r.Origin) {
		return Decision{Action: Deny, Status: http.StatusForbidden, Reason: ReasonPreflightOrigin, Header: h}
	}
	cp, err := r.canonical()
	if err != nil {
		return Decision{Action: Deny, Status: canon.Status(err), Reason: ReasonBadPath, Header: h}
	}
	methods := p.Routes.MethodsFor(cp.Decoded)
	if !slices.Contains(methods, r.PreflightMethod) {
		return Decision{Action: Deny, Status: http.StatusNotFound, Reason: ReasonPreflightRoute, Header: h}
	}
	h.Set("Access-Control-Allow-Origin", r.Origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	if granted := p.CORS.GrantHeaders(r.PreflightHeaders); len(granted) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(granted, ", "))
	}
	h.Set("Access-Control-Max-Age", strconv.Itoa(p.CORS.MaxAge))
	return Decision{Action: Answer, Status: http.StatusNoContent, Reason: ReasonPreflightAnswered, Header: h}
}

// canonical is the canonical path the allow list is matched against.
func (r Request) canonical() (canon.Path, error) {
	if r.Canonical.Escaped != "" || r.CanonicalErr != nil {
		return r.Canonical, r.CanonicalErr
	}
	esc := r.EscapedPath
	if esc == "" {
		esc = r.Path
	}
	return canon.Parse(esc)
}
