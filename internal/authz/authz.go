// Package authz is the typed contract between edgeauth, which authenticates
// a request, and the handler that serves it (hls_proxy): how the request was
// authenticated, what the verified token covers, which token may be
// propagated into rewritten URIs, and, in the other direction, what the
// serving handler found the request to be (a multivariant playlist, a
// segment, ...) and which asset it belongs to, so edgeauth can mint a
// session cookie for exactly that asset. It has no Caddy import; the glue
// that stores an *Auth per request is internal/reqstate.
package authz

import (
	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// Source is where the token that authenticated a request came from.
type Source uint8

// Token sources.
const (
	None   Source = iota // no token verified (edgeauth `optional`)
	Query                // the configured query parameter
	Cookie               // a cookie (the site's or a minted session cookie)
	Header               // the configured header
)

func (s Source) String() string {
	switch s {
	case Query:
		return "query"
	case Cookie:
		return "cookie"
	case Header:
		return "header"
	}
	return "none"
}

// Kind is what the serving handler found a request to be.
type Kind uint8

// Request kinds reported by the serving handler.
const (
	KindUnknown      Kind = iota // nothing reported (no hls_proxy in the route)
	KindMultivariant             // a multivariant (master) playlist
	KindMedia                    // a media playlist
	KindSegment                  // media bytes: a segment, init section or part
	KindKey                      // a key under key_path
	KindObject                   // any other object
)

// IsPlaylist reports whether k is a playlist kind.
func (k Kind) IsPlaylist() bool { return k == KindMultivariant || k == KindMedia }

// View is the asset a request belongs to, as canonical escaped path
// prefixes ending in "/": its directory and, when the serving handler has a
// key path, the directory of its keys. The empty View (or an AssetDir of
// "/") is the root of the asset tree: an object that belongs to no asset,
// for which nothing but what its token covered may be minted.
type View struct {
	AssetDir string // "/hls/a/"
	KeyDir   string // "/keys/a/", "" when keys are not served apart
}

// Auth is one request's authentication, written by edgeauth before the next
// handler runs and read by it.
type Auth struct {
	// Authenticated is false when edgeauth `optional` let an anonymous
	// request through.
	Authenticated bool
	// Source of the token that verified.
	Source Source
	// Session reports that the token is a session token edgeauth minted
	// (it verified only as a cookie, under the session keys).
	Session bool
	// Scope lists the ACL patterns the verified token covers, as received;
	// in URL mode the canonical escaped path it was signed for.
	Scope []string
	// Param and Token are the query parameter and the token to append to
	// rewritten URIs (tokenize): set only for a query token that is not a
	// session token, so nothing HttpOnly or minted ever reaches a body.
	Param, Token string
	// QueryEntry reports that edgeauth requires the query token on
	// multivariant playlists (session_cookie without `entry` globs): the
	// serving handler refuses them to any other source.
	QueryEntry bool
	// QueryPlaylists reports that `entry` globs name playlists by their
	// extension ("*.m3u8"): every object the serving handler finds to be a
	// playlist (whatever its name's case, or by content type) is an entry.
	QueryPlaylists bool

	kind Kind
	view *View
}

// Served is called by the serving handler once it knows what the request
// is, before it writes the response headers.
func (a *Auth) Served(k Kind, v *View) {
	if a == nil {
		return
	}
	a.kind, a.view = k, v
}

// Kind is what the serving handler reported (KindUnknown when none did).
func (a *Auth) Kind() Kind { return a.kind }

// View is the asset the serving handler reported, or nil.
func (a *Auth) View() *View { return a.view }

// EntryRefused reports whether a request of kind k must be refused because
// it is a view's entry and the token did not come from the query (or is a
// minted session token): a view starts only with a fresh query token.
func (a *Auth) EntryRefused(k Kind) bool {
	if a == nil || !a.Authenticated || a.Source == Query && !a.Session {
		return false
	}
	return a.QueryEntry && k == KindMultivariant || a.QueryPlaylists && k.IsPlaylist()
}

// PropagateFor returns the query token to append to a rewritten URI whose
// canonical escaped path is escapedPath: the request's own query token, and
// only where its ACL covers that path.
func (a *Auth) PropagateFor(escapedPath string) (param, token string, ok bool) {
	if a == nil || a.Token == "" || a.Source != Query || a.Session {
		return "", "", false
	}
	if !edgetoken.MatchAnyACL(a.Scope, escapedPath) {
		return "", "", false
	}
	return a.Param, a.Token, true
}
