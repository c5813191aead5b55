package edgeauth

import (
	"net/http"
	"path"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/authz"
)

// The hybrid scheme: a view starts with a fresh query token on its entry,
// and the answer carries a longer-lived session cookie for the rest of the
// view. What is minted follows authz.MintACL (literal prefixes of the
// entry's asset and its keys, never anything the request spells), and it
// is minted only when the entry is answered 2xx (see mintWriter): an error
// never carries a cookie.

// mayStartView reports whether res may start a view: a session cookie is
// configured and the token came from the query and is not itself minted.
func (c *Config) mayStartView(res result) bool {
	return c.SessionCookie != nil && res.source == SourceQuery && !res.session
}

// startsView reports whether a 2xx answer to this request is a view's
// entry: with `entry`, a path that matches it (or any playlist the serving
// handler reported, when a glob names playlists by extension); without, a
// playlist as the serving handler reported it (by extension when none did).
func (c *Config) startsView(res result, a *authz.Auth) bool {
	if len(c.Entry) > 0 {
		return c.isEntry(res.path) || c.entryPlaylists && a.Kind().IsPlaylist()
	}
	if k := a.Kind(); k != authz.KindUnknown {
		return k.IsPlaylist()
	}
	switch strings.ToLower(path.Ext(res.path.Decoded)) {
	case ".m3u8", ".m3u":
		return true
	}
	return false
}

// sessionACL is the ACL of the session token for this view, or an error
// when none may be minted.
func (c *Config) sessionACL(res result, a *authz.Auth) ([]string, error) {
	var configured []string
	if c.SessionCookie.ACL != "" {
		var err error
		if configured, err = authz.Expand(c.SessionCookie.ACL, res.path); err != nil {
			return nil, err
		}
	}
	acls, err := authz.MintACL(res.token.ACLs, res.path, a.View(), configured)
	if err != nil {
		return nil, err
	}
	return acls, authz.CheckDelimiters(acls, c.sessions.Delimiters.Bytes())
}

// sessionCookie returns the Set-Cookie value of a new session token signed
// with the first session key: exp = now + lifetime, the session ACL, and
// the ip, id and data of the query token that started the view (so the
// cookie is never bound more loosely than that token).
func (c *Config) sessionCookie(res result, acls []string) (string, error) {
	sc := c.SessionCookie
	lifetime := time.Duration(sc.Lifetime)
	now := c.now()
	tok, err := edgetoken.Generate(edgetoken.Options{
		Key:       c.sessions.Keys[0],
		Algorithm: c.sessions.Algorithm,
		ACLs:      acls,
		Expires:   now.Add(lifetime).Unix(),
		IP:        res.token.IP,
		ID:        res.token.ID,
		Data:      res.token.Data,
		Salt:      c.sessions.Salt,

		Delimiters: c.sessions.Delimiters,
	})
	if err != nil {
		return "", err
	}
	ck := &http.Cookie{
		Name:        sc.Name,
		Value:       tok,
		Path:        "/",
		Domain:      sc.Domain,
		MaxAge:      int(lifetime / time.Second),
		Expires:     now.Add(lifetime),
		Secure:      true,
		HttpOnly:    true,
		SameSite:    c.sameSite,
		Partitioned: sc.Partitioned,
	}
	return ck.String(), nil
}

// mint is called once the next handler's status is known. A 2xx entry gets
// the session cookie (and Cache-Control: no-store, so no cache keeps a
// personal cookie); anything else gets none.
func (c *Config) mint(hdr http.Header, status int, res result, a *authz.Auth) {
	if status < 200 || status > 299 || !c.startsView(res, a) {
		return
	}
	acl, err := c.sessionACL(res, a)
	if err == nil {
		var ck string
		if ck, err = c.sessionCookie(res, acl); err == nil {
			hdr.Add("Set-Cookie", ck)
			hdr.Set("Cache-Control", "no-store")
			c.metrics.mintedCookie()
			return
		}
	}
	c.logger.Info("edgeauth: no session cookie for this view", zap.String("path", res.path.Escaped), zap.Error(err))
}
