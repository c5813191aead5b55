package edgeauth

import (
	"path"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/caddyfilex"
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
	blk := caddyfilex.NewBlock("edgeauth", "key", "entry")
	return blk.Each(d, func(name string) error {
		var err error
		switch name {
		case "key":
			err = h.parseKeys(d)
		case "algorithm":
			if h.Algorithm, err = caddyfilex.OneArg(d); err == nil {
				if _, perr := edgetoken.ParseAlgorithm(h.Algorithm); perr != nil {
					return d.Errf("edgeauth: %v", perr)
				}
			}
		case "query":
			h.Query, err = caddyfilex.OneArg(d)
		case "cookie":
			if h.Cookie, err = caddyfilex.OneArg(d); err == nil {
				err = caddyfilex.Rule(d, checkCookieName("cookie", h.Cookie))
			}
		case "header":
			h.Header, err = caddyfilex.OneArg(d)
		case "field_delimiter":
			h.FieldDelimiter, err = caddyfilex.OneArg(d)
		case "acl_delimiter":
			h.ACLDelimiter, err = caddyfilex.OneArg(d)
		case "salt":
			h.Salt, err = caddyfilex.OneArg(d)
		case "clock_skew":
			var skew caddy.Duration
			if skew, err = caddyfilex.Duration(d, "edgeauth: clock_skew"); err == nil {
				if err = caddyfilex.Rule(d, checkClockSkew(skew)); err == nil {
					h.ClockSkew = &skew
				}
			}
		case "url_mode":
			err = h.parseURLMode(d)
		case "keep_token":
			h.KeepToken, err = caddyfilex.Flag(d)
		case "optional":
			h.Optional, err = caddyfilex.Flag(d)
		case "entry":
			err = h.parseEntry(d)
		case "session_cookie":
			h.SessionCookie, err = parseSessionCookie(d)
		default:
			return blk.Unknown(d)
		}
		return err
	})
}

// parseKeys reads `key <hex>...`. A literal key is checked here, with its
// line; {env.*} and {file.*} keys when provisioned.
func (h *Handler) parseKeys(d *caddyfile.Dispenser) error {
	args, err := caddyfilex.Args(d)
	if err != nil {
		return err
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
	args, err := caddyfilex.Args(d)
	if err != nil {
		return err
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
		if err := caddyfilex.Rule(d, checkCookieName("session_cookie", sc.Name)); err != nil {
			return nil, err
		}
	}
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	blk := caddyfilex.NewBlock("edgeauth: session_cookie")
	err := blk.Each(d, func(name string) error {
		var err error
		switch name {
		case "lifetime":
			if sc.Lifetime, err = caddyfilex.Duration(d, "edgeauth: session_cookie: lifetime"); err == nil {
				err = caddyfilex.Rule(d, checkLifetime(sc.Lifetime))
			}
		case "acl":
			if sc.ACL, err = caddyfilex.OneArg(d); err == nil {
				err = caddyfilex.Rule(d, checkSessionACL(sc.ACL))
			}
		case "same_site":
			if sc.SameSite, err = caddyfilex.OneArg(d); err == nil {
				err = caddyfilex.Rule(d, checkSameSite(sc.SameSite))
			}
		case "domain":
			sc.Domain, err = caddyfilex.OneArg(d)
		case "partitioned":
			sc.Partitioned, err = caddyfilex.Flag(d)
		default:
			return blk.Unknown(d)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*Handler)(nil)
