package delivery

import (
	"net/url"
	"strings"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
)

// Token is what tokenize appends to rewritten URIs: Param=Value, the query
// token that authenticated the playlist request, and only to URIs that
// Value's ACL (Scope) covers. No other token ever reaches a playlist body:
// not a cookie, not a header token, not a minted session token (the auth
// contract offers none of them).
type Token struct {
	Param, Value string
	Scope        []string // ACL patterns Value covers
}

// enabled reports whether there is anything to append.
func (t Token) enabled() bool { return t.Param != "" && t.Value != "" }

// covers reports whether the token's scope covers the URI uri resolved
// against the playlist's proxy URL base.
func (t Token) covers(base *url.URL, uri string) bool {
	ref, err := url.Parse(uri)
	if err != nil {
		return false
	}
	p, err := edgetoken.NormalizePath(base.ResolveReference(ref).EscapedPath())
	return err == nil && edgetoken.MatchAnyACL(t.Scope, p)
}

// coversPrefix reports whether some scope entry is a "<prefix>*" pattern
// whose literal prefix starts dir (an escaped directory ending in "/"): then
// it covers every plain relative URI of a playlist in dir.
func (t Token) coversPrefix(dir string) bool {
	for _, acl := range t.Scope {
		for part := range strings.SplitSeq(acl, "!") {
			lit, ok := strings.CutSuffix(part, "*")
			if ok && !strings.ContainsAny(lit, "*?%") && strings.HasPrefix(dir, lit) {
				return true
			}
		}
	}
	return false
}

// withToken appends the token to uri where it covers it.
func (r *run) withToken(uri string) string {
	if !r.tok.enabled() || !r.tok.covers(r.proxyBase, uri) {
		return uri
	}
	return playlist.AppendQuery(uri, r.tok.Param, r.tok.Value)
}

// appendWithToken appends a plain relative uri, and its token where it
// covers it, to dst.
func (r *run) appendWithToken(dst []byte, uri string) []byte {
	if !r.tok.enabled() || !r.dirCovered && !r.tok.covers(r.proxyBase, uri) {
		return append(dst, uri...)
	}
	return playlist.AppendQueryTo(dst, uri, r.tok.Param, r.tok.Value)
}
