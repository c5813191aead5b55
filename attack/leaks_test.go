package attack

import (
	"bufio"
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// tokenMarks are substrings only a token carries.
var tokenMarks = [][]byte{[]byte("hmac="), []byte("hmac%3D"), []byte("hmac%3d"), []byte("__token__=")}

// noTokenAtAll fails when the body or a header other than Set-Cookie holds
// anything token-like or one of the given tokens.
func noTokenAtAll(t *testing.T, st *stack, s *site, r request, res *testutil.RawResponse, why string, toks ...string) {
	t.Helper()
	hdr := headerBytes(res.Header, "Set-Cookie")
	for _, m := range tokenMarks {
		if i := bytes.Index(res.Body, m); i >= 0 {
			st.reg.fail(t, "%s: status %d: %s, but the body carries a token (%q at offset %d): %.300s", st.reg.describe(s, r), res.Status, why, m, i, st.reg.redact(string(res.Body)))
		}
		if bytes.Contains(hdr, m) {
			st.reg.fail(t, "%s: status %d: %s, but a header carries a token: %s", st.reg.describe(s, r), res.Status, why, st.reg.redact(string(hdr)))
		}
	}
	for _, tok := range toks {
		if bytes.Contains(res.Body, []byte(tok)) || bytes.Contains(hdr, []byte(tok)) {
			st.reg.fail(t, "%s: status %d: %s, but the answer carries the token", st.reg.describe(s, r), res.Status, why)
		}
	}
}

// tokenizedOnlyWhereCovered checks every URI of a playlist answered to a
// query-token request: a URI carries a token only when it is the request's
// query token and that token's ACL covers the URI's path.
func tokenizedOnlyWhereCovered(t *testing.T, st *stack, s *site, r request, res *testutil.RawResponse, tok string, acls []string) {
	t.Helper()
	base, _, _ := strings.Cut(r.Target, "?")
	us, err := uris(base, res.Body)
	if err != nil {
		st.reg.fail(t, "%s: %v", st.reg.describe(s, r), err)
		return
	}
	for _, u := range us {
		p, rawq, _ := strings.Cut(u, "?")
		for kv := range strings.SplitSeq(rawq, "&") {
			v, ok := strings.CutPrefix(kv, "__token__=")
			if !ok {
				continue
			}
			if dv, err := url.QueryUnescape(v); err == nil {
				v = dv
			}
			switch {
			case v != tok:
				st.reg.fail(t, "%s: URI %s carries a token that is not the request's query token", st.reg.describe(s, r), st.reg.redact(u))
			case !edgetoken.MatchAnyACL(acls, p):
				st.reg.fail(t, "%s: URI %s carries the query token although its ACL %v does not cover %s", st.reg.describe(s, r), st.reg.redact(u), acls, p)
			}
		}
	}
}

// rowTokenLeaks: tokenize appends only the query token that authenticated
// the request, only where its ACL reaches; a request authenticated by the
// cookie or a header token gets playlists without any token; minted cookie
// tokens never appear outside Set-Cookie (checked on every answer).
func rowTokenLeaks(t *testing.T, st *stack) {
	forEachSite(t, st, st.matrix(func(s *site) bool { return s.Tokenize }), func(t *testing.T, c *client, s *site) {
		asset := "a"
		if s.Mode == "decrypt" || s.Mode == "reencrypt" {
			asset = "b"
		}
		acls := []string{"/hls/" + asset + "/*", "/keys/" + asset + "/*"}
		tok := st.assetToken(t, asset)
		dirOnly := st.token(t, "token /hls/"+asset+"/* (no keys)", "/hls/"+asset+"/*")
		php := st.token(t, "PHP-style token /hls/"+asset+"/master.m3u8*", "/hls/"+asset+"/master.m3u8*")
		base := "/hls/" + asset + "/"

		// Query tokens: tokenize appends them only where they reach.
		for _, qt := range []struct {
			tok  string
			acls []string
		}{{tok, acls}, {dirOnly, acls[:1]}, {php, []string{"/hls/" + asset + "/master.m3u8*"}}} {
			for _, pl := range []string{"master.m3u8", "v0.m3u8", "v1.m3u8"} {
				r := request{Target: q(base+pl, qt.tok)}
				res := c.do(t, s, r)
				if res.Status == 200 {
					tokenizedOnlyWhereCovered(t, st, s, r, res, qt.tok, qt.acls)
				}
			}
		}

		cookie, _ := playerCookie(t, st, c, s, asset, tok)
		for _, pl := range []string{"v0.m3u8", "v1.m3u8"} {
			r := request{Target: base + pl, Cookie: cookie}
			res := c.do(t, s, r)
			if res.Status != 200 {
				st.reg.fail(t, "%s: status %d: the cookie does not open the variant playlist", st.reg.describe(s, r), res.Status)
			}
			noTokenAtAll(t, st, s, r, res, "the request was authenticated by the cookie", tok, strings.TrimPrefix(cookie, "__token__="))
		}
		for _, pl := range []string{"master.m3u8", "v0.m3u8", "v1.m3u8"} {
			r := request{Target: base + pl, Headers: []string{"X-Edge-Token: " + tok}}
			res := c.do(t, s, r)
			noTokenAtAll(t, st, s, r, res, "the request was authenticated by a header token", tok)
			if nc, _ := cookieOf(res); nc != "" {
				st.reg.fail(t, "%s: status %d: a header token minted a session cookie (only a query token may)", st.reg.describe(s, r), res.Status)
			}
			// Cookie and header together: still no token in the body.
			r = request{Target: base + pl, Cookie: cookie, Headers: []string{"X-Edge-Token: " + tok}}
			res = c.do(t, s, r)
			noTokenAtAll(t, st, s, r, res, "the request carried no query token", tok, strings.TrimPrefix(cookie, "__token__="))
		}
	})
}

// hmacHex finds hex runs as long as an HMAC (md5 … sha256) in a log.
var hmacHex = regexp.MustCompile(`[0-9a-fA-F]{32,64}`)

// rowNoTokenInLog: Caddy's whole log for the run (global and access logs,
// every level, stdout and stderr) holds no token: no "hmac=" and no HMAC of
// any token the run used or saw minted.
func rowNoTokenInLog(t *testing.T, st *stack) {
	hmacs := map[string]string{}
	for tok, name := range st.reg.tokens() {
		if _, h, ok := strings.Cut(strings.Trim(tok, `"`), "hmac="); ok {
			hmacs[strings.ToLower(h)] = name
		}
	}
	if len(hmacs) == 0 {
		t.Fatal("no token registered: no row ran before this one")
	}
	st.Caddy.Stop() // the last row: every log entry is written once Caddy has exited
	log := st.caddyLog(t)
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	lines, bad := 0, 0
	for sc.Scan() {
		// The edgeauth_tokens log filter leaves "<param>=REDACTED".
		line := strings.ReplaceAll(sc.Text(), "__token__="+edgetoken.Redacted, "")
		line = strings.ReplaceAll(line, "="+edgetoken.Redacted, "=")
		lines++
		leak := ""
		for _, m := range tokenMarks {
			if strings.Contains(line, string(m)) {
				leak = string(m)
			}
		}
		for _, h := range hmacHex.FindAllString(line, -1) {
			if name, ok := hmacs[strings.ToLower(h)]; ok {
				leak = "the HMAC of " + name
			}
		}
		if leak != "" {
			if bad++; bad <= 10 {
				t.Errorf("caddy's log carries a token (%s): %.400s", leak, st.reg.redact(line))
			}
		}
	}
	if bad > 10 {
		t.Errorf("… %d log lines in all carry a token", bad)
	}
	t.Logf("%d log lines, %d tokens checked", lines, len(hmacs))
}
