// Package edgeauth is the Caddy glue for Akamai EdgeAuth tokens: the
// http.handlers.edgeauth middleware (Caddyfile directive `edgeauth`), the
// http.authentication.providers.edgeauth provider and the
// `caddy edgeauth` command. Token logic lives in caddyauth/edgetoken.
package edgeauth

import (
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap/zapcore"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// Handler gates requests on an Akamai EdgeAuth token found in the query
// string, a cookie or a header.
//
// A request without a valid token is refused with 403 (via
// caddyhttp.Error, so handle_errors can style it); the reason (expired,
// bad_hmac, acl_mismatch, ip_mismatch, missing, malformed, not_yet_valid)
// is logged at INFO and exposed as {http.auth.edgeauth.reason}. On
// success {http.auth.user.id}, {http.auth.user.data},
// {http.auth.user.exp} and {http.auth.user.acl} are set, plus the
// request vars listed in vars.go.
type Handler struct {
	Config
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.edgeauth",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision resolves the keys and salt and validates the configuration.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.metrics = newMetrics(ctx.GetMetricsRegistry())
	return h.provision(ctx.Logger())
}

// ServeHTTP implements caddyhttp.MiddlewareHandler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	res := h.check(r)
	if res.token != nil {
		a := h.accept(r, res)
		if h.mayStartView(res) {
			w = newMintWriter(w, func(hdr http.Header, status int) { h.mint(hdr, status, res, a) })
		}
		return next.ServeHTTP(w, r)
	}
	h.reject(r, res)
	if h.Optional && res.status == http.StatusForbidden {
		h.metrics.count(outcomeAnonymous, res.failure.Reason, "")
		h.logDenial(zapcore.DebugLevel, "edgeauth: continuing unauthenticated", r, res)
		return next.ServeHTTP(w, r)
	}
	// No cache may keep a denial.
	w.Header().Set("Cache-Control", "no-store")
	h.metrics.count(outcomeDenied, res.failure.Reason, "")
	h.logDenial(zapcore.InfoLevel, "edgeauth: access denied", r, res)
	return caddyhttp.Error(res.status, res.failure)
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
