package edgeauth

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func TestHandlerDecisions(t *testing.T) {
	hlsA := edgetoken.Options{ACLs: []string{"/hls/a/*"}}
	tests := []struct {
		name     string
		cfg      Config
		target   string // request target; {T} is replaced by the token
		token    edgetoken.Options
		cookie   bool   // send the token as cookie __token__ instead
		header   string // send the token in this header instead
		clientIP string
		reason   string // "" = authenticated
		source   string
	}{
		{"query token", Config{}, "/hls/a/x.ts?__token__={T}", hlsA, false, "", "", "", SourceQuery},
		{"custom query name", Config{Query: "RequestToken"}, "/hls/a/x.ts?RequestToken={T}", hlsA, false, "", "", "", SourceQuery},
		{"default name ignored when renamed", Config{Query: "RequestToken"}, "/hls/a/x.ts?__token__={T}", hlsA, false, "", "", edgetoken.ReasonMissing, ""},
		{"cookie token", Config{}, "/hls/a/x.ts", hlsA, true, "", "", "", SourceCookie},
		{"header token", Config{Header: "X-Edge-Token"}, "/hls/a/x.ts", hlsA, false, "X-Edge-Token", "", "", SourceHeader},
		{"header not configured", Config{}, "/hls/a/x.ts", hlsA, false, "X-Edge-Token", "", edgetoken.ReasonMissing, ""},
		{"no token", Config{}, "/hls/a/x.ts", hlsA, false, "", "", edgetoken.ReasonMissing, ""},
		{"expired", Config{}, "/hls/a/x.ts?__token__={T}",
			edgetoken.Options{ACLs: []string{"/hls/a/*"}, Expires: fixedNow.Unix() - 60}, false, "", "", edgetoken.ReasonExpired, ""},
		{"not yet valid", Config{}, "/hls/a/x.ts?__token__={T}",
			edgetoken.Options{ACLs: []string{"/hls/a/*"}, Start: fixedNow.Unix() + 60, Expires: fixedNow.Unix() + 600}, false, "", "", edgetoken.ReasonNotYetValid, ""},
		{"wrong acl", Config{}, "/hls/b/x.ts?__token__={T}", hlsA, false, "", "", edgetoken.ReasonACLMismatch, ""},
		{"wrong key", Config{Keys: []string{keyB}}, "/hls/a/x.ts?__token__={T}", hlsA, false, "", "", edgetoken.ReasonBadHMAC, ""},
		{"rotation: old key still verifies", Config{Keys: []string{keyB, keyA}}, "/hls/a/x.ts?__token__={T}", hlsA, false, "", "", "", SourceQuery},
		{"rotation in one value", Config{Keys: []string{keyB + ", " + keyA}}, "/hls/a/x.ts?__token__={T}", hlsA, false, "", "", "", SourceQuery},
		{"ip bound, client matches", Config{}, "/hls/a/x.ts?__token__={T}",
			edgetoken.Options{ACLs: []string{"/hls/a/*"}, IP: "203.0.113.7"}, false, "", "203.0.113.7", "", SourceQuery},
		{"ip bound, client differs", Config{}, "/hls/a/x.ts?__token__={T}",
			edgetoken.Options{ACLs: []string{"/hls/a/*"}, IP: "203.0.113.7"}, false, "", "198.51.100.1", edgetoken.ReasonIPMismatch, ""},
		{"malformed token", Config{}, "/hls/a/x.ts?__token__=garbage", hlsA, false, "", "", edgetoken.ReasonMalformed, ""},
		{"salt", Config{Salt: "pepper"}, "/hls/a/x.ts?__token__={T}",
			edgetoken.Options{ACLs: []string{"/hls/a/*"}, Salt: "pepper"}, false, "", "", "", SourceQuery},
		{"url mode", Config{URLMode: true}, "/hls/a/index.m3u8?__token__={T}",
			edgetoken.Options{URL: "/hls/a/index.m3u8"}, false, "", "", "", SourceQuery},
		{"url mode escape_early", Config{URLMode: true, EscapeEarly: true}, "/hls/a/index.m3u8?__token__={T}",
			edgetoken.Options{URL: "/hls/a/index.m3u8", EscapeEarly: true}, false, "", "", "", SourceQuery},
		{"escape_early '+' survives in the raw query", Config{}, "/hls/a/x.ts?__token__={T}",
			edgetoken.Options{ACLs: []string{"/hls/a/*"}, ID: "john doe", EscapeEarly: true}, false, "", "", "", SourceQuery},
		{"sha1", Config{Algorithm: "sha1"}, "/hls/a/x.ts?__token__={T}",
			edgetoken.Options{ACLs: []string{"/hls/a/*"}, Algorithm: edgetoken.SHA1}, false, "", "", "", SourceQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, tt.cfg)
			tok := mint(t, tt.token)
			r := httptest.NewRequest("GET", strings.ReplaceAll(tt.target, "{T}", tok), nil)
			if tt.cookie {
				r.AddCookie(&http.Cookie{Name: "__token__", Value: tok})
			}
			if tt.header != "" {
				r.Header.Set(tt.header, tok)
			}
			s := serve(t, h, r, tt.clientIP)
			if tt.reason != "" {
				if s.status() != http.StatusForbidden || s.nextCalled {
					t.Fatalf("status %d (err %v), next called %v; want 403", s.status(), s.err, s.nextCalled)
				}
				if got := s.placeholder(PlaceholderReason); got != tt.reason {
					t.Errorf("reason placeholder = %q, want %q (err %v)", got, tt.reason, s.err)
				}
				if s.vars[VarReason] != tt.reason || s.vars[VarAuthenticated] != false {
					t.Errorf("vars = %v", s.vars)
				}
				return
			}
			if s.err != nil || !s.nextCalled {
				t.Fatalf("err %v, next called %v; want authenticated", s.err, s.nextCalled)
			}
			if s.vars[VarAuthenticated] != true || s.vars[VarSource] != tt.source || s.auth.Source.String() != tt.source {
				t.Errorf("vars = %v, auth %+v, want token from %s", s.vars, s.auth, tt.source)
			}
			// Only a query token is offered for propagation (tokenize).
			if wantProp := tt.source == SourceQuery; (s.auth.Token == tok) != wantProp || wantProp && s.auth.Param != h.Query {
				t.Errorf("auth propagates %q/%q, want the token only from the query", s.auth.Param, s.auth.Token)
			}
			wantScope := tt.token.ACLs
			if len(wantScope) == 0 {
				wantScope = []string{r.URL.Path} // URL mode: the path it signs
			}
			if got := s.auth.Scope; strings.Join(got, "!") != strings.Join(wantScope, "!") {
				t.Errorf("scope = %v, want %v", got, wantScope)
			}
		})
	}
}

func TestHandlerDenialLogsReasonNotToken(t *testing.T) {
	h, logs := newHandler(t, Config{})
	tok := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	r := httptest.NewRequest("GET", "/hls/b/x.ts?__token__="+tok, nil)
	r.RemoteAddr = "192.0.2.9:4567"
	s := serve(t, h, r, "")
	if s.status() != http.StatusForbidden {
		t.Fatalf("status %d", s.status())
	}
	entries := logs.FilterMessage("edgeauth: access denied").All()
	if len(entries) != 1 || entries[0].Level.String() != "info" {
		t.Fatalf("log entries %v", logs.All())
	}
	f := entries[0].ContextMap()
	if f["reason"] != edgetoken.ReasonACLMismatch || f["remote_ip"] != "192.0.2.9" || f["path"] != "/hls/b/x.ts" {
		t.Errorf("log fields %v", f)
	}
	hmacHex := tok[strings.LastIndex(tok, "=")+1:]
	for _, e := range logs.All() {
		for k, v := range e.ContextMap() {
			if str, ok := v.(string); ok && (strings.Contains(str, hmacHex) || strings.Contains(str, keyA)) {
				t.Errorf("log field %s leaks the token or key: %q", k, str)
			}
		}
	}
	if strings.Contains(s.err.Error(), hmacHex) {
		t.Errorf("error leaks the token: %v", s.err)
	}
}

func TestHandlerSuccessPlaceholders(t *testing.T) {
	h, _ := newHandler(t, Config{})
	withID := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*", "/hls/b/*"}, ID: "sess-42", Data: "user=alice"})
	s := serve(t, h, httptest.NewRequest("GET", "/hls/b/x.ts?__token__="+withID, nil), "")
	want := map[string]string{
		PlaceholderUserID:   "sess-42",
		PlaceholderUserData: "user=alice",
		PlaceholderUserExp:  "1700000300",
		PlaceholderUserACL:  "/hls/a/*!/hls/b/*",
	}
	for k, v := range want {
		if got := s.placeholder(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if s.auth.Param != DefaultParam {
		t.Errorf("auth param = %q", s.auth.Param)
	}
	anon := mint(t, edgetoken.Options{ACLs: []string{"/*"}})
	s = serve(t, h, httptest.NewRequest("GET", "/x?__token__="+anon, nil), "")
	if got := s.placeholder(PlaceholderUserID); got != "edgeauth" {
		t.Errorf("id without id field = %q, want edgeauth", got)
	}
}

func TestHandlerStripsQueryToken(t *testing.T) {
	tok := mint(t, edgetoken.Options{ACLs: []string{"/*"}})
	tests := []struct {
		name, query string
		keep        bool
		wantQuery   string
	}{
		{"only the token", "__token__=" + tok, false, ""},
		{"other params kept byte for byte", "a=1+2&__token__=" + tok + "&b=%7E&c", false, "a=1+2&b=%7E&c"},
		{"encoded parameter name", "%5F_token__=" + tok + "&a=1", false, "a=1"},
		{"keep_token", "a=1&__token__=" + tok, true, "a=1&__token__=" + tok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newHandler(t, Config{KeepToken: tt.keep})
			s := serve(t, h, httptest.NewRequest("GET", "/x?"+tt.query, nil), "")
			if !s.nextCalled {
				t.Fatalf("not authenticated: %v", s.err)
			}
			wantURI := "/x"
			if tt.wantQuery != "" {
				wantURI += "?" + tt.wantQuery
			}
			if s.nextURI != wantURI {
				t.Errorf("next saw RequestURI %q, want %q", s.nextURI, wantURI)
			}
		})
	}
}

func TestHandlerTriesEveryCandidate(t *testing.T) {
	good := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	stale := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}, Expires: fixedNow.Unix() - 100})
	h, _ := newHandler(t, Config{Header: "X-Edge-Token"})

	t.Run("url-encoded whole token in query", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/hls/a/x.ts?__token__="+url.QueryEscape(good), nil)
		if s := serve(t, h, r, ""); !s.nextCalled || s.auth.Token != good {
			t.Fatalf("err %v vars %v", s.err, s.vars)
		}
	})
	t.Run("stale query, valid second cookie", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/hls/a/x.ts?__token__="+stale, nil)
		r.Header.Add("Cookie", "__token__="+stale+"; __token__="+good)
		s := serve(t, h, r, "")
		if !s.nextCalled || s.vars[VarSource] != SourceCookie {
			t.Fatalf("err %v vars %v", s.err, s.vars)
		}
	})
	t.Run("all fail: the first reason that says more than malformed", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/hls/a/x.ts?__token__=junk", nil)
		r.Header.Set("X-Edge-Token", stale)
		s := serve(t, h, r, "")
		if s.placeholder(PlaceholderReason) != edgetoken.ReasonExpired {
			t.Fatalf("reason %q", s.placeholder(PlaceholderReason))
		}
	})
	t.Run("all malformed: malformed", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/hls/a/x.ts?__token__=junk", nil)
		r.Header.Set("X-Edge-Token", "also-junk")
		s := serve(t, h, r, "")
		if s.placeholder(PlaceholderReason) != edgetoken.ReasonMalformed {
			t.Fatalf("reason %q", s.placeholder(PlaceholderReason))
		}
	})
	t.Run("header after cookie", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/hls/a/x.ts", nil)
		r.AddCookie(&http.Cookie{Name: "__token__", Value: stale})
		r.Header.Set("X-Edge-Token", good)
		s := serve(t, h, r, "")
		if !s.nextCalled || s.vars[VarSource] != SourceHeader {
			t.Fatalf("err %v vars %v", s.err, s.vars)
		}
	})
}

func TestHandlerClientIPFromCaddyVar(t *testing.T) {
	h, _ := newHandler(t, Config{})
	tok := mint(t, edgetoken.Options{ACLs: []string{"/*"}, IP: "203.0.113.7"})
	r := httptest.NewRequest("GET", "/x?__token__="+tok, nil)
	r.RemoteAddr = "10.0.0.1:1234" // a trusted proxy; Caddy resolved the client
	if s := serve(t, h, r, "203.0.113.7"); !s.nextCalled {
		t.Fatalf("client_ip var ignored: %v", s.err)
	}
	r = httptest.NewRequest("GET", "/x?__token__="+tok, nil)
	r.RemoteAddr = "203.0.113.7:1234"
	if s := serve(t, h, r, ""); !s.nextCalled {
		t.Fatalf("RemoteAddr fallback: %v", s.err)
	}
}

func TestHandlerOptional(t *testing.T) {
	h, logs := newHandler(t, Config{Optional: true})
	stale := mint(t, edgetoken.Options{ACLs: []string{"/*"}, Expires: fixedNow.Unix() - 100})
	s := serve(t, h, httptest.NewRequest("GET", "/x?a=1&__token__="+stale, nil), "")
	if s.err != nil || !s.nextCalled {
		t.Fatalf("optional denied: %v", s.err)
	}
	if s.vars[VarAuthenticated] != false || s.vars[VarReason] != edgetoken.ReasonExpired ||
		s.placeholder(PlaceholderReason) != edgetoken.ReasonExpired {
		t.Errorf("vars %v reason %q", s.vars, s.placeholder(PlaceholderReason))
	}
	if s.auth == nil || s.auth.Authenticated || s.auth.Token != "" {
		t.Errorf("unauthenticated request carries auth %+v", s.auth)
	}
	if s.nextURI != "/x?a=1" {
		t.Errorf("token not stripped: %q", s.nextURI)
	}
	if len(logs.FilterMessage("edgeauth: access denied").All()) != 0 {
		t.Errorf("optional logged a denial")
	}
	s = serve(t, h, httptest.NewRequest("GET", "/x", nil), "")
	if !s.nextCalled || s.vars[VarReason] != edgetoken.ReasonMissing {
		t.Errorf("no token: next %v vars %v", s.nextCalled, s.vars)
	}
}

// A path without one canonical meaning is refused with 400 before any token
// is read: it is never resolved into a path some ACL covers.
func TestRefusedPathsAnswer400BeforeAnyToken(t *testing.T) {
	h, _ := newHandler(t, Config{Optional: true})
	tok := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}})
	for _, p := range []string{"/hls/a/../a/x.ts", "/hls/a/%2e%2e/b/x.ts", "/hls/a/./x.ts", "/hls//a/x.ts",
		"/hls/a%2fx.ts", "/hls/a%5cx.ts", "/hls/a/x%00.ts", "/hls/a/%ff.ts", "/hls/a/%252e.ts"} {
		s := serve(t, h, httptest.NewRequest("GET", p+"?__token__="+tok, nil), "")
		if s.nextCalled || s.status() != http.StatusBadRequest || s.placeholder(PlaceholderReason) != edgetoken.ReasonMalformed {
			t.Errorf("%s: status %d next %v reason %q, want 400 malformed", p, s.status(), s.nextCalled, s.placeholder(PlaceholderReason))
		}
	}
}
