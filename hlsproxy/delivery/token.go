package delivery

import (
	"net/url"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
)

// Token is what tokenize appends to rewritten URIs: Param=Value, the token
// that authenticated the playlist request. When edgeauth also minted a
// session token on that request (hybrid mode), a URI that Value's scope
// does not cover but the session token's does gets Session instead — so a
// PHP entry token signed for the playlist alone (acl=/hls/a/index.m3u8*)
// still yields segment and key URIs that play without the cookie, while
// every URI the request's own token covers carries that token.
type Token struct {
	Param, Value string
	Scope        []string // ACL patterns Value covers (nil: unknown)
	Session      string   // minted session token, "" when none
	SessionScope []string // ACL patterns Session covers
}

// enabled reports whether there is anything to append.
func (t Token) enabled() bool { return t.Param != "" && t.Value != "" }

// valueFor returns the token for the rewritten URI uri, resolved against
// the playlist's proxy URL base.
func (t Token) valueFor(base *url.URL, uri string) string {
	if t.Session == "" {
		return t.Value
	}
	ref, err := url.Parse(uri)
	if err != nil {
		return t.Value
	}
	p, err := edgetoken.NormalizePath(base.ResolveReference(ref).EscapedPath())
	if err != nil || edgetoken.MatchAnyACL(t.Scope, p) || !edgetoken.MatchAnyACL(t.SessionScope, p) {
		return t.Value
	}
	return t.Session
}

// withToken appends the token for uri, or returns uri unchanged without one.
func (r *run) withToken(uri string) string {
	if !r.tok.enabled() {
		return uri
	}
	return playlist.AppendQuery(uri, r.tok.Param, r.tok.valueFor(r.proxyBase, uri))
}

// appendWithToken appends uri and its token to dst.
func (r *run) appendWithToken(dst []byte, uri string) []byte {
	if !r.tok.enabled() {
		return append(dst, uri...)
	}
	return playlist.AppendQueryTo(dst, uri, r.tok.Param, r.tok.valueFor(r.proxyBase, uri))
}
