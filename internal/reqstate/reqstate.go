// Package reqstate is the thin Caddy glue of the per-request state that
// mediagate's modules share: the one canonical request path (package canon)
// and the authentication contract (package authz). Both live in Caddy's
// request variables, typed here, so no module reads another module's glue.
package reqstate

import (
	"net/http"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/canon"
)

// Request variable names (also {http.vars.<name>} placeholders).
const (
	varPath = "mediagate.canonical_path"
	varAuth = "mediagate.auth"
)

// pathMemo is a canonical path remembered with the escaped path it was
// computed from, so a rewrite of the URL by the configuration between two
// modules (uri strip_prefix, rewrite) is noticed and the path recomputed.
type pathMemo struct {
	from string
	path canon.Path
	err  error
}

// Path returns the canonical form of r's path: computed once per request
// and stored, then read by every module after the first.
func Path(r *http.Request) (canon.Path, error) {
	escaped := r.URL.EscapedPath()
	if m, ok := caddyhttp.GetVar(r.Context(), varPath).(*pathMemo); ok && m.from == escaped {
		return m.path, m.err
	}
	p, err := canon.Parse(escaped)
	caddyhttp.SetVar(r.Context(), varPath, &pathMemo{from: escaped, path: p, err: err})
	return p, err
}

// SetAuth records how edgeauth authenticated r.
func SetAuth(r *http.Request, a *authz.Auth) { caddyhttp.SetVar(r.Context(), varAuth, a) }

// Auth returns what edgeauth recorded for r, or nil when no edgeauth ran.
func Auth(r *http.Request) *authz.Auth {
	a, _ := caddyhttp.GetVar(r.Context(), varAuth).(*authz.Auth)
	return a
}
