package secureroutes

import (
	"errors"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/internal/caddyfilex"
	"github.com/mediagate/caddy-mediagate/internal/perimeter"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("secure_routes", parseCaddyfile)
	// The perimeter must run before every other handler of the route, and
	// in particular before edgeauth, which registers itself Before
	// "basic_auth". Plugins may only anchor on standard directives and
	// their init order is not guaranteed, so an anchor shared with edgeauth
	// would make the relative order depend on import order. "map" is the
	// first standard directive after "tracing": anchoring Before it puts
	// secure_routes ahead of map, vars, header, redir, rewrite, basic_auth
	// and anything plugged in relative to them, with only tracing (which
	// just opens a span) in front. No `order` global option is needed.
	httpcaddyfile.RegisterDirectiveOrder("secure_routes", httpcaddyfile.Before, "map")
}

// parseCaddyfile builds the handler from a `secure_routes` block. When
// `https_only redirect` names no port, the redirect goes to the global
// `https_port` option if it is set.
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	s := new(SecureRoutes)
	if err := s.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	if s.HTTPSOnly == HTTPSRedirect && s.RedirectPort == 0 {
		if p, ok := h.Option("https_port").(int); ok {
			s.RedirectPort = p
		}
	}
	return s, nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	secure_routes [<matcher>] {
//	    # Repeatable. Methods are upper-case tokens (default GET HEAD);
//	    # patterns are Caddy path patterns (/hls/*, *.m3u8, /a/*/b.ts),
//	    # matched case-insensitively on the cleaned path. A request no
//	    # rule allows is answered 404. At least one allow is required.
//	    allow [<methods...>] <path_patterns...>
//
//	    # Local listener ports that may serve; others get 404.
//	    ports <port...>
//
//	    # Plain-HTTP handling, default on (403). `redirect` answers 308
//	    # to https://host[:port]/path?query; the port defaults to the
//	    # global https_port option, else 443.
//	    https_only [on|off|redirect [<port>]]
//
//	    # Strict-Transport-Security on HTTPS responses. max_age is
//	    # seconds or a duration (8760h, 365d); preload needs
//	    # include_subdomains and max_age >= 31536000.
//	    hsts <max_age> [include_subdomains] [preload]
//
//	    # Credentialed CORS for exact origins (scheme://host[:port]).
//	    cors <origins...> {
//	        allow_headers <header_names...>   # preflight grant list
//	        expose_headers <header_names...>
//	        max_age <seconds|duration>        # default 600s
//	    }
//	}
//
// Every subdirective except allow may appear once.
func (s *SecureRoutes) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	blk := caddyfilex.NewBlock("secure_routes", "allow")
	err := blk.Each(d, func(sub string) error {
		var err error
		switch sub {
		case "allow":
			err = s.parseAllow(d)
		case "ports":
			err = s.parsePorts(d)
		case "https_only":
			err = s.parseHTTPSOnly(d)
		case "hsts":
			err = s.parseHSTS(d)
		case "cors":
			err = s.parseCORS(d)
		default:
			return blk.Unknown(d)
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(s.Allow) == 0 {
		return d.Errf("secure_routes: at least one allow rule is required")
	}
	return nil
}

func (s *SecureRoutes) parseAllow(d *caddyfile.Dispenser) error {
	var rule AllowRule
	for d.NextArg() {
		v := d.Val()
		if len(rule.Paths) == 0 && perimeter.IsMethodToken(v) {
			rule.Methods = append(rule.Methods, v)
			continue
		}
		if len(rule.Paths) == 0 && v != "" && v[0] != '/' && v[0] != '*' && perimeter.IsMethodToken(strings.ToUpper(v)) {
			return d.Errf("secure_routes: allow: %q: methods are upper case (write %s)", v, strings.ToUpper(v))
		}
		rule.Paths = append(rule.Paths, v)
	}
	if len(rule.Paths) == 0 {
		return d.Errf("secure_routes: allow needs at least one path pattern (methods come first)")
	}
	if _, err := perimeter.NewRule(rule.Methods, rule.Paths); err != nil {
		return d.Errf("secure_routes: allow: %v", err)
	}
	if d.NextBlock(d.Nesting()) {
		return d.Errf("secure_routes: allow takes no block")
	}
	s.Allow = append(s.Allow, rule)
	return nil
}

func (s *SecureRoutes) parsePorts(d *caddyfile.Dispenser) error {
	for d.NextArg() {
		n, err := strconv.Atoi(d.Val())
		if err != nil || n < 1 || n > 65535 {
			return d.Errf("secure_routes: ports: %q is not a port (1-65535)", d.Val())
		}
		s.Ports = append(s.Ports, n)
	}
	if len(s.Ports) == 0 {
		return d.ArgErr()
	}
	return nil
}

func (s *SecureRoutes) parseHTTPSOnly(d *caddyfile.Dispenser) error {
	s.HTTPSOnly = HTTPSOn
	if !d.NextArg() {
		return nil
	}
	switch v := d.Val(); v {
	case HTTPSOn, HTTPSOff, HTTPSRedirect:
		s.HTTPSOnly = v
	default:
		return d.Errf("secure_routes: https_only %q: want on, off or redirect", v)
	}
	if d.NextArg() {
		if s.HTTPSOnly != HTTPSRedirect {
			return d.ArgErr()
		}
		n, err := strconv.Atoi(d.Val())
		if err != nil || n < 1 || n > 65535 {
			return d.Errf("secure_routes: https_only redirect: %q is not a port (1-65535)", d.Val())
		}
		s.RedirectPort = n
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

func (s *SecureRoutes) parseHSTS(d *caddyfile.Dispenser) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	secs, err := parseSeconds(d.Val())
	if err != nil {
		return d.Errf("secure_routes: hsts max-age %q: %v", d.Val(), err)
	}
	h := &HSTSConfig{MaxAge: secs}
	for d.NextArg() {
		switch d.Val() {
		case "include_subdomains":
			h.IncludeSubdomains = true
		case "preload":
			h.Preload = true
		default:
			return d.Errf("secure_routes: hsts: unknown flag %q (want include_subdomains or preload)", d.Val())
		}
	}
	ph := perimeter.HSTS{MaxAge: h.MaxAge, IncludeSubdomains: h.IncludeSubdomains, Preload: h.Preload}
	if err := ph.Validate(); err != nil {
		return d.Errf("secure_routes: %v", err)
	}
	s.HSTS = h
	return nil
}

func (s *SecureRoutes) parseCORS(d *caddyfile.Dispenser) error {
	c := &CORSConfig{Origins: d.RemainingArgs()}
	if len(c.Origins) == 0 {
		return d.Errf("secure_routes: cors needs at least one origin")
	}
	if _, err := perimeter.NewOriginSet(c.Origins); err != nil {
		return d.Errf("secure_routes: cors: %v", err)
	}
	blk := caddyfilex.NewBlock("secure_routes: cors")
	err := blk.Each(d, func(sub string) error {
		switch sub {
		case "allow_headers", "expose_headers":
			names, err := caddyfilex.Args(d)
			if err != nil {
				return err
			}
			for _, n := range names {
				if !perimeter.IsHeaderName(n) || n == "*" {
					return d.Errf("secure_routes: cors %s: invalid header name %q", sub, n)
				}
			}
			if sub == "allow_headers" {
				c.AllowHeaders = names
			} else {
				c.ExposeHeaders = names
			}
		case "max_age":
			if !d.NextArg() {
				return d.ArgErr()
			}
			secs, err := parseSeconds(d.Val())
			if err != nil {
				return d.Errf("secure_routes: cors max_age %q: %v", d.Val(), err)
			}
			if d.NextArg() {
				return d.ArgErr()
			}
			n := int(secs)
			c.MaxAge = &n
		default:
			return blk.Unknown(d)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.CORS = c
	return nil
}

// parseSeconds reads a non-negative number of seconds, or a Caddy duration
// (which must be whole seconds).
func parseSeconds(v string) (int64, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, errNegative
		}
		return n, nil
	}
	if strings.TrimLeft(v, "0123456789") == "" {
		return 0, errTooLarge // all digits but did not parse
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil {
		return 0, err
	}
	if dur < 0 {
		return 0, errNegative
	}
	if dur%1e9 != 0 {
		return 0, errFraction
	}
	return int64(dur / 1e9), nil
}

var (
	errNegative = errors.New("must not be negative")
	errTooLarge = errors.New("too large")
	errFraction = errors.New("must be whole seconds")
)
