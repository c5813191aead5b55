package hlsproxy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
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

// protected decides from the origin's response header. Only one value
// decides: a header sent twice (or none) is the default, as the DAM rule
// endpoint takes exactly one canonical answer — an origin that says both
// "false" and "true" never makes an asset public.
func (p *AssetPolicy) protected(h http.Header) bool {
	vals := h.Values(p.Header)
	if len(vals) != 1 {
		return p.Default != "public"
	}
	switch strings.ToLower(strings.TrimSpace(vals[0])) {
	case "true", "1", "yes", "protected", "on":
		return true
	case "false", "0", "no", "public", "off":
		return false
	}
	return p.Default != "public"
}

// requestToken is what tokenize appends: the query token that
// authenticated the request, with its parameter and scope (the auth
// contract offers nothing else: never a cookie, header or minted token).
func requestToken(q *request) delivery.Token {
	a := q.auth
	if a == nil || a.Token == "" || a.Source != authz.Query || a.Session {
		return delivery.Token{}
	}
	return delivery.Token{Param: a.Param, Value: a.Token, Scope: a.Scope}
}
