// Package secureroutes is the Caddy glue of the perimeter handler
// http.handlers.secure_routes (Caddyfile directive `secure_routes`). The
// decisions themselves live in the pure package internal/perimeter.
package secureroutes

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/internal/perimeter"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
)

func init() {
	caddy.RegisterModule(SecureRoutes{})
}

// SecureRoutes is a perimeter that runs before authentication and the
// origin: it refuses plain HTTP (or redirects it to https), serves only on
// the listed local ports, lets through only the listed method+path pairs
// (everything else is 404), answers CORS preflights for listed origins
// itself, and adds HSTS and credentialed CORS headers to responses.
type SecureRoutes struct {
	// Allow lists the method+path rules; a request no rule allows is
	// answered 404. At least one rule is required.
	Allow []AllowRule `json:"allow,omitempty"`

	// Ports, when set, are the only local listener ports that may serve;
	// a request accepted on another port is answered 404.
	Ports []int `json:"ports,omitempty"`

	// HTTPSOnly says what happens to a request that did not arrive over
	// HTTPS: "on" (default, also when empty) answers 403, "redirect"
	// answers 308 to the https:// URL, "off" lets it through.
	// X-Forwarded-Proto: https counts only from a trusted proxy
	// (the server's trusted_proxies).
	HTTPSOnly string `json:"https_only,omitempty"`

	// RedirectPort is the port of the https:// redirect target; 0 or 443
	// leaves the port out of the URL.
	RedirectPort int `json:"redirect_port,omitempty"`

	// HSTS, when set, adds Strict-Transport-Security to HTTPS responses.
	HSTS *HSTSConfig `json:"hsts,omitempty"`

	// CORS, when set, enables credentialed CORS for the listed origins.
	CORS *CORSConfig `json:"cors,omitempty"`

	policy *perimeter.Policy
	logger *zap.Logger
}

// AllowRule allows Methods (default GET and HEAD) on the paths matching any
// of Paths (Caddy path-matcher patterns, matched case-insensitively on the
// cleaned path).
type AllowRule struct {
	Methods []string `json:"methods,omitempty"`
	Paths   []string `json:"paths"`
}

// HSTSConfig is the Strict-Transport-Security policy.
type HSTSConfig struct {
	MaxAge            int64 `json:"max_age"` // seconds
	IncludeSubdomains bool  `json:"include_subdomains,omitempty"`
	Preload           bool  `json:"preload,omitempty"` // needs include_subdomains and max_age >= 31536000
}

// CORSConfig is the CORS policy: exact origins, always with credentials.
type CORSConfig struct {
	// Origins are scheme://host[:port] values; "*" is refused.
	Origins []string `json:"origins"`
	// AllowHeaders are the request headers a preflight may be granted;
	// default Range, If-Range, If-None-Match, If-Modified-Since,
	// Authorization, X-Edge-Token.
	AllowHeaders []string `json:"allow_headers,omitempty"`
	// ExposeHeaders are the response headers exposed to the page; default
	// Content-Length, Content-Range, Accept-Ranges, ETag.
	ExposeHeaders []string `json:"expose_headers,omitempty"`
	// MaxAge is how long, in seconds, a preflight may be cached; default 600.
	MaxAge *int `json:"max_age,omitempty"`
}

// HTTPS-only modes as written in JSON and in the Caddyfile.
const (
	HTTPSOn       = "on"
	HTTPSOff      = "off"
	HTTPSRedirect = "redirect"
)

// CaddyModule returns the Caddy module information.
func (SecureRoutes) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.secure_routes",
		New: func() caddy.Module { return new(SecureRoutes) },
	}
}

// Provision builds the perimeter policy from the configuration.
func (s *SecureRoutes) Provision(ctx caddy.Context) error {
	s.logger = ctx.Logger()
	p, err := s.buildPolicy()
	if err != nil {
		return fmt.Errorf("secure_routes: %w", err)
	}
	s.policy = p
	return nil
}

// Validate checks the provisioned policy is complete and consistent.
func (s *SecureRoutes) Validate() error {
	if s.policy == nil {
		return fmt.Errorf("secure_routes: not provisioned")
	}
	if err := s.policy.Validate(); err != nil {
		return fmt.Errorf("secure_routes: %w", err)
	}
	return nil
}

func (s *SecureRoutes) buildPolicy() (*perimeter.Policy, error) {
	var rules []perimeter.Rule
	for i, a := range s.Allow {
		r, err := perimeter.NewRule(a.Methods, a.Paths)
		if err != nil {
			return nil, fmt.Errorf("allow rule %d: %w", i+1, err)
		}
		rules = append(rules, r)
	}
	routes, err := perimeter.NewRoutes(rules...)
	if err != nil {
		return nil, err
	}
	p := &perimeter.Policy{Routes: routes, Ports: s.Ports, RedirectPort: s.RedirectPort}
	if p.HTTPS, err = parseHTTPSMode(s.HTTPSOnly); err != nil {
		return nil, err
	}
	if s.HSTS != nil {
		p.HSTS = &perimeter.HSTS{MaxAge: s.HSTS.MaxAge, IncludeSubdomains: s.HSTS.IncludeSubdomains, Preload: s.HSTS.Preload}
	}
	if s.CORS != nil {
		c, err := perimeter.NewCORS(s.CORS.Origins)
		if err != nil {
			return nil, fmt.Errorf("cors: %w", err)
		}
		if s.CORS.AllowHeaders != nil {
			c.AllowHeaders = s.CORS.AllowHeaders
		}
		if s.CORS.ExposeHeaders != nil {
			c.ExposeHeaders = s.CORS.ExposeHeaders
		}
		if s.CORS.MaxAge != nil {
			c.MaxAge = *s.CORS.MaxAge
		}
		p.CORS = c
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func parseHTTPSMode(s string) (perimeter.HTTPSMode, error) {
	switch s {
	case "", HTTPSOn:
		return perimeter.HTTPSRefuse, nil
	case HTTPSRedirect:
		return perimeter.HTTPSRedirect, nil
	case HTTPSOff:
		return perimeter.HTTPSOff, nil
	}
	return 0, fmt.Errorf("https_only %q: want on, off or redirect", s)
}

// ServeHTTP applies the perimeter policy. Headers (HSTS, Vary, CORS for a
// listed origin) are set before the next handler runs, so errors produced
// further down the chain carry them too.
func (s *SecureRoutes) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	d := s.policy.Decide(describe(r))
	hdr := w.Header()
	for k, vs := range d.Header {
		if k == "Vary" {
			for _, v := range vs {
				hdr.Add(k, v)
			}
			continue
		}
		hdr[k] = vs
	}
	if d.Action == perimeter.Continue {
		return next.ServeHTTP(w, r)
	}

	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if repl != nil {
		repl.Set("http.secure_routes.reason", d.Reason)
	}
	switch d.Action {
	case perimeter.Answer:
		w.WriteHeader(d.Status)
		return nil
	case perimeter.Redirect:
		hdr.Set("Location", d.Location)
		w.WriteHeader(d.Status)
		return nil
	}
	if c := s.logger.Check(zap.InfoLevel, "request refused"); c != nil {
		// The query is never logged: it may carry a token.
		c.Write(
			zap.String("reason", d.Reason),
			zap.Int("status", d.Status),
			zap.String("remote_ip", reqstate.ClientIPString(r)),
			zap.String("method", r.Method),
			zap.String("host", r.Host),
			zap.String("path", r.URL.Path),
		)
	}
	hdr.Set("Cache-Control", "no-store")
	return caddyhttp.Error(d.Status, fmt.Errorf("secure_routes: %s", d.Reason))
}

// describe extracts what the policy needs from r.
func describe(r *http.Request) perimeter.Request {
	trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool)
	localAddr, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	cp, cerr := reqstate.Path(r) // the one canonical path every module reads
	return perimeter.Request{
		Method:           r.Method,
		Path:             r.URL.Path,
		EscapedPath:      r.URL.EscapedPath(),
		Canonical:        cp,
		CanonicalErr:     cerr,
		RawQuery:         r.URL.RawQuery,
		Host:             r.Host,
		TLS:              r.TLS != nil,
		ForwardedProto:   r.Header.Get("X-Forwarded-Proto"),
		TrustedProxy:     trusted,
		LocalPort:        perimeter.PortOf(localAddr),
		Origin:           r.Header.Get("Origin"),
		PreflightMethod:  r.Header.Get("Access-Control-Request-Method"),
		PreflightHeaders: strings.Join(r.Header.Values("Access-Control-Request-Headers"), ","),
	}
}

// Interface guards
var (
	_ caddy.Provisioner           = (*SecureRoutes)(nil)
	_ caddy.Validator             = (*SecureRoutes)(nil)
	_ caddyhttp.MiddlewareHandler = (*SecureRoutes)(nil)
	_ caddyfile.Unmarshaler       = (*SecureRoutes)(nil)
)
