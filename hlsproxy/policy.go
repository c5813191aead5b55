package hlsproxy

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/mediagate/caddy-mediagate/hlsproxy/delivery"
	"github.com/mediagate/caddy-mediagate/internal/authz"
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

// needsMetadata reports whether deciding on q needs the policy header and
// hdr lacks it.
func (h *Handler) needsMetadata(q *request, hdr http.Header) bool {
	return q.access == byPolicy && hdr.Get(h.AssetPolicy.Header) == ""
}
