package hlsproxy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgeauth"
	"github.com/mediagate/caddy-mediagate/hlsproxy/delivery"
)

// AssetPolicy decides per-object protection: from origin metadata, or by
// asking the DAM's rule endpoint (source http, see policy_http.go).
type AssetPolicy struct {
	// Source of the decision: "metadata" or "http".
	Source string `json:"source"`
	// Header is the response header that carries it, e.g. x-amz-meta-tokenize.
	Header string `json:"header,omitempty"`
	// Default is "protected" (fail closed) or "public", for objects without the header.
	Default string `json:"default,omitempty"`

	httpRule // source http: the rule endpoint's settings
}

func (p *AssetPolicy) provision() error {
	if p.Source == "" {
		p.Source = "metadata"
	}
	if p.Source == "http" {
		return p.provisionHTTP()
	}
	if p.Source != "metadata" {
		return fmt.Errorf("asset_policy: unknown source %q (want metadata or http)", p.Source)
	}
	if p.URL != "" || p.Cache != 0 || p.Timeout != 0 || p.AssetDepth != 0 {
		return fmt.Errorf("asset_policy metadata: url, cache, timeout and asset_depth apply to source http")
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

// requestToken is what tokenize appends: the token that authenticated the
// request with its query parameter and scope, and the session token that
// edgeauth minted on this request, if any (see delivery.Token).
func requestToken(r *http.Request) delivery.Token {
	ctx := r.Context()
	var t delivery.Token
	t.Param, _ = caddyhttp.GetVar(ctx, edgeauth.VarParam).(string)
	if t.Param == "" {
		t.Param = "__token__"
	}
	t.Value, _ = caddyhttp.GetVar(ctx, edgeauth.VarToken).(string)
	t.Scope, _ = caddyhttp.GetVar(ctx, edgeauth.VarTokenScope).([]string)
	t.Session, _ = caddyhttp.GetVar(ctx, edgeauth.VarSessionToken).(string)
	t.SessionScope, _ = caddyhttp.GetVar(ctx, edgeauth.VarSessionScope).([]string)
	return t
}

// needsMetadata reports whether deciding on this request needs the policy
// header and hdr lacks it.
func (h *Handler) needsMetadata(r *http.Request, hdr http.Header) bool {
	if h.AssetPolicy == nil || h.AssetPolicy.Header == "" || hdr.Get(h.AssetPolicy.Header) != "" {
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
	if isKey || h.AssetPolicy == nil || h.assetProtected(r, hdr) {
		h.metrics.denied("asset_protected")
		return false, caddyhttp.Error(http.StatusForbidden, fmt.Errorf("protected asset requires a token"))
	}
	return true, nil
}
