package edgeauth

import (
	"net/http"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/canon"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
)

// result is the outcome of checking a request's token candidates.
type result struct {
	token   *edgetoken.Token // nil when nothing verified
	raw     string           // the token string that verified
	source  string           // SourceQuery, SourceCookie or SourceHeader
	session bool             // the token is a minted session token (cookie only)
	path    canon.Path       // the canonical request path (zero if refused)
	status  int              // the denial status: 403, or 400/404 for a refused path
	failure *edgetoken.Failure
}

// check tries every token candidate of r; the first that verifies wins.
// When none does, the failure is that of the first candidate (the first
// that is more than malformed), or "missing" when there was none. A path
// that has no canonical form is refused before any token is looked at.
func (c *Config) check(r *http.Request) result {
	p, err := reqstate.Path(r)
	if err != nil {
		return result{status: canon.Status(err), failure: &edgetoken.Failure{Reason: edgetoken.ReasonMalformed, Detail: err.Error()}}
	}
	entry := c.isEntry(p)
	req := edgetoken.Request{Path: p.Escaped, ClientIP: clientIP(r), Now: c.now()}
	var first *edgetoken.Failure
	for _, cand := range c.candidates(r, entry) {
		tok, session, f := c.verify(cand, req)
		if f == nil {
			return result{token: tok, raw: cand.value, source: cand.source, session: session, path: p}
		}
		// Keep the first failure, unless it is only "malformed" and a later
		// form of the same token (e.g. its URL-decoded value) says more.
		if first == nil || first.Reason == edgetoken.ReasonMalformed && f.Reason != edgetoken.ReasonMalformed {
			first = f
		}
	}
	if first == nil {
		detail := "no token in query " + c.Query + ", cookie " + c.Cookie
		if c.Header != "" {
			detail += " or header " + c.Header
		}
		if entry {
			detail = "entry path requires the token in query parameter " + c.Query
		}
		first = &edgetoken.Failure{Reason: edgetoken.ReasonMissing, Detail: detail}
	}
	return result{path: p, status: http.StatusForbidden, failure: first}
}

// verify checks one candidate with the issuer's keys and, for a cookie
// only, with the session keys that sign minted tokens.
func (c *Config) verify(cand candidate, req edgetoken.Request) (*edgetoken.Token, bool, *edgetoken.Failure) {
	tok, f := c.verifier.Verify(cand.value, req)
	if f == nil {
		return tok, false, nil
	}
	if cand.source == SourceCookie && c.sessions != nil && f.Reason == edgetoken.ReasonBadHMAC {
		tok, sf := c.sessions.Verify(cand.value, req)
		if sf == nil {
			return tok, true, nil
		}
		if sf.Reason != edgetoken.ReasonBadHMAC {
			return nil, false, sf // a session token, refused for another reason
		}
	}
	return nil, false, f
}

// isEntry reports whether the canonical path p matches an entry glob,
// ignoring case (hls_proxy knows "INDEX.M3U8" as a playlist too).
func (c *Config) isEntry(p canon.Path) bool {
	if len(c.Entry) == 0 {
		return false
	}
	dec := strings.ToLower(p.Decoded)
	for _, pat := range c.Entry {
		target := dec
		if !strings.Contains(pat, "/") {
			target = path.Base(dec)
		}
		if ok, _ := path.Match(strings.ToLower(pat), target); ok {
			return true
		}
	}
	return false
}

// clientIP is the request's client IP, as every module reads it.
func clientIP(r *http.Request) netip.Addr { return reqstate.ClientIP(r) }

// accept records a verified token: placeholders, informational vars, the
// auth contract for the next handler, and removal of the query token.
func (c *Config) accept(r *http.Request, res result) *authz.Auth {
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		id := res.token.ID
		if id == "" {
			id = "edgeauth"
		}
		repl.Set(PlaceholderUserID, id)
		repl.Set(PlaceholderUserData, res.token.Data)
		repl.Set(PlaceholderUserExp, strconv.FormatInt(res.token.Expires, 10))
		repl.Set(PlaceholderUserACL, res.token.ACL)
	}
	ctx := r.Context()
	caddyhttp.SetVar(ctx, VarAuthenticated, true)
	caddyhttp.SetVar(ctx, VarSource, res.source)
	a := &authz.Auth{
		Authenticated:  true,
		Source:         sourceOf(res.source),
		Session:        res.session,
		Scope:          tokenScope(res),
		QueryEntry:     c.SessionCookie != nil && len(c.Entry) == 0,
		QueryPlaylists: c.entryPlaylists,
	}
	if a.Source == authz.Query && !res.session {
		a.Param, a.Token = c.Query, res.raw
	}
	reqstate.SetAuth(r, a)
	c.metrics.count(outcomeAllowed, "", res.source)
	c.stripToken(r)
	return a
}

func sourceOf(s string) authz.Source {
	switch s {
	case SourceQuery:
		return authz.Query
	case SourceCookie:
		return authz.Cookie
	case SourceHeader:
		return authz.Header
	}
	return authz.None
}

// tokenScope lists the ACL patterns a verified token covers: its ACLs, or
// in URL mode the canonical path it was checked against.
func tokenScope(res result) []string {
	if len(res.token.ACLs) > 0 {
		return res.token.ACLs
	}
	return []string{res.path.Escaped}
}

// reject records why no token verified: reason placeholder and vars, an
// anonymous auth contract, and removal of the query token.
func (c *Config) reject(r *http.Request, res result) {
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		repl.Set(PlaceholderReason, res.failure.Reason)
	}
	ctx := r.Context()
	caddyhttp.SetVar(ctx, VarReason, res.failure.Reason)
	caddyhttp.SetVar(ctx, VarAuthenticated, false)
	reqstate.SetAuth(r, &authz.Auth{})
	c.stripToken(r)
}

// logDenial logs at level the reason a request was refused; never the
// token, key or HMAC.
func (c *Config) logDenial(level zapcore.Level, msg string, r *http.Request, res result) {
	ce := c.logger.Check(level, msg)
	if ce == nil {
		return
	}
	remote := reqstate.ClientIPString(r)
	ce.Write(
		zap.String("reason", res.failure.Reason),
		zap.String("detail", res.failure.Detail),
		zap.String("remote_ip", remote),
		zap.String("path", r.URL.Path),
	)
}
