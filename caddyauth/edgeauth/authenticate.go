package edgeauth

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// result is the outcome of checking a request's token candidates.
type result struct {
	token   *edgetoken.Token // nil when nothing verified
	raw     string           // the token string that verified
	source  string           // SourceQuery, SourceCookie or SourceHeader
	path    string           // normalised request path ("" if malformed)
	failure *edgetoken.Failure
}

// check tries every token candidate of r; the first that verifies wins.
// When none does, the failure is that of the first candidate (the first
// that is more than malformed), or "missing" when there was none.
func (c *Config) check(r *http.Request) result {
	p, err := edgetoken.NormalizePath(r.URL.EscapedPath())
	if err != nil {
		return result{failure: err.(*edgetoken.Failure)}
	}
	entry := c.isEntry(p)
	req := edgetoken.Request{Path: p, ClientIP: clientIP(r), Now: c.now()}
	var first *edgetoken.Failure
	for _, cand := range c.candidates(r, entry) {
		tok, err := c.verifier.Verify(cand.value, req)
		if err == nil {
			return result{token: tok, raw: cand.value, source: cand.source, path: p}
		}
		// Keep the first failure, unless it is only "malformed" and a later
		// form of the same token (e.g. its URL-decoded value) says more.
		if f := err.(*edgetoken.Failure); first == nil || first.Reason == edgetoken.ReasonMalformed && f.Reason != edgetoken.ReasonMalformed {
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
	return result{path: p, failure: first}
}

// isEntry reports whether the normalised path p matches an entry glob.
func (c *Config) isEntry(p string) bool {
	if len(c.Entry) == 0 {
		return false
	}
	dec, err := url.PathUnescape(p)
	if err != nil {
		dec = p
	}
	for _, pat := range c.Entry {
		target := dec
		if !strings.Contains(pat, "/") {
			target = path.Base(dec)
		}
		if ok, _ := path.Match(pat, target); ok {
			return true
		}
	}
	return false
}

// clientIP is Caddy's client IP (which honours trusted_proxies), falling
// back to the connection's remote address.
func clientIP(r *http.Request) netip.Addr {
	if s, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok {
		if a, err := netip.ParseAddr(s); err == nil {
			return a
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a
}

// accept records a verified token: placeholders, request vars, session
// cookie (query tokens only) and removal of the query token.
func (c *Config) accept(w http.ResponseWriter, r *http.Request, res result) {
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
	caddyhttp.SetVar(ctx, VarToken, res.raw)
	caddyhttp.SetVar(ctx, VarSource, res.source)
	caddyhttp.SetVar(ctx, VarTokenScope, tokenScope(res))
	caddyhttp.SetVar(ctx, VarParam, c.Query)
	c.metrics.count(outcomeAllowed, "", res.source)
	if res.source == SourceQuery && c.SessionCookie != nil {
		if acl := c.SessionCookie.sessionACL(r, res.path); c.mayMint(res, acl) {
			c.mintSessionCookie(w, r, res, acl)
		}
	}
	c.stripToken(r)
}

// tokenScope lists the ACL patterns a verified token covers: its ACLs, or
// in URL mode the path it was checked against.
func tokenScope(res result) []string {
	if len(res.token.ACLs) > 0 {
		return res.token.ACLs
	}
	return []string{res.path}
}

// reject records why no token verified: reason placeholder and vars,
// and removal of the query token.
func (c *Config) reject(r *http.Request, res result) {
	if repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer); ok {
		repl.Set(PlaceholderReason, res.failure.Reason)
	}
	ctx := r.Context()
	caddyhttp.SetVar(ctx, VarReason, res.failure.Reason)
	caddyhttp.SetVar(ctx, VarAuthenticated, false)
	caddyhttp.SetVar(ctx, VarParam, c.Query)
	c.stripToken(r)
}

// logDenial logs at level the reason a request was refused; never the
// token, key or HMAC.
func (c *Config) logDenial(level zapcore.Level, msg string, r *http.Request, res result) {
	ce := c.logger.Check(level, msg)
	if ce == nil {
		return
	}
	ip := clientIP(r)
	remote := r.RemoteAddr
	if ip.IsValid() {
		remote = ip.String()
	}
	ce.Write(
		zap.String("reason", res.failure.Reason),
		zap.String("detail", res.failure.Detail),
		zap.String("remote_ip", remote),
		zap.String("path", r.URL.Path),
	)
}
