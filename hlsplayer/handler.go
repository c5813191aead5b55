// Package hlsplayer is the Caddy module http.handlers.hls_player: an
// embeddable player page per asset (GET <prefix>/<asset>?<token param>=T)
// that checks the EdgeAuth token server-side, with the site's edgeauth
// settings, before any player is sent. A valid token gets a page playing
// the asset's entry playlist with that token; anything else an HTML error
// page saying why (403, no-store). The page, its files and the mapping live
// in the pure package hlsplayer/page.
package hlsplayer

import (
	"errors"
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgeauth"
	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/hlsplayer/page"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler serves the player pages under Prefix and their static files.
type Handler struct {
	// Prefix of the embed paths, e.g. /embed: /embed/a plays asset a.
	Prefix string `json:"prefix"`
	// Entry is the playlist an asset plays, with {asset}. Default
	// /hls/{asset}/master.m3u8.
	Entry string `json:"entry,omitempty"`
	// FrameAncestors may embed the page (CSP frame-ancestors). Default 'self'.
	FrameAncestors []string `json:"frame_ancestors,omitempty"`
	// Auth is the site's edgeauth configuration (keys, algorithm, query
	// parameter, url_mode…): the Caddyfile copies the edgeauth block.
	Auth *edgeauth.Config `json:"auth,omitempty"`

	mapping  page.Mapping
	csp      string
	verifier *edgetoken.Verifier
	param    string
	now      func() time.Time
	logger   *zap.Logger
	pages    *prometheus.CounterVec
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.hls_player",
		New: func() caddy.Module { return new(Handler) },
	}
}

// check applies defaults and validates what needs no secret; the Caddyfile
// parser runs it too, so a JSON config is refused as its Caddyfile.
func (h *Handler) check() error {
	if h.Entry == "" {
		h.Entry = page.DefaultEntry
	}
	h.mapping = page.Mapping{Prefix: h.Prefix, Entry: h.Entry}
	if err := h.mapping.Check(); err != nil {
		return fmt.Errorf("hls_player: %w", err)
	}
	if err := page.CheckFrameAncestors(h.FrameAncestors); err != nil {
		return fmt.Errorf("hls_player: %w", err)
	}
	if h.Auth == nil {
		return errors.New("hls_player: no auth: put an edgeauth block before hls_player in the site (or set auth in JSON)")
	}
	return nil
}

// Provision validates and builds the token verifier from the edgeauth settings.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	h.pages = newPagesCounter(ctx)
	if err := h.check(); err != nil {
		return err
	}
	var err error
	if h.verifier, h.param, err = h.Auth.TokenVerifier(); err != nil {
		return fmt.Errorf("hls_player auth: %w", err)
	}
	h.csp = page.ContentSecurityPolicy(h.FrameAncestors)
	if h.now == nil {
		h.now = time.Now
	}
	return nil
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
