package edgetoken

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

const testKeyHex = "0123456789abcdef0123456789abcdef"

var (
	t0       = time.Unix(1700000000, 0)
	testKey  = []byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}
	otherKey = []byte("another key, 21 bytes")
)

func gen(t testing.TB, o Options) string {
	t.Helper()
	if o.Key == nil {
		o.Key = testKey
	}
	tok, err := Generate(o)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return tok
}

func TestVerifyRules(t *testing.T) {
	ip := netip.MustParseAddr
	tests := []struct {
		name   string
		v      Verifier
		opts   Options
		token  string // used instead of opts when set
		req    Request
		reason string // "" = valid
	}{
		{"valid acl token", Verifier{}, Options{Expires: 1700000300, ACLs: []string{"/hls/a/*"}},
			"", Request{Path: "/hls/a/x.ts", Now: t0}, ""},
		{"exp exactly now", Verifier{}, Options{Expires: 1700000000, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ""},
		{"expired within default skew", Verifier{}, Options{Expires: 1699999990, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ""},
		{"expired beyond default skew", Verifier{}, Options{Expires: 1699999989, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ReasonExpired},
		{"expired with skew disabled", Verifier{Skew: -1}, Options{Expires: 1699999999, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ReasonExpired},
		{"custom skew tolerates", Verifier{Skew: time.Minute}, Options{Expires: 1699999950, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ""},
		{"st in the future within skew", Verifier{}, Options{Start: 1700000010, Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ""},
		{"st in the future beyond skew", Verifier{}, Options{Start: 1700000011, Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ReasonNotYetValid},
		{"acl mismatch", Verifier{}, Options{Expires: 1700000300, ACLs: []string{"/hls/a/*"}},
			"", Request{Path: "/hls/b/x.ts", Now: t0}, ReasonACLMismatch},
		{"second acl matches", Verifier{}, Options{Expires: 1700000300, ACLs: []string{"/hls/a/*", "/hls/b/*"}},
			"", Request{Path: "/hls/b/x.ts", Now: t0}, ""},
		{"dot-dot is malformed, never resolved", Verifier{}, Options{Expires: 1700000300, ACLs: []string{"/hls/a/*"}},
			"", Request{Path: "/hls/a/../a/x.ts", Now: t0}, ReasonMalformed},
		{"encoded dot-dot is malformed", Verifier{}, Options{Expires: 1700000300, ACLs: []string{"/hls/a/*"}},
			"", Request{Path: "/hls/a/%2e%2e/b/x.ts", Now: t0}, ReasonMalformed},
		{"encoded slash is malformed", Verifier{}, Options{Expires: 1700000300, ACLs: []string{"/hls/a/*"}},
			"", Request{Path: "/hls/a%2f..%2fb/x.ts", Now: t0}, ReasonMalformed},
		{"ip equal", Verifier{}, Options{IP: "203.0.113.7", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("203.0.113.7")}, ""},
		{"ip differs", Verifier{}, Options{IP: "203.0.113.7", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("203.0.113.8")}, ReasonIPMismatch},
		{"ip unknown client", Verifier{}, Options{IP: "203.0.113.7", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ReasonIPMismatch},
		{"ip /32", Verifier{}, Options{IP: "203.0.113.7/32", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("203.0.113.7")}, ""},
		{"ip /24 contains", Verifier{}, Options{IP: "203.0.113.0/24", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("203.0.113.99")}, ""},
		{"ip /24 excludes", Verifier{}, Options{IP: "203.0.113.0/24", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("203.0.114.1")}, ReasonIPMismatch},
		{"ipv4-mapped client", Verifier{}, Options{IP: "203.0.113.7", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("::ffff:203.0.113.7")}, ""},
		{"ipv6 equal", Verifier{}, Options{IP: "2001:db8::1", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("2001:db8::1")}, ""},
		{"ipv6 escape_early", Verifier{}, Options{IP: "2001:db8::1", EscapeEarly: true, Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("2001:db8::1")}, ""},
		{"ipv6 cidr", Verifier{}, Options{IP: "2001:db8::/32", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("2001:db8:ffff::5")}, ""},
		{"ipv6 cidr excludes", Verifier{}, Options{IP: "2001:db8::/32", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("2001:db9::5")}, ReasonIPMismatch},
		{"garbage ip field", Verifier{}, Options{IP: "not-an-ip", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0, ClientIP: ip("1.2.3.4")}, ReasonMalformed},
		{"wrong key", Verifier{Keys: [][]byte{otherKey}}, Options{Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ReasonBadHMAC},
		{"rotation: second key verifies", Verifier{Keys: [][]byte{otherKey, testKey}}, Options{Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ""},
		{"wrong algorithm", Verifier{Algorithm: SHA1}, Options{Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ReasonBadHMAC},
		{"salt required", Verifier{Salt: "pepper"}, Options{Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ReasonBadHMAC},
		{"salt matches", Verifier{Salt: "pepper"}, Options{Salt: "pepper", Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ""},
		{"acl-less token without url_mode", Verifier{}, Options{Expires: 1700000300, URL: "/x"},
			"", Request{Path: "/x", Now: t0}, ReasonACLMismatch},
		{"url mode as-is", Verifier{URLMode: true}, Options{Expires: 1700000300, URL: "/hls/a/x.ts"},
			"", Request{Path: "/hls/a/x.ts", Now: t0}, ""},
		{"url mode other path", Verifier{URLMode: true}, Options{Expires: 1700000300, URL: "/hls/a/x.ts"},
			"", Request{Path: "/hls/a/y.ts", Now: t0}, ReasonBadHMAC},
		{"url mode escaped token needs escape_early", Verifier{URLMode: true}, Options{Expires: 1700000300, URL: "/hls/a/x.ts", EscapeEarly: true},
			"", Request{Path: "/hls/a/x.ts", Now: t0}, ReasonBadHMAC},
		{"url mode python escaping", Verifier{URLMode: true, EscapeEarly: true}, Options{Expires: 1700000300, URL: "/hls/my video/x.ts", EscapeEarly: true},
			"", Request{Path: "/hls/my%20video/x.ts", Now: t0}, ""},
		{"url mode decoded path as-is", Verifier{URLMode: true}, Options{Expires: 1700000300, URL: "/hls/my video/x.ts"},
			"", Request{Path: "/hls/my%20video/x.ts", Now: t0}, ""},
		{"url mode PHP rawurlencode", Verifier{URLMode: true, EscapeEarly: true}, Options{Expires: 1700000300, URL: "%2Fhls%2Fmy%20video%2Fx.ts"},
			"", Request{Path: "/hls/my%20video/x.ts", Now: t0}, ""},
		{"acl token accepted in url mode", Verifier{URLMode: true}, Options{Expires: 1700000300, ACLs: []string{"/hls/*"}},
			"", Request{Path: "/hls/x.ts", Now: t0}, ""},
		{"hmac of the wrong length", Verifier{}, Options{},
			"exp=1700000300~acl=/*~hmac=abcd", Request{Path: "/x", Now: t0}, ReasonBadHMAC},
		{"malformed token", Verifier{}, Options{},
			"exp=1700000300000~acl=/*~hmac=abcd", Request{Path: "/x", Now: t0}, ReasonMalformed},
		{"unknown configured algorithm", Verifier{Algorithm: "sha512"}, Options{Expires: 1700000300, ACLs: []string{"/*"}},
			"", Request{Path: "/x", Now: t0}, ReasonBadHMAC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.v
			if v.Keys == nil {
				v.Keys = [][]byte{testKey}
			}
			token := tt.token
			if token == "" {
				token = gen(t, tt.opts)
			}
			tok, err := v.Verify(token, tt.req)
			if got := reasonOf(err); got != tt.reason {
				t.Fatalf("Verify reason = %q (%v), want %q", got, err, tt.reason)
			}
			if tt.reason == "" && tok == nil {
				t.Fatalf("Verify returned no token")
			}
			if err != nil && strings.Contains(err.Error(), token[strings.LastIndex(token, "=")+1:]) {
				t.Errorf("failure detail leaks the hmac: %v", err)
			}
			fs := v.Explain(token, tt.req)
			if tt.reason == "" && len(fs) != 0 {
				t.Errorf("Explain = %v, want none", fs)
			}
			if tt.reason != "" && (len(fs) == 0 || fs[0].Reason != tt.reason) {
				t.Errorf("Explain = %v, want first reason %q", fs, tt.reason)
			}
		})
	}
}

func TestExplainListsEveryReason(t *testing.T) {
	v := Verifier{Keys: [][]byte{otherKey}}
	token := gen(t, Options{IP: "10.0.0.1", Expires: 1699999988, ACLs: []string{"/a/*"}})
	fs := v.Explain(token, Request{Path: "/b/x.ts", Now: t0, ClientIP: netip.MustParseAddr("10.0.0.2")})
	var reasons []string
	for _, f := range fs {
		reasons = append(reasons, f.Reason)
	}
	want := []string{ReasonBadHMAC, ReasonExpired, ReasonIPMismatch, ReasonACLMismatch}
	if strings.Join(reasons, ",") != strings.Join(want, ",") {
		t.Fatalf("reasons = %v, want %v", reasons, want)
	}
	details := map[string]string{
		ReasonBadHMAC:     "hmac does not match any key",
		ReasonExpired:     "expired 12 s ago",
		ReasonIPMismatch:  "10.0.0.1",
		ReasonACLMismatch: "acl /a/* does not cover /b/x.ts",
	}
	for _, f := range fs {
		if !strings.Contains(f.Detail, details[f.Reason]) {
			t.Errorf("%s detail %q does not contain %q", f.Reason, f.Detail, details[f.Reason])
		}
	}
}

func TestExplainNotYetValid(t *testing.T) {
	v := Verifier{Keys: [][]byte{testKey}}
	token := gen(t, Options{Start: 1700000100, Expires: 1700000300, ACLs: []string{"/*"}})
	fs := v.Explain(token, Request{Path: "/x", Now: t0})
	if len(fs) != 1 || fs[0].Reason != ReasonNotYetValid || fs[0].Detail != "starts in 100 s" {
		t.Fatalf("Explain = %+v", fs)
	}
}

func TestVerifyUsesWallClockWhenNowIsZero(t *testing.T) {
	v := Verifier{Keys: [][]byte{testKey}}
	fresh := gen(t, Options{Window: time.Hour, ACLs: []string{"/*"}})
	if _, err := v.Verify(fresh, Request{Path: "/x"}); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	old := gen(t, Options{Expires: 1700000300, ACLs: []string{"/*"}})
	if _, err := v.Verify(old, Request{Path: "/x"}); reasonOf(err) != ReasonExpired {
		t.Fatalf("2023 token today: %v, want expired", err)
	}
}

// A minted session token verifies under the session keys only: presented to
// a verifier holding the issuer's key it is a bad HMAC, so it cannot renew
// itself as a query token.
func TestSessionTokenVerifiesOnlyUnderSessionKeys(t *testing.T) {
	key := []byte("0123456789abcdef")
	opts := Options{Key: SessionKey(key), Expires: 1700000300, ACLs: []string{"/hls/a/*"}}
	tok, err := Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Path: "/hls/a/x.ts", Now: time.Unix(1700000000, 0)}
	if _, err := (&Verifier{Keys: [][]byte{key}}).Verify(tok, req); reasonOf(err) != ReasonBadHMAC {
		t.Fatalf("issuer verifier: %v, want bad_hmac", err)
	}
	if _, err := (&Verifier{Keys: SessionKeys([][]byte{key})}).Verify(tok, req); err != nil {
		t.Fatalf("session verifier: %v", err)
	}
	if string(SessionKey(key)) == string(key) || len(SessionKey(key)) != 32 {
		t.Fatal("session key must differ from the issuer key")
	}
}
