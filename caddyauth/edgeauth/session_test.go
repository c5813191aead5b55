package edgeauth

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/authz"
)

func sessionCookieOf(t *testing.T, s served) *http.Cookie {
	t.Helper()
	resp := http.Response{Header: s.rec.Header()}
	cs := resp.Cookies()
	if len(cs) != 1 {
		return nil
	}
	return cs[0]
}

// playlist answers like hls_proxy for a media playlist of the asset dir.
func playlist(dir, keys string) func(http.ResponseWriter, *authz.Auth) error {
	return answer(authz.KindMedia, &authz.View{AssetDir: dir, KeyDir: keys}, http.StatusOK)
}

func TestSessionCookieMintedFromQueryToken(t *testing.T) {
	h, _ := newHandler(t, Config{Keys: []string{keyA, keyB}, Salt: "pepper", SessionCookie: &SessionCookie{}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}, ID: "sess-42", Data: "u=1", IP: "203.0.113.7", Salt: "pepper"})
	s := serveWith(t, h, httptest.NewRequest("GET", "/hls/a/index.m3u8?__token__="+q, nil), "203.0.113.7", playlist("/hls/a/", "/keys/a/"))
	c := sessionCookieOf(t, s)
	if c == nil {
		t.Fatalf("no Set-Cookie: %v (err %v)", s.rec.Header(), s.err)
	}
	if c.Name != DefaultCookie || !c.Secure || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode ||
		c.MaxAge != int(DefaultSessionLifetime/time.Second) || c.Partitioned {
		t.Errorf("cookie attributes %+v", c)
	}
	if cc := s.rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("minted answer Cache-Control %q, want no-store", cc)
	}
	tok, err := edgetoken.Parse(c.Value)
	if err != nil {
		t.Fatalf("cookie token: %v", err)
	}
	if tok.ACL != "/hls/a/*!/keys/a/*" || tok.ID != "sess-42" || tok.Data != "u=1" || tok.IP != "203.0.113.7" ||
		tok.Expires != fixedNow.Add(DefaultSessionLifetime).Unix() {
		t.Errorf("cookie token %+v", tok)
	}
	// Signed with the session key of the FIRST key and the configured salt;
	// the issuer's own key does not verify it.
	req := edgetoken.Request{Path: "/hls/a/seg1.ts", Now: fixedNow, ClientIP: netip.MustParseAddr("203.0.113.7")}
	session := edgetoken.Verifier{Keys: [][]byte{edgetoken.SessionKey(hexKey(t, keyA))}, Salt: "pepper"}
	if _, err := session.Verify(c.Value, req); err != nil {
		t.Errorf("cookie token does not verify with the first session key: %v", err)
	}
	issuer := edgetoken.Verifier{Keys: [][]byte{hexKey(t, keyA), hexKey(t, keyB)}, Salt: "pepper"}
	if _, err := issuer.Verify(c.Value, req); err == nil {
		t.Error("minted token verifies under the issuer's key")
	}
}

// A minted token opens the view as a cookie and nothing else: as a query or
// header token it is refused, so it can neither renew itself nor start a
// view, and it never mints again.
func TestMintedTokenIsRefusedAsQueryOrHeaderAndNeverRenews(t *testing.T) {
	h, _ := newHandler(t, Config{Header: "X-Edge-Token", SessionCookie: &SessionCookie{}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	first := serveWith(t, h, httptest.NewRequest("GET", "/hls/a/index.m3u8?__token__="+q, nil), "", playlist("/hls/a/", ""))
	c := sessionCookieOf(t, first)
	if c == nil {
		t.Fatal("no cookie minted")
	}
	r := httptest.NewRequest("GET", "/hls/a/seg.ts", nil)
	r.AddCookie(c)
	if s := serve(t, h, r, ""); !s.nextCalled || !s.auth.Session || s.auth.Token != "" {
		t.Fatalf("cookie: next %v auth %+v err %v", s.nextCalled, s.auth, s.err)
	}
	for _, via := range []string{"query", "escaped query", "header"} {
		target := "/hls/a/index.m3u8"
		switch via {
		case "query":
			target += "?__token__=" + c.Value
		case "escaped query":
			target += "?__token__=" + url.QueryEscape(c.Value)
		}
		r := httptest.NewRequest("GET", target, nil)
		if via == "header" {
			r.Header.Set("X-Edge-Token", c.Value)
		}
		s := serveWith(t, h, r, "", playlist("/hls/a/", ""))
		if s.nextCalled || s.placeholder(PlaceholderReason) != edgetoken.ReasonBadHMAC || len(s.rec.Header().Values("Set-Cookie")) != 0 {
			t.Errorf("minted token as %s: next %v reason %q Set-Cookie %q", via, s.nextCalled,
				s.placeholder(PlaceholderReason), s.rec.Header().Values("Set-Cookie"))
		}
	}
}

func TestSessionCookieOptions(t *testing.T) {
	h, _ := newHandler(t, Config{Cookie: "hdnts", SessionCookie: &SessionCookie{
		Name: "hdntl", Lifetime: caddy.Duration(time.Hour), ACL: "/hls/*", SameSite: "none", Domain: "media.example.com",
	}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/hls/*"}})
	s := serveWith(t, h, httptest.NewRequest("GET", "/hls/a/index.m3u8?__token__="+q, nil), "", playlist("/hls/a/", ""))
	c := sessionCookieOf(t, s)
	if c == nil || c.Name != "hdntl" || c.SameSite != http.SameSiteNoneMode || !c.Secure ||
		c.Domain != "media.example.com" || c.MaxAge != 3600 {
		t.Fatalf("cookie %+v", c)
	}
	tok, _ := edgetoken.Parse(c.Value)
	if tok.ACL != "/hls/*" || tok.Expires != fixedNow.Unix()+3600 {
		t.Errorf("token %+v", tok)
	}
	// The session cookie is read back although its name differs from `cookie`.
	r := httptest.NewRequest("GET", "/hls/b/seg.ts", nil)
	r.AddCookie(&http.Cookie{Name: "hdntl", Value: c.Value})
	if s := serve(t, h, r, ""); !s.nextCalled || s.vars[VarSource] != SourceCookie {
		t.Errorf("session cookie hdntl not accepted: %v", s.err)
	}
	// A configured ACL wider than both the asset and the verified token is
	// never minted: a token for /hls/a/* does not earn a cookie for /hls/*.
	narrow := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	s = serveWith(t, h, httptest.NewRequest("GET", "/hls/a/index.m3u8?__token__="+narrow, nil), "", playlist("/hls/a/", ""))
	if c := sessionCookieOf(t, s); c != nil {
		t.Errorf("configured /hls/* minted from a /hls/a/* token: %v", c)
	}
}

func TestPartitionedSessionCookieIsSameSiteNone(t *testing.T) {
	h, _ := newHandler(t, Config{SessionCookie: &SessionCookie{Partitioned: true}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	s := serveWith(t, h, httptest.NewRequest("GET", "/hls/a/index.m3u8?__token__="+q, nil), "", playlist("/hls/a/", ""))
	c := sessionCookieOf(t, s)
	if c == nil || !c.Partitioned || c.SameSite != http.SameSiteNoneMode || !c.Secure {
		t.Fatalf("cookie %+v", c)
	}
	if err := (&SessionCookie{Partitioned: true, SameSite: "lax"}).provision("__token__"); err == nil {
		t.Error("partitioned with same_site lax accepted")
	}
}

// The default ACL is the entry's directory (and its key directory), written
// as literal prefixes; a directory that holds a metacharacter mints nothing.
func TestSessionCookieDefaultACLIsTheEntryAsset(t *testing.T) {
	tests := map[string]string{
		"/hls/a/index.m3u8":         "/hls/a/*",
		"/index.m3u8":               "/*",
		"/hls/my%20video/x.m3u8":    "/hls/my%20video/*",
		"/hls/a/sub/dir/index.m3u8": "/hls/a/sub/dir/*",
		"/hls/~user/x.m3u8":         "",
		"/hls/a/x!/y.m3u8":          "",
		"/hls/a/x%21/y.m3u8":        "",
		"/hls/a/x*/y.m3u8":          "",
		"/hls/a/x%2A/y.m3u8":        "",
		"/hls/a/x%3F/y.m3u8":        "",
		"/hls/a/x%7E/y.m3u8":        "",
		"/hls/a/x%25/y.m3u8":        "",
	}
	h, _ := newHandler(t, Config{SessionCookie: &SessionCookie{}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/*"}})
	for p, want := range tests {
		s := serve(t, h, httptest.NewRequest(http.MethodGet, p+"?__token__="+q, nil), "")
		c := sessionCookieOf(t, s)
		switch {
		case want == "" && c != nil:
			t.Errorf("%s minted %q", p, c.Value)
		case want != "" && c == nil:
			t.Errorf("%s minted nothing (err %v)", p, s.err)
		case want != "":
			tok, _ := edgetoken.Parse(c.Value)
			if tok.ACL != want {
				t.Errorf("%s: acl %q, want %q", p, tok.ACL, want)
			}
		}
	}
}

func TestSessionCookieNeverMintedFromCookieOrHeader(t *testing.T) {
	h, _ := newHandler(t, Config{Header: "X-Edge-Token", SessionCookie: &SessionCookie{}})
	tok := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	r := httptest.NewRequest("GET", "/hls/a/index.m3u8", nil)
	r.AddCookie(&http.Cookie{Name: "__token__", Value: tok})
	if s := serveWith(t, h, r, "", playlist("/hls/a/", "")); !s.nextCalled || len(s.rec.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("cookie request: next %v, Set-Cookie %q", s.nextCalled, s.rec.Header().Values("Set-Cookie"))
	}
	r = httptest.NewRequest("GET", "/hls/a/index.m3u8", nil)
	r.Header.Set("X-Edge-Token", tok)
	if s := serveWith(t, h, r, "", playlist("/hls/a/", "")); !s.nextCalled || len(s.rec.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("header request: next %v, Set-Cookie %q", s.nextCalled, s.rec.Header().Values("Set-Cookie"))
	}
	s := serve(t, h, httptest.NewRequest("GET", "/hls/b/index.m3u8?__token__="+tok, nil), "")
	if s.nextCalled || len(s.rec.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("denied request set a cookie")
	}
	if cc := s.rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("denial Cache-Control %q, want no-store", cc)
	}
}

// The cookie waits for the answer: an entry answered 4xx or 5xx (a missing
// playlist, a refusal further down) gets none.
func TestSessionCookieOnlyOnSuccessfulEntry(t *testing.T) {
	h, _ := newHandler(t, Config{SessionCookie: &SessionCookie{}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	for _, status := range []int{200, 206, 304, 400, 403, 404, 502} {
		s := serveWith(t, h, httptest.NewRequest("GET", "/hls/a/index.m3u8?__token__="+q, nil), "",
			answer(authz.KindMedia, &authz.View{AssetDir: "/hls/a/"}, status))
		got := sessionCookieOf(t, s) != nil
		if want := status >= 200 && status < 300; got != want {
			t.Errorf("status %d: cookie %v, want %v", status, got, want)
		}
	}
}

func TestEntryPathsRequireQueryToken(t *testing.T) {
	h, _ := newHandler(t, Config{Header: "X-Edge-Token", Entry: []string{"*.m3u8", "/live/*/master.mpd"}})
	tok := mint(t, edgetoken.Options{ACLs: []string{"/*"}})
	tests := []struct {
		path   string
		via    string // query, cookie, header
		reason string
	}{
		{"/hls/a/index.m3u8", "query", ""},
		{"/hls/a/index.m3u8", "cookie", edgetoken.ReasonMissing},
		{"/hls/a/INDEX.M3U8", "cookie", edgetoken.ReasonMissing},
		{"/hls/a/Index.m3U8", "header", edgetoken.ReasonMissing},
		{"/hls/a/index.m3u8", "header", edgetoken.ReasonMissing},
		{"/hls/a/seg.ts", "cookie", ""},
		{"/live/x/master.mpd", "cookie", edgetoken.ReasonMissing},
		{"/LIVE/x/MASTER.mpd", "cookie", edgetoken.ReasonMissing},
		{"/live/x/y/master.mpd", "cookie", ""}, // path.Match's * stops at '/'
		{"/hls/a/index.m3u8.ts", "cookie", ""},
	}
	for _, tt := range tests {
		target := tt.path
		if tt.via == "query" {
			target += "?__token__=" + tok
		}
		r := httptest.NewRequest("GET", target, nil)
		switch tt.via {
		case "cookie":
			r.AddCookie(&http.Cookie{Name: "__token__", Value: tok})
		case "header":
			r.Header.Set("X-Edge-Token", tok)
		}
		s := serve(t, h, r, "")
		if got := s.placeholder(PlaceholderReason); got != tt.reason || s.nextCalled != (tt.reason == "") {
			t.Errorf("%s via %s: reason %q next %v, want %q", tt.path, tt.via, got, s.nextCalled, tt.reason)
		}
	}
}

// Without `entry`, a session cookie makes the multivariant playlist the
// entry: the contract tells the serving handler to refuse it to a cookie.
func TestDefaultEntryIsTheMultivariantPlaylist(t *testing.T) {
	h, _ := newHandler(t, Config{SessionCookie: &SessionCookie{}})
	tok := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	r := httptest.NewRequest("GET", "/hls/a/master.m3u8", nil)
	r.AddCookie(&http.Cookie{Name: "__token__", Value: tok})
	s := serve(t, h, r, "")
	if !s.auth.EntryRefused(authz.KindMultivariant) || s.auth.EntryRefused(authz.KindMedia) {
		t.Errorf("cookie auth: entry refused multivariant %v, media %v", s.auth.EntryRefused(authz.KindMultivariant), s.auth.EntryRefused(authz.KindMedia))
	}
	s = serve(t, h, httptest.NewRequest("GET", "/hls/a/master.m3u8?__token__="+tok, nil), "")
	if s.auth.EntryRefused(authz.KindMultivariant) {
		t.Error("query token refused on the multivariant playlist")
	}
}

// The PHP call sites sign acl=<playlist path>*; the cookie minted on that
// entry opens the asset's other files, and no other asset.
func TestSessionCookieOpensSegmentsForPHPPlaylistToken(t *testing.T) {
	h, _ := newHandler(t, Config{Query: "RequestToken", SessionCookie: &SessionCookie{}})
	php := mint(t, edgetoken.Options{Start: fixedNow.Unix(), Window: 7200 * time.Second,
		ACLs: []string{"/hls/stream1/index.m3u8*"}})
	seg := serve(t, h, httptest.NewRequest("GET", "/hls/stream1/seg-1.ts?RequestToken="+php, nil), "")
	if seg.placeholder(PlaceholderReason) != edgetoken.ReasonACLMismatch {
		t.Fatalf("playlist token on a segment: reason %q", seg.placeholder(PlaceholderReason))
	}
	pl := serveWith(t, h, httptest.NewRequest("GET", "/hls/stream1/index.m3u8?RequestToken="+php, nil), "", playlist("/hls/stream1/", "/keys/stream1/"))
	c := sessionCookieOf(t, pl)
	if !pl.nextCalled || c == nil {
		t.Fatalf("playlist: next %v cookie %v err %v", pl.nextCalled, c, pl.err)
	}
	for p, ok := range map[string]bool{"/hls/stream1/seg-1.ts": true, "/keys/stream1/aes128.key": true,
		"/hls/stream2/seg-1.ts": false, "/keys/stream2/aes128.key": false, "/hls/stream1x/seg.ts": false} {
		r := httptest.NewRequest("GET", p, nil)
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		if s := serve(t, h, r, ""); s.nextCalled != ok {
			t.Errorf("%s with the session cookie: next %v, want %v (reason %q)", p, s.nextCalled, ok, s.placeholder(PlaceholderReason))
		}
	}
}

func TestSessionCookieACLExpandsFromTheCanonicalPath(t *testing.T) {
	h, _ := newHandler(t, Config{SessionCookie: &SessionCookie{ACL: "/hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*"}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/hls/*"}})
	s := serveWith(t, h, httptest.NewRequest(http.MethodGet, "/hls/asset%201/index.m3u8?__token__="+q, nil), "", playlist("/hls/asset%201/", "/keys/asset%201/"))
	c := sessionCookieOf(t, s)
	if c == nil {
		t.Fatalf("no cookie: %v", s.err)
	}
	if tok, _ := edgetoken.Parse(c.Value); tok.ACL != "/hls/asset%201/*!/keys/asset%201/*" {
		t.Fatalf("acl = %q", tok.ACL)
	}
	// Spellings that a raw-path expansion would have turned into wildcards
	// or extra entries are refused (400) or mint nothing.
	for _, p := range []string{"/hls/*/../a/index.m3u8", "/hls/a!/index.m3u8", "/hls/%2A/index.m3u8", "/hls//a/index.m3u8"} {
		s := serve(t, h, httptest.NewRequest(http.MethodGet, p+"?__token__="+q, nil), "")
		if c := sessionCookieOf(t, s); c != nil {
			t.Errorf("%s minted %q", p, c.Value)
		}
	}
	if err := (&SessionCookie{ACL: "/hls/{http.request.host}/*"}).provision("__token__"); err == nil || !strings.Contains(err.Error(), "only") {
		t.Errorf("unknown placeholder accepted: %v", err)
	}
}

func TestOnlyTheStreamEntryMintsASessionCookie(t *testing.T) {
	cases := []struct {
		name  string
		entry []string
		acl   string
		path  string
		kind  authz.Kind
		mint  bool
	}{
		{"playlist token on a playlist", nil, "/hls/a/index.m3u8*", "/hls/a/index.m3u8", authz.KindMedia, true},
		{"token on the multivariant playlist", nil, "/hls/a/*", "/hls/a/master", authz.KindMultivariant, true},
		{"directory token on a segment", nil, "/hls/a/*", "/hls/a/seg0.ts", authz.KindSegment, false},
		{"wider token on a key", nil, "/*", "/keys/a/aes128.key", authz.KindKey, false},
		{"single-segment token on that segment", nil, "/hls/a/seg0.ts", "/hls/a/seg0.ts", authz.KindSegment, false},
		{"entry path with entry configured", []string{"*.m3u8"}, "/hls/a/index.m3u8*", "/hls/a/index.m3u8", authz.KindMedia, true},
		{"directory token off the entry paths", []string{"*.m3u8"}, "/hls/a/*", "/hls/a/seg0.ts", authz.KindSegment, false},
		{"playlist by content type under entry *.m3u8", []string{"*.m3u8"}, "/hls/a/*", "/hls/a/master", authz.KindMultivariant, true},
		{"upper-case playlist under entry *.m3u8", []string{"*.m3u8"}, "/hls/a/*", "/hls/a/MASTER.M3U8", authz.KindMultivariant, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, _ := newHandler(t, Config{SessionCookie: &SessionCookie{}, Entry: c.entry})
			q := mint(t, edgetoken.Options{ACLs: []string{c.acl}})
			s := serveWith(t, h, httptest.NewRequest("GET", c.path+"?__token__="+q, nil), "", answer(c.kind, nil, http.StatusOK))
			if !s.nextCalled {
				t.Fatalf("denied: %v", s.err)
			}
			if got := sessionCookieOf(t, s) != nil; got != c.mint {
				t.Fatalf("cookie minted = %v, want %v", got, c.mint)
			}
		})
	}
}

func TestEncodedInvalidTokenReportsItsRealReason(t *testing.T) {
	h, _ := newHandler(t, Config{})
	expired := mint(t, edgetoken.Options{ACLs: []string{"/hls/*"}, Expires: fixedNow.Add(-time.Hour).Unix()})
	s := serve(t, h, httptest.NewRequest("GET", "/hls/a/x.ts?__token__="+url.QueryEscape(expired), nil), "")
	if s.nextCalled || s.placeholder(PlaceholderReason) != edgetoken.ReasonExpired {
		t.Fatalf("reason %q, want %q", s.placeholder(PlaceholderReason), edgetoken.ReasonExpired)
	}
}

// Under an acl_delimiter other than "!", that byte is an ordinary path byte:
// an entry whose directory holds it (raw or encoded) would mint an ACL the
// verifier splits into more entries ("/hls/x,/keys/*" → "/hls/x", "/keys/*"),
// so it mints nothing; an ordinary asset still mints its directory.
func TestSessionCookieUnderAnotherACLDelimiterNeverSplitsIntoMoreEntries(t *testing.T) {
	h, _ := newHandler(t, Config{ACLDelimiter: ",", SessionCookie: &SessionCookie{}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/*"}, Delimiters: edgetoken.Delimiters{ACL: ','}})
	for _, p := range []string{"/hls/x,/keys/index.m3u8", "/hls/x%2C/keys/index.m3u8", "/hls/x%2c/keys/index.m3u8"} {
		s := serve(t, h, httptest.NewRequest(http.MethodGet, p+"?__token__="+q, nil), "")
		if c := sessionCookieOf(t, s); c != nil {
			tok, _ := edgetoken.Parse(c.Value)
			t.Errorf("%s minted acl %q under acl_delimiter ','", p, tok.ACL)
		}
	}
	s := serve(t, h, httptest.NewRequest(http.MethodGet, "/hls/a/index.m3u8?__token__="+q, nil), "")
	c := sessionCookieOf(t, s)
	if c == nil {
		t.Fatalf("an ordinary asset minted nothing (err %v)", s.err)
	}
	if tok, _ := edgetoken.Parse(c.Value); tok.ACL != "/hls/a/*" {
		t.Errorf("acl %q, want /hls/a/*", tok.ACL)
	}
}
