package hlsproxy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgeauth"
)

// AssetPolicy reads per-object protection from origin metadata.
type AssetPolicy struct {
	// Source of the decision; only "metadata" exists.
	Source string `json:"source"`
	// Header is the response header that carries it, e.g. x-amz-meta-tokenize.
	Header string `json:"header"`
	// Default is "protected" (fail closed) or "public", for objects without the header.
	Default string `json:"default,omitempty"`
}

func (p *AssetPolicy) provision() error {
	if p.Source == "" {
		p.Source = "metadata"
	}
	if p.Source != "metadata" {
		return fmt.Errorf("asset_policy: unknown source %q (want metadata)", p.Source)
	}
	if p.Header == "" || strings.ContainsAny(p.Header, " \t:") {
		return fmt.Errorf("asset_policy: invalid header name %q", p.Header)
	}
	p.Header = http.CanonicalHeaderKey(p.Header)
	switch p.Default {
	case "":
		p.Default = "protected"
	case "protected", "public":
	default:
		return fmt.Errorf("asset_policy: default %q (want protected or public)", p.Default)
	}
	return nil
}

// protected decides from the origin's response header.
func (p *AssetPolicy) protected(h http.Header) bool {
	v := strings.ToLower(strings.TrimSpace(h.Get(p.Header)))
	switch v {
	case "true", "1", "yes", "protected", "on":
		return true
	case "false", "0", "no", "public", "off":
		return false
	}
	return p.Default != "public"
}

// authState reports whether edgeauth ran for this request and whether it
// verified a token.
func authState(r *http.Request) (ran, ok bool) {
	ok, ran = caddyhttp.GetVar(r.Context(), edgeauth.VarAuthenticated).(bool)
	return ran, ok
}

// requestToken is the token tokenize appends, with its query parameter: the
// token that authenticated the request — or, when edgeauth minted a session
// cookie on this request, that session token, whose ACL (the asset, and its
// keys when configured) covers the URIs of the playlist where an entry
// token (e.g. PHP's acl=<playlist path>*) would not.
func requestToken(r *http.Request) (param, token string) {
	token, _ = caddyhttp.GetVar(r.Context(), edgeauth.VarSessionToken).(string)
	if token == "" {
		token, _ = caddyhttp.GetVar(r.Context(), edgeauth.VarToken).(string)
	}
	param, _ = caddyhttp.GetVar(r.Context(), edgeauth.VarParam).(string)
	if param == "" {
		param = "__token__"
	}
	return param, token
}

// needsMetadata reports whether deciding on this request needs the policy
// header and hdr lacks it.
func (h *Handler) needsMetadata(r *http.Request, hdr http.Header) bool {
	if h.AssetPolicy == nil || hdr.Get(h.AssetPolicy.Header) != "" {
		return false
	}
	_, ok := authState(r)
	return !ok
}

// allowAsset decides whether an object may be served to this request, from
// the origin's response headers, before any body byte is sent. A request that
// edgeauth authenticated is always allowed. One that edgeauth let through
// unauthenticated (optional) gets only objects the asset policy marks public:
// without a policy, and for keys, nothing. Without edgeauth in the route and
// without a policy, the proxy does not judge. public reports an unauthenticated
// request for a public asset (no token to propagate, publicly cacheable).
func (h *Handler) allowAsset(r *http.Request, hdr http.Header, isKey bool) (public bool, err error) {
	ran, ok := authState(r)
	if ok || (!ran && h.AssetPolicy == nil) {
		return false, nil
	}
	if isKey || h.AssetPolicy == nil || h.AssetPolicy.protected(hdr) {
		h.metrics.denied("asset_protected")
		return false, caddyhttp.Error(http.StatusForbidden, fmt.Errorf("protected asset requires a token"))
	}
	return true, nil
}
