package hlsplayer

import (
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgeauth"
	"github.com/mediagate/caddy-mediagate/internal/caddyfilex"
)

func init() {
	httpcaddyfile.RegisterDirective("hls_player", parseCaddyfile)
	// Its own route (matched on its prefix, terminal) runs before edgeauth,
	// which sits right before basic_auth (and so right after try_files: the
	// edgeauth package, imported here, registers first); secure_routes still
	// runs first. The order can only name standard directives.
	httpcaddyfile.RegisterDirectiveOrder("hls_player", httpcaddyfile.After, "try_files")
}

// parseCaddyfile builds the hls_player route: the handler, matched on
// <prefix> and <prefix>/*, with the auth of the site's edgeauth block.
func parseCaddyfile(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	var hp Handler
	if err := hp.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	cfg, _ := h.State[edgeauth.CaddyfileStateKey].(*edgeauth.Config)
	if cfg == nil {
		return nil, h.Err("hls_player: no edgeauth block before it: the player checks tokens with the site's edgeauth settings, so put edgeauth { … } above hls_player")
	}
	auth := *cfg
	hp.Auth = &auth
	if err := hp.check(); err != nil {
		return nil, h.Err(err.Error())
	}
	match := caddy.ModuleMap{"path": caddyconfig.JSON(caddyhttp.MatchPath{hp.Prefix, hp.Prefix + "/*"}, nil)}
	return h.NewRoute(match, &hp), nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	hls_player <path-prefix> {
//	    entry <path>                     # the playlist <prefix>/<asset> plays; default /hls/{asset}/master.m3u8
//	    frame_ancestors <origin>...      # who may embed the page (CSP frame-ancestors); default 'self'
//	}
//
// The token is checked with the settings of the edgeauth block that comes
// before hls_player in the site (keys, algorithm, query parameter,
// url_mode…): the one parsed last, so with several sites each needs its own. The route runs before edgeauth and answers everything under
// <path-prefix>: pages at <prefix>/<asset>, the player's files at
// <prefix>/_player/.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if !d.NextArg() {
		return d.Err("hls_player: want a path prefix, e.g. hls_player /embed")
	}
	h.Prefix = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	blk := caddyfilex.NewBlock("hls_player")
	return blk.Each(d, func(name string) error {
		switch name {
		case "entry":
			var err error
			if h.Entry, err = caddyfilex.OneArg(d); err != nil {
				return err
			}
		case "frame_ancestors":
			var err error
			if h.FrameAncestors, err = caddyfilex.Args(d); err != nil {
				return err
			}
		default:
			return blk.Unknown(d)
		}
		return nil
	})
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)
