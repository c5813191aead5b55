package attack

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// playlistProbe recognises any playlist body.
var playlistProbe = []probe{{"a playlist body", []byte("#EXTM3U")}}

// rowSmaller: the smaller findings of issue 13, each by several spellings.
func rowSmaller(t *testing.T, st *stack) {
	t.Run("keys are never public under asset_policy default public", func(t *testing.T) { keysNeverPublic(t, st) })
	t.Run("no existence oracle under default protected", func(t *testing.T) { noExistenceOracle(t, st) })
	t.Run("cookie-only entry requests are refused", func(t *testing.T) { cookieOnlyEntryRefused(t, st) })
	t.Run("url_mode checks acl tokens as ACL tokens and refuses an empty acl", func(t *testing.T) { urlModeEmptyACL(t, st) })
	t.Run("https_only redirect carries no query", func(t *testing.T) { redirectCarriesNoQuery(t, st) })
}

// keysNeverPublic: anonymous requests on the public-policy site never get a
// storage key, whatever its name (k, k.dat), metadata (tokenize=false),
// spelling, method or route, before and after the playlist naming it was read.
func keysNeverPublic(t *testing.T, st *stack) {
	s := st.site(t, "policy-public")
	c := newClient(st)
	defer c.closeAll()
	pub := st.Assets["pub"]
	forbidden := append(append(pub.keyProbes(), st.Assets["b"].keyProbes()...), st.Assets["enc"].keyProbes()...)
	try := func(when string) {
		for _, target := range []string{
			"/hls/pub/k", "/hls/pub/k.dat", "/hls/pub/%6b", "/hls/pub/K", "/hls/pub/k%2edat", "/hls/pub/k.DAT",
			"/keys/pub/k", "/keys/pub/k.dat", "/hls/b/key.bin", "/hls/b/key2.bin", "/keys/b/key.bin", "/hls/enc/k2", "/hls/enc/enc.key",
		} {
			for _, r := range objectVariants(target, "") {
				r.Target = strings.TrimSuffix(strings.TrimSuffix(r.Target, "?__token__="), "&__token__=")
				res := c.do(t, s, r)
				if res.Status < 400 {
					st.reg.fail(t, "%s (%s): status %d: a key object answers an anonymous request", st.reg.describe(s, r), when, res.Status)
				}
				st.reg.forbid(t, s, r, res, forbidden)
			}
		}
	}
	try("before the playlist was read")
	r := request{Target: "/hls/pub/index.m3u8"}
	if res := c.do(t, s, r); res.Status != 200 {
		st.reg.fail(t, "%s: status %d: the public playlist is not served anonymously", st.reg.describe(s, r), res.Status)
	}
	try("after the playlist named the keys")
}

// noExistenceOracle: under `edgeauth { optional }` and `default protected`,
// an anonymous request gets the same answer for an existing protected object
// and for a missing one.
func noExistenceOracle(t *testing.T, st *stack) {
	s := st.site(t, "policy-protected")
	c := newClient(st)
	defer c.closeAll()
	forbidden := append(st.Assets["a"].clearProbes(), st.Assets["b"].everything()...)
	for _, method := range []string{"GET", "HEAD"} {
		var first *testutil.RawResponse
		var firstTarget string
		for _, target := range []string{
			"/hls/a/v0_0.ts", "/hls/a/master.m3u8", "/hls/b/v0_0.ts", "/hls/b/key.bin", "/keys/b/key.bin",
			"/hls/a/nope.ts", "/hls/a/nope.m3u8", "/hls/nope/master.m3u8", "/keys/a/nope.bin", "/keys/nope/key.bin", "/hls/b/nope.bin",
		} {
			r := request{Method: method, Target: target}
			res := c.do(t, s, r)
			st.reg.forbid(t, s, r, res, forbidden)
			if res.Status != 403 {
				st.reg.fail(t, "%s: status %d, want 403 (anonymous under default protected)", st.reg.describe(s, r), res.Status)
			}
			if first == nil {
				first, firstTarget = res, target
				continue
			}
			if res.Status != first.Status || !bytes.Equal(res.Body, first.Body) || res.Header.Get("Content-Length") != first.Header.Get("Content-Length") {
				st.reg.fail(t, "%s: answers %d (%d bytes) where %s answers %d (%d bytes): existence oracle",
					st.reg.describe(s, r), res.Status, len(res.Body), firstTarget, first.Status, len(first.Body))
			}
		}
	}
}

// cookieOnlyEntryRefused: entry globs match case-insensitively, and with the
// default entry a multivariant playlist needs the query token whatever its
// name or content type: a cookie alone opens no entry.
func cookieOnlyEntryRefused(t *testing.T, st *stack) {
	for _, tc := range []struct {
		site    string
		targets []string
		open    []string // what the cookie alone must still open
	}{
		{"entry", []string{"/hls/a/master.m3u8", "/hls/a/MASTER.M3U8", "/hls/a/UP.M3U8", "/hls/a/Index.M3U8", "/hls/a/v0.m3u8",
			"/hls/a/master%2Em3u8", "/hls/a/master.m3u%38", "/hls/a/%6Daster.m3u8", "/hls/a/x!/master.m3u8"}, []string{"/hls/a/v0_0.ts"}},
		{"passthrough+secure_routes", []string{"/hls/a/master.m3u8", "/hls/a/MASTER.M3U8", "/hls/a/UP.M3U8", "/hls/a/Index.M3U8",
			"/hls/a/manifest", "/hls/a/master%2em3u8", "/hls/a/%6danifest"}, []string{"/hls/a/v0.m3u8", "/hls/a/v0_0.ts"}},
		{"decrypt+secure_routes", []string{"/hls/a/master.m3u8", "/hls/a/UP.M3U8", "/hls/a/manifest"}, []string{"/hls/a/v0.m3u8"}},
	} {
		t.Run(tc.site, func(t *testing.T) {
			s := st.site(t, tc.site)
			c := newClient(st)
			defer c.closeAll()
			cookie, _ := playerCookie(t, st, c, s, "a", st.assetToken(t, "a"))
			for _, target := range tc.targets {
				for _, r := range []request{{Target: target, Cookie: cookie}, {Target: target, Cookie: cookie, Method: "HEAD"}} {
					res := c.do(t, s, r)
					if res.Status != 403 {
						st.reg.fail(t, "%s: status %d, want 403 (an entry needs the query token)", st.reg.describe(s, r), res.Status)
					}
					st.reg.forbid(t, s, r, res, playlistProbe)
				}
			}
			for _, target := range tc.open {
				r := request{Target: target, Cookie: cookie}
				if res := c.do(t, s, r); res.Status != 200 {
					st.reg.fail(t, "%s: status %d: the cookie no longer opens what it is for", st.reg.describe(s, r), res.Status)
				}
			}
		})
	}
}

// urlModeEmptyACL: under url_mode, a token with an acl field is checked as an
// ACL token, and an acl with no pattern (acl=!, acl=!!, acl=) is malformed.
func urlModeEmptyACL(t *testing.T, st *stack) {
	s := st.site(t, "urlmode")
	c := newClient(st)
	defer c.closeAll()
	exp := strconv.FormatInt(time.Now().Add(10*time.Minute).Unix(), 10)
	a, b := st.Assets["a"], st.Assets["b"]
	forbidden := append(a.clearProbes("v0_0.ts"), b.everything()...)
	for _, body := range []string{"exp=" + exp + "~acl=!", "exp=" + exp + "~acl=!!", "exp=" + exp + "~acl=", "exp=" + exp + "~acl=%21",
		"exp=" + exp + "~acl=!~id=x", "exp=" + exp + "~acl=!!!!"} {
		tok := st.reg.name(testutil.SignToken(t, st.Key, body), "signed "+body[strings.Index(body, "~")+1:])
		for _, target := range []string{"/hls/a/v0_0.ts", "/hls/b/key.bin", "/keys/b/key.bin", "/hls/b/v0_0.ts"} {
			r := request{Target: q(target, tok)}
			res := c.do(t, s, r)
			if res.Status != 403 {
				st.reg.fail(t, "%s: status %d, want 403 (an acl with no pattern is malformed)", st.reg.describe(s, r), res.Status)
			}
			st.reg.forbid(t, s, r, res, forbidden)
		}
	}
	// A token with an acl field is checked as an ACL token, not as a URL token.
	aclTok := st.token(t, "token /hls/a/*", "/hls/a/*")
	for _, target := range []string{"/hls/b/v0_0.ts", "/hls/b/key.bin", "/keys/b/key.bin", "/hls/a/../b/v0_0.ts", "/hls/a%2f..%2fb/v0_0.ts"} {
		r := request{Target: q(target, aclTok)}
		res := c.do(t, s, r)
		if res.Status < 400 {
			st.reg.fail(t, "%s: status %d: an ACL token opened a path outside its ACL under url_mode", st.reg.describe(s, r), res.Status)
		}
		st.reg.forbid(t, s, r, res, b.everything())
	}
	// The sanctioned URL-mode and ACL tokens still work.
	r := request{Target: q("/hls/a/v0_1.ts", aclTok)}
	if res := c.do(t, s, r); res.Status != 200 || !bytes.Equal(res.Body, a.Clear["v0_1.ts"]) {
		st.reg.fail(t, "%s: status %d: an ACL token no longer serves its path under url_mode", st.reg.describe(s, r), res.Status)
	}
	urlTok := st.tokenOpts(t, "url-mode token for /hls/a/v0_0.ts", edgetoken.Options{URL: "/hls/a/v0_0.ts", Window: 10 * time.Minute})
	r = request{Target: q("/hls/a/v0_0.ts", urlTok)}
	if res := c.do(t, s, r); res.Status != 200 || !bytes.Equal(res.Body, a.Clear["v0_0.ts"]) {
		st.reg.fail(t, "%s: status %d: a URL-mode token no longer serves its path", st.reg.describe(s, r), res.Status)
	}
}

// redirectCarriesNoQuery: `https_only redirect` answers plain HTTP with a
// Location that drops the whole query (so never the token).
func redirectCarriesNoQuery(t *testing.T, st *stack) {
	s := st.site(t, "redirect")
	c := newClient(st)
	defer c.closeAll()
	tok := st.assetToken(t, "a")
	for _, target := range []string{
		q("/hls/a/master.m3u8", tok), q("/hls/a/v0_0.ts?x=1", tok), "/hls/a/v0_0.ts?__token__=" + tok + "&download",
		"/hls/a/v0_0.ts?%5F%5Ftoken%5F%5F=" + tok, "/hls/a/v0_0.ts?RequestToken=" + tok, "/keys/a/key.bin?__token__=" + tok,
		"/hls/a/v0_0.ts?" + tok, "/nope?__token__=" + tok,
	} {
		r := request{Target: target, Plain: true}
		res := c.do(t, s, r)
		loc := res.Header.Get("Location")
		if res.Status < 300 || res.Status > 399 {
			if res.Status < 400 {
				st.reg.fail(t, "%s: status %d: plain HTTP was served", st.reg.describe(s, r), res.Status)
			}
		}
		if strings.Contains(loc, "?") {
			st.reg.fail(t, "%s: status %d: Location %s keeps a query", st.reg.describe(s, r), res.Status, st.reg.redact(loc))
		}
		noTokenAtAll(t, st, s, r, res, "a redirect", tok)
		st.reg.forbid(t, s, r, res, st.Assets["a"].clearProbes("v0_0.ts"))
	}
}
