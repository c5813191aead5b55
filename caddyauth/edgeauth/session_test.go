package edgeauth

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
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

func TestSessionCookieMintedFromQueryToken(t *testing.T) {
	h, _ := newHandler(t, Config{Keys: []string{keyA, keyB}, Salt: "pepper", SessionCookie: &SessionCookie{}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}, ID: "sess-42", Data: "u=1", IP: "203.0.113.7", Salt: "pepper"})
	s := serve(t, h, httptest.NewRequest("GET", "/hls/a/index.m3u8?__token__="+q, nil), "203.0.113.7")
	if !s.nextCalled {
		t.Fatalf("denied: %v", s.err)
	}
	c := sessionCookieOf(t, s)
	if c == nil {
		t.Fatalf("no Set-Cookie: %v", s.rec.Header())
	}
	if c.Name != DefaultCookie || !c.Secure || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode ||
		c.MaxAge != int(DefaultSessionLifetime/time.Second) {
		t.Errorf("cookie attributes %+v", c)
	}
	if s.vars[VarSessionToken] != c.Value {
		t.Errorf("%s = %v, want the cookie's token", VarSessionToken, s.vars[VarSessionToken])
	}
	if got, _ := s.vars[VarSessionScope].([]string); len(got) != 1 || got[0] != "/hls/a/*" {
		t.Errorf("%s = %v, want the cookie token's ACL", VarSessionScope, s.vars[VarSessionScope])
	}
	if got, _ := s.vars[VarTokenScope].([]string); len(got) != 1 || got[0] != "/hls/a/*" {
		t.Errorf("%s = %v, want the query token's ACL", VarTokenScope, s.vars[VarTokenScope])
	}
	tok, err := edgetoken.Parse(c.Value)
	if err != nil {
		t.Fatalf("cookie token: %v", err)
	}
	if tok.ACL != "/hls/a/*" || tok.ID != "sess-42" || tok.Data != "u=1" || tok.IP != "203.0.113.7" ||
		tok.Expires != fixedNow.Add(DefaultSessionLifetime).Unix() {
		t.Errorf("cookie token %+v", tok)
	}
	// Signed with the FIRST key and the configured salt.
	firstOnly := edgetoken.Verifier{Keys: [][]byte{hexKey(t, keyA)}, Salt: "pepper"}
	req := edgetoken.Request{Path: "/hls/a/seg1.ts", Now: fixedNow, ClientIP: netip.MustParseAddr("203.0.113.7")}
	if _, err := firstOnly.Verify(c.Value, req); err != nil {
		t.Errorf("cookie token does not verify with the first key: %v", err)
	}
}

func TestSessionCookieOptions(t *testing.T) {
	h, _ := newHandler(t, Config{Cookie: "hdnts", SessionCookie: &SessionCookie{
		Name: "hdntl", Lifetime: caddy.Duration(time.Hour), ACL: "/hls/*", SameSite: "none", Domain: "media.example.com",
	}})
	q := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	s := serve(t, h, httptest.NewRequest("GET", "/hls/a/index.m3u8?__token__="+q, nil), "")
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
}

func TestSessionCookieDefaultACLIsRequestDirectory(t *testing.T) {
	tests := map[string]string{
		"/hls/a/index.m3u8":         "/hls/a/*",
		"/index.m3u8":               "/*",
		"/hls/my%20video/x.m3u8":    "/hls/my%20video/*",
		"/hls/~user/x.m3u8":         "/hls/%7Euser/*",
		"/hls/a/b/../c/index.m3u8":  "/hls/a/c/*",
		"/hls/a/sub/dir/index.m3u8": "/hls/a/sub/dir/*",
	}
	for p, want := range tests {
		norm, err := edgetoken.NormalizePath(p)
		if err != nil {
			t.Fatal(err)
		}
		got := (&SessionCookie{}).sessionACL(httptest.NewRequest(http.MethodGet, p, nil), norm)
		if got != want {
			t.Errorf("sessionACL(%q) = %q, want %q", p, got, want)
		}
		if !edgetoken.MatchACL(got, norm) {
			t.Errorf("ACL %q does not cover the request %q", got, norm)
		}
	}
}

func TestSessionCookieNeverMintedFromCookieOrHeader(t *testing.T) {
	h, _ := newHandler(t, Config{Header: "X-Edge-Token", SessionCookie: &SessionCookie{}})
	tok := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	r := httptest.NewRequest("GET", "/hls/a/seg.ts", nil)
	r.AddCookie(&http.Cookie{Name: "__token__", Value: tok})
	if s := serve(t, h, r, ""); !s.nextCalled || len(s.rec.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("cookie request: next %v, Set-Cookie %q", s.nextCalled, s.rec.Header().Values("Set-Cookie"))
	}
	r = httptest.NewRequest("GET", "/hls/a/seg.ts", nil)
	r.Header.Set("X-Edge-Token", tok)
	if s := serve(t, h, r, ""); !s.nextCalled || len(s.rec.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("header request: next %v, Set-Cookie %q", s.nextCalled, s.rec.Header().Values("Set-Cookie"))
	}
	s := serve(t, h, httptest.NewRequest("GET", "/hls/b/seg.ts?__token__="+tok, nil), "")
	if s.nextCalled || len(s.rec.Header().Values("Set-Cookie")) != 0 {
		t.Errorf("denied request set a cookie")
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
		{"/hls/a/index.m3u8", "header", edgetoken.ReasonMissing},
		{"/hls/a/seg.ts", "cookie", ""},
		{"/live/x/master.mpd", "cookie", edgetoken.ReasonMissing},
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

// The PHP call sites sign acl=<playlist path>*; the session cookie's
// directory ACL is what opens the playlist's segments.
func TestSessionCookieOpensSegmentsForPHPPlaylistToken(t *testing.T) {
	h, _ := newHandler(t, Config{Query: "RequestToken", SessionCookie: &SessionCookie{}, Entry: []string{"*.m3u8"}})
	php := mint(t, edgetoken.Options{Start: fixedNow.Unix(), Window: 7200 * time.Second,
		ACLs: []string{"/hls/stream1/index.m3u8*"}})
	seg := serve(t, h, httptest.NewRequest("GET", "/hls/stream1/seg-1.ts?RequestToken="+php, nil), "")
	if seg.placeholder(PlaceholderReason) != edgetoken.ReasonACLMismatch {
		t.Fatalf("playlist token on a segment: reason %q", seg.placeholder(PlaceholderReason))
	}
	pl := serve(t, h, httptest.NewRequest("GET", "/hls/stream1/index.m3u8?RequestToken="+php, nil), "")
	c := sessionCookieOf(t, pl)
	if !pl.nextCalled || c == nil {
		t.Fatalf("playlist: next %v cookie %v err %v", pl.nextCalled, c, pl.err)
	}
	r := httptest.NewRequest("GET", "/hls/stream1/seg-1.ts", nil)
	r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	if s := serve(t, h, r, ""); !s.nextCalled {
		t.Errorf("segment with the session cookie refused: %v", s.err)
	}
	r = httptest.NewRequest("GET", "/hls/stream2/seg-1.ts", nil)
	r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	if s := serve(t, h, r, ""); s.placeholder(PlaceholderReason) != edgetoken.ReasonACLMismatch {
		t.Errorf("other stream with the session cookie: reason %q", s.placeholder(PlaceholderReason))
	}
}

func TestSessionCookieACLExpandsRequestPlaceholders(t *testing.T) {
	sc := &SessionCookie{ACL: "/hls/{http.request.uri.path.1}/*!/keys/{http.request.uri.path.1}/*"}
	r := httptest.NewRequest(http.MethodGet, "/hls/asset~1/index.m3u8", nil)
	caddyhttp.NewTestReplacer(r) // the request's replacer, with the http.request.* placeholders
	got := sc.sessionACL(r, "/hls/asset~1/index.m3u8")
	want := "/hls/asset%7E1/*!/keys/asset%7E1/*"
	if got != want {
		t.Fatalf("sessionACL = %q, want %q", got, want)
	}
	for _, p := range []string{"/hls/asset~1/seg0.ts", "/keys/asset~1/aes128.key"} {
		norm, _ := edgetoken.NormalizePath(p)
		if !edgetoken.MatchACL(got, norm) {
			t.Errorf("ACL %q does not cover %s", got, p)
		}
	}
	if edgetoken.MatchACL(got, "/keys/other/aes128.key") {
		t.Error("ACL covers another asset's key")
	}
	if got := (&SessionCookie{ACL: "/static/*"}).sessionACL(r, "/x"); got != "/static/*" {
		t.Errorf("literal ACL changed to %q", got)
	}
}

func TestOnlyTheStreamEntryMintsASessionCookie(t *testing.T) {
	cases := []struct {
		name  string
		entry []string
		acl   string
		path  string
		mint  bool
	}{
		{"playlist token on a playlist", nil, "/hls/a/index.m3u8*", "/hls/a/index.m3u8", true},
		{"directory token on a segment", nil, "/hls/a/*", "/hls/a/seg0.ts", true},
		{"wider token on a segment", nil, "/hls/*", "/hls/a/seg0.ts", true},
		{"single-segment token on that segment", nil, "/hls/a/seg0.ts", "/hls/a/seg0.ts", false},
		{"entry path with entry configured", []string{"*.m3u8"}, "/hls/a/index.m3u8*", "/hls/a/index.m3u8", true},
		{"directory token off the entry paths", []string{"*.m3u8"}, "/hls/a/*", "/hls/a/seg0.ts", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, _ := newHandler(t, Config{SessionCookie: &SessionCookie{}, Entry: c.entry})
			q := mint(t, edgetoken.Options{ACLs: []string{c.acl}})
			s := serve(t, h, httptest.NewRequest("GET", c.path+"?__token__="+q, nil), "")
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
