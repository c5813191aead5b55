package attack

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// metaForms are the token metacharacters (and a few neighbours) as an
// attacker spells them: raw, percent-encoded in either case, combined.
// "%25%32%31" decodes once to "%21": not double encoding by the contract's
// rule (%25 then two hex digits), but the decoded directory holds a "%",
// so it must mint nothing.
var metaForms = []string{
	"!", "%21", "*", "%2A", "%2a", "?", "%3F", "%3f", "~", "%7E", "%7e", "%25",
	"!%2A", "%21*", "%21%2a", "%25%32%31", ";", "%3B", "%20",
}

// metaPositions place a metacharacter (%[1]s) in every position of a path a
// token for /hls/a/* (or a PHP-style /hls/a/master.m3u8*) might cover.
var metaPositions = []struct {
	pattern string
	php     bool // also covered by the PHP-style token
}{
	{"/hls/a/x%[1]s/master.m3u8", false}, // suffix of a directory (the x! x* x~ x? x% fixtures exist)
	{"/hls/a/%[1]s/master.m3u8", false},  // a whole directory (the ! * ~ fixtures exist)
	{"/hls/a/%[1]sx/master.m3u8", false}, // prefix of a directory
	{"/hls/a/x/%[1]s/master.m3u8", false},
	{"/hls/a/master%[1]s.m3u8", true},         // the file name
	{"/hls/a/master.m3u8%[1]s/v0.m3u8", true}, // after the entry's name (inside master.m3u8*)
	{"/hls/a/master.m3u8%[1]s", true},
	{"/hls/a%[1]s/master.m3u8", false}, // the asset name
	{"/hls%[1]s/a/master.m3u8", false}, // the route prefix
}

// badPaths must be refused with 400 by whichever module runs first: dot
// segments (literal or encoded), empty segments, encoded separators, raw
// backslash, NUL and control characters, invalid UTF-8, invalid escapes and
// double encoding.
var badPaths = []string{
	"/hls/a/../a/master.m3u8", "/hls/a/./master.m3u8", "/hls/*/../a/master.m3u8", "/hls/%2A/../a/master.m3u8",
	"/hls/x!/../a/master.m3u8", "/hls/a/x!/../master.m3u8", "/hls/a/x%21/%2e%2e/master.m3u8",
	"/hls/a/%2e%2e/a/master.m3u8", "/hls/a/%2E%2E/a/master.m3u8", "/hls/a/.%2e/a/master.m3u8", "/hls/a/%2e./a/master.m3u8",
	"/hls/a/%2e/master.m3u8", "/hls/a/%2E/master.m3u8", "/hls/a/master.m3u8/.", "/hls/a/master.m3u8/..",
	"/hls/a/x/../master.m3u8", "/hls/./a/master.m3u8",
	"/hls//a/master.m3u8", "/hls/a//master.m3u8", "//hls/a/master.m3u8", "/hls/a/x//master.m3u8",
	"/hls/a%2fmaster.m3u8", "/hls/a%2Fmaster.m3u8", "/hls%2fa/master.m3u8", "/hls/a/x%2f..%2fmaster.m3u8",
	"/hls/a%5cmaster.m3u8", "/hls/a%5Cmaster.m3u8", `/hls/a\master.m3u8`, `/hls/a/x\..\master.m3u8`,
	"/hls/a/master.m3u8%00", "/hls/a/%00/master.m3u8", "/hls/a/x%00/master.m3u8",
	"/hls/a/x%0a/master.m3u8", "/hls/a/x%0D/master.m3u8", "/hls/a/x%1f/master.m3u8", "/hls/a/x%7f/master.m3u8", "/hls/a/x%09/master.m3u8",
	"/hls/a/%ff/master.m3u8", "/hls/a/%FF/master.m3u8", "/hls/a/x%c0%af/master.m3u8", "/hls/a/%ed%a0%80/master.m3u8", "/hls/a/x%e2%82/master.m3u8",
	"/hls/a/x%zz/master.m3u8", "/hls/a/x%2/master.m3u8", "/hls/a/x%g1/master.m3u8",
	"/hls/a/x%2521/master.m3u8", "/hls/a/x%252A/master.m3u8", "/hls/a/x%252a/master.m3u8", "/hls/a/%252e%252e/a/master.m3u8",
	"/hls/a/x%2541/master.m3u8",
}

// escalationTokens are the tokens of row 1: a directory token and a
// PHP-style token for the entry playlist only.
func escalationTokens(t testing.TB, st *stack) (dirTok, phpTok string) {
	return st.token(t, "token /hls/a/*", "/hls/a/*"), st.token(t, "PHP-style token /hls/a/master.m3u8*", "/hls/a/master.m3u8*")
}

// rowCookieEscalation: a valid query token for a, with metacharacters or
// non-canonical spellings in the path, never mints a cookie wider than a's
// directory and key directory, and whatever it mints opens nothing of b.
func rowCookieEscalation(t *testing.T, st *stack) {
	dirTok, phpTok := escalationTokens(t, st)
	forEachSite(t, st, st.matrix(nil), func(t *testing.T, c *client, s *site) {
		opened := map[string]bool{} // cookie ACLs already tried on b
		try := func(target, tok string, want400 bool) {
			r := request{Target: q(target, tok)}
			res := c.do(t, s, r)
			if want400 && res.Status != 400 {
				st.reg.fail(t, "%s: status %d, want 400 (non-canonical path)", st.reg.describe(s, r), res.Status)
			}
			cookie, acl := cookieOf(res)
			if cookie == "" {
				return
			}
			if !within(acl, "/hls/a/", "/keys/a/") {
				st.reg.fail(t, "%s: status %d minted a cookie whose acl %q is not within /hls/a/ and /keys/a/", st.reg.describe(s, r), res.Status, strings.Join(acl, "!"))
			}
			key := strings.Join(acl, "!")
			if !opened[key] {
				opened[key] = true
				cookieOpensNothingOfB(t, st, c, s, cookie, "cookie minted by "+redactQuery(target))
			}
		}
		// The sanctioned mint first: its cookie, too, opens nothing of b.
		try("/hls/a/master.m3u8", dirTok, false)
		for _, pos := range metaPositions {
			for _, m := range metaForms {
				target := fmt.Sprintf(pos.pattern, m)
				try(target, dirTok, false)
				if pos.php {
					try(target, phpTok, false)
				}
			}
		}
		for _, p := range badPaths {
			try(p, dirTok, true)
			try(p, phpTok, true)
		}
		// Only a playlist (or an entry) mints: a segment or another object
		// requested with a token that covers the whole directory does not.
		for _, target := range []string{"/hls/a/v0_0.ts", "/hls/a/v1_2.ts", "/hls/a/missing.ts", "/hls/a/"} {
			r := request{Target: q(target, dirTok)}
			if res := c.do(t, s, r); res.Header.Get("Set-Cookie") != "" {
				st.reg.fail(t, "%s: status %d: a request that is not for a playlist minted a session cookie", st.reg.describe(s, r), res.Status)
			}
		}
	})
}

// cookieOpensNothingOfB fetches b's playlists, segments and keys (and enc's
// keys) with only the cookie: every answer must be a refusal without their bytes.
func cookieOpensNothingOfB(t *testing.T, st *stack, c *client, s *site, cookie, what string) {
	t.Helper()
	b, enc := st.Assets["b"], st.Assets["enc"]
	forbidden := append(b.everything(), enc.keyProbes()...)
	for _, target := range []string{
		"/hls/b/master.m3u8", "/hls/b/v0.m3u8", "/hls/b/v1.m3u8", "/hls/b/v0_0.ts", "/hls/b/v1_2.ts",
		"/keys/b/key.bin", "/keys/b/key2.bin", "/hls/b/key.bin", "/keys/enc/enc.key", "/hls/enc/k2",
		"/hls/c/index.m3u8", "/hls/c/s0.ts",
	} {
		r := request{Target: target, Cookie: cookie}
		res := c.do(t, s, r)
		if res.Status < 400 {
			st.reg.fail(t, "%s (%s): status %d: the cookie opened another asset", st.reg.describe(s, r), what, res.Status)
		}
		st.reg.forbid(t, s, r, res, append(forbidden, st.Assets["c"].rawProbes()...))
	}
}

// playerCookie is the sanctioned mint: the entry playlist of asset with its
// token. It fails the test when no cookie comes back.
func playerCookie(t *testing.T, st *stack, c *client, s *site, name, tok string) (cookie string, acl []string) {
	t.Helper()
	r := request{Target: q("/hls/"+pathEscape(name)+"/master.m3u8", tok)}
	res := c.do(t, s, r)
	cookie, acl = cookieOf(res)
	if res.Status != 200 || cookie == "" {
		t.Fatalf("%s: status %d, cookie %v: the sanctioned entry request mints no session cookie", st.reg.describe(s, r), res.Status, cookie != "")
	}
	return cookie, acl
}

// rowSelfRenewal: a minted cookie's token, sent as the query token or the
// header token, is refused (403) and mints nothing; only a cookie reads it.
func rowSelfRenewal(t *testing.T, st *stack) {
	forEachSite(t, st, st.matrix(nil), func(t *testing.T, c *client, s *site) {
		tok := st.assetToken(t, "a")
		cookie, _ := playerCookie(t, st, c, s, "a", tok)
		val := strings.TrimPrefix(cookie, "__token__=")
		plain := strings.Trim(val, `"`)
		a := st.Assets["a"]
		for _, target := range []string{"/hls/a/master.m3u8", "/hls/a/v0.m3u8", "/hls/a/v0_0.ts"} {
			for _, r := range []request{
				{Target: q(target, plain)},
				{Target: q(target, url.QueryEscape(plain))},
				{Target: target, Headers: []string{"X-Edge-Token: " + plain}},
			} {
				res := c.do(t, s, r)
				if res.Status != 403 {
					st.reg.fail(t, "%s: status %d, want 403 (a minted token is read from the cookie only)", st.reg.describe(s, r), res.Status)
				}
				if nc, _ := cookieOf(res); nc != "" {
					st.reg.fail(t, "%s: a minted token renewed itself: status %d set a new cookie", st.reg.describe(s, r), res.Status)
				}
				st.reg.forbid(t, s, r, res, a.clearProbes("v0_0.ts"))
			}
		}
		// The cookie itself still works for what it is for.
		r := request{Target: "/hls/a/v0.m3u8", Cookie: cookie}
		if res := c.do(t, s, r); res.Status != 200 {
			st.reg.fail(t, "%s: status %d: the minted cookie does not open the variant playlist", st.reg.describe(s, r), res.Status)
		}
	})
}
