package edgeauth

import (
	"path"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/authz"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("edgeauth", parseCaddyfile)
	// basic_auth sits early in Caddy's order, ahead of reverse_proxy and
	// the other terminal handlers; secure_routes orders itself before us.
	httpcaddyfile.RegisterDirectiveOrder("edgeauth", httpcaddyfile.Before, "basic_auth")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var m Handler
	err := m.UnmarshalCaddyfile(h.Dispenser)
	if err == nil && h.State != nil {
		cfg := m.Config // for hls_player in the same site (see CaddyfileStateKey)
		h.State[CaddyfileStateKey] = &cfg
	}
	return &m, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	edgeauth [<matcher>] {
//	    key <hex>...                # repeatable; {env.*}/{file.*} resolved at provision; several = rotation
//	    algorithm sha256|sha1|md5   # default sha256
//	    query <name>                # default __token__
//	    cookie <name>               # default __token__
//	    header <name>               # optional
//	    salt <value>
//	    clock_skew <duration>       # default 10s; 0 disables
//	    url_mode [escape_early]     # accept acl-less tokens that sign the request path
//	    field_delimiter <char>      # as the issuer's SDK was set; default ~
//	    acl_delimiter <char>        # as the issuer's SDK was set; default !
//	    keep_token                  # keep the query token for the next handler
//	    session_cookie [<name>] {   # a valid query token mints a cookie token
//	        lifetime <duration>     # default 4h
//	        acl <prefix*>[!<prefix*>…] # default: the entry's asset and its keys under key_path;
//	                                # literal prefixes, {http.request.uri.path.N} / .dir placeholders
//	        same_site lax|strict|none   # default lax; the cookie is always Secure, HttpOnly, Path=/
//	        domain <domain>
//	        partitioned             # CHIPS: Partitioned, for players embedded on another site (SameSite=None)
//	    }
//	    entry <glob>...             # repeatable; these paths need the query token
//	    optional                    # no valid token: continue unauthenticated
//	}
//
// Every subdirective except key and entry may appear once.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	seen := make(map[string]bool)
	for d.NextBlock(0) {
		name := d.Val()
		if name != "key" && name != "entry" {
			if seen[name] {
				return d.Errf("edgeauth: duplicate subdirective %q", name)
			}
			seen[name] = true
		}
		var err error
		switch name {
		case "key":
			err = h.parseKeys(d)
		case "algorithm":
			if err = oneArg(d, &h.Algorithm); err == nil {
				if _, perr := edgetoken.ParseAlgorithm(h.Algorithm); perr != nil {
					return d.Errf("edgeauth: %v", perr)
				}
			}
		case "query":
			err = oneArg(d, &h.Query)
		case "cookie":
			err = oneArg(d, &h.Cookie)
			if err == nil && !validCookieName(h.Cookie) {
				return d.Errf("edgeauth: invalid cookie name %q", h.Cookie)
			}
		case "header":
			err = oneArg(d, &h.Header)
		case "field_delimiter":
			err = oneArg(d, &h.FieldDelimiter)
		case "acl_delimiter":
			err = oneArg(d, &h.ACLDelimiter)
		case "salt":
			err = oneArg(d, &h.Salt)
		case "clock_skew":
			var s string
			if err = oneArg(d, &s); err == nil {
				dur, perr := caddy.ParseDuration(s)
				if perr != nil || dur < 0 {
					return d.Errf("edgeauth: clock_skew %q: want a non-negative duration", s)
				}
				cd := caddy.Duration(dur)
				h.ClockSkew = &cd
			}
		case "url_mode":
			err = h.parseURLMode(d)
		case "keep_token":
			err = noArgs(d, &h.KeepToken)
		case "optional":
			err = noArgs(d, &h.Optional)
		case "entry":
			err = h.parseEntry(d)
		case "session_cookie":
			h.SessionCookie, err = parseSessionCookie(d)
		default:
			return d.Errf("edgeauth: unknown subdirective %q", name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseKeys reads `key <hex>...`. A literal key is checked here, with its
// line; {env.*} and {file.*} keys when provisioned.
func (h *Handler) parseKeys(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	for _, a := range args {
		if strings.Contains(a, "{") {
			continue
		}
		for _, part := range strings.FieldsFunc(a, isKeySeparator) {
			if _, err := edgetoken.ParseKey(part); err != nil {
				return d.Errf("edgeauth: key: %v", err)
			}
		}
	}
	h.Keys = append(h.Keys, args...)
	return nil
}

// parseURLMode reads `url_mode [escape_early]`.
func (h *Handler) parseURLMode(d *caddyfile.Dispenser) error {
	h.URLMode = true
	if d.NextArg() {
		if d.Val() != "escape_early" {
			return d.Errf("edgeauth: url_mode: unknown option %q (want escape_early)", d.Val())
		}
		h.EscapeEarly = true
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

// parseEntry reads `entry <glob>...`.
func (h *Handler) parseEntry(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.ArgErr()
	}
	for _, p := range args {
		if _, err := path.Match(p, ""); err != nil {
			return d.Errf("edgeauth: entry %q: %v", p, err)
		}
	}
	h.Entry = append(h.Entry, args...)
	return nil
}

func parseSessionCookie(d *caddyfile.Dispenser) (*SessionCookie, error) {
	sc := new(SessionCookie)
	if d.NextArg() {
		sc.Name = d.Val()
		if !validCookieName(sc.Name) {
			return nil, d.Errf("edgeauth: session_cookie: invalid cookie name %q", sc.Name)
		}
	}
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	seen := make(map[string]bool)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if seen[name] {
			return nil, d.Errf("edgeauth: session_cookie: duplicate subdirective %q", name)
		}
		seen[name] = true
		var err error
		switch name {
		case "lifetime":
			var s string
			if err = oneArg(d, &s); err == nil {
				dur, perr := caddy.ParseDuration(s)
				if perr != nil {
					return nil, d.Errf("edgeauth: session_cookie: lifetime %q: not a duration", s)
				}
				if verr := checkLifetime(caddy.Duration(dur)); verr != nil {
					return nil, d.Errf("%v", verr)
				}
				sc.Lifetime = caddy.Duration(dur)
			}
		case "acl":
			err = oneArg(d, &sc.ACL)
			if err == nil {
				if perr := authz.CheckTemplate(sc.ACL); perr != nil {
					return nil, d.Errf("edgeauth: session_cookie: %v", perr)
				}
			}
		case "same_site":
			err = oneArg(d, &sc.SameSite)
			if err == nil {
				if verr := checkSameSite(sc.SameSite); verr != nil {
					return nil, d.Errf("%v", verr)
				}
			}
		case "domain":
			err = oneArg(d, &sc.Domain)
		case "partitioned":
			err = noArgs(d, &sc.Partitioned)
		default:
			return nil, d.Errf("edgeauth: session_cookie: unknown subdirective %q", name)
		}
		if err != nil {
			return nil, err
		}
	}
	return sc, nil
}

// oneArg reads exactly one argument into dst.
func oneArg(d *caddyfile.Dispenser, dst *string) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

// noArgs sets a flag that takes no argument.
func noArgs(d *caddyfile.Dispenser, dst *bool) error {
	if d.NextArg() {
		return d.ArgErr()
	}
	*dst = true
	return nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Handler)(nil)
