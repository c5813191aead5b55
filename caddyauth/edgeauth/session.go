package edgeauth

import (
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// sessionACL is the ACL of a minted cookie token: the configured one, or
// the directory of the normalised request path + "/*" (/hls/a/index.m3u8
// -> /hls/a/*). A configured ACL may use request placeholders, e.g.
// {http.request.uri.path.1}, so one site-wide setting can name the asset
// in several routes: /hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*.
// "~" is escaped because it delimits token fields.
func (s *SessionCookie) sessionACL(r *http.Request, normPath string) string {
	if s.ACL != "" {
		if !strings.Contains(s.ACL, "{") {
			return s.ACL
		}
		repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
		if !ok {
			repl = caddy.NewReplacer()
		}
		return strings.ReplaceAll(repl.ReplaceKnown(s.ACL, ""), "~", "%7E")
	}
	dir := normPath[:strings.LastIndexByte(normPath, '/')]
	return strings.ReplaceAll(dir, "~", "%7E") + "/*"
}

// mayMint decides whether a verified query token earns a session cookie
// with the ACL acl. Only the entry of a stream does: with `entry`, a path
// that matches it; without, a playlist — or any request whose token's ACLs
// already cover the session ACL. So a token for one segment
// (acl=/hls/a/seg0.ts) never turns into a cookie for the whole directory.
func (c *Config) mayMint(res result, acl string) bool {
	if len(c.Entry) > 0 {
		return c.isEntry(res.path)
	}
	switch strings.ToLower(path.Ext(res.path)) {
	case ".m3u8", ".m3u":
		return true
	}
	for part := range strings.SplitSeq(acl, "!") {
		if !edgetoken.MatchAnyACL(res.token.ACLs, part) {
			return false
		}
	}
	return len(res.token.ACLs) > 0
}

// mintSessionCookie sets a cookie holding a new token signed with the
// first key: exp = now + lifetime, the session ACL, and the ip, id and
// data of the query token that authenticated the request (so the cookie
// is never broader than that token's binding).
func (c *Config) mintSessionCookie(w http.ResponseWriter, r *http.Request, res result, acl string) {
	sc := c.SessionCookie
	lifetime := time.Duration(sc.Lifetime)
	now := c.now()
	tok, err := edgetoken.Generate(edgetoken.Options{
		Key:       c.verifier.Keys[0],
		Algorithm: c.verifier.Algorithm,
		ACLs:      []string{acl},
		Expires:   now.Add(lifetime).Unix(),
		IP:        res.token.IP,
		ID:        res.token.ID,
		Data:      res.token.Data,
		Salt:      c.verifier.Salt,
	})
	if err != nil {
		c.logger.Warn("edgeauth: cannot mint session cookie", zap.String("path", res.path), zap.Error(err))
		return
	}
	c.metrics.mintedCookie()
	caddyhttp.SetVar(r.Context(), VarSessionToken, tok)
	caddyhttp.SetVar(r.Context(), VarSessionScope, strings.Split(acl, "!"))
	http.SetCookie(w, &http.Cookie{
		Name:     sc.Name,
		Value:    tok,
		Path:     "/",
		Domain:   sc.Domain,
		MaxAge:   int(lifetime / time.Second),
		Expires:  now.Add(lifetime),
		Secure:   true,
		HttpOnly: true,
		SameSite: c.sameSite,
	})
}
