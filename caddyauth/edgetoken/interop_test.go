package edgetoken

import (
	"testing"
	"time"
)

// escape_early URL-mode tokens verify whatever escaping their generator
// applied to the signed path. The escaped forms below were produced by each
// generator's own escaping (python3 urllib.parse.quote_plus + lowercase, the
// Node SDK's encodeURIComponent with ~'* escaped and lowercased, Java's
// URLEncoder lowercased, PHP rawurlencode, Perl's lowercase uri_escape and
// the classic akamai_token_v2 quote_plus with upper-case hex) for the path
// "/hls/s p(1)~'*!/x.ts".
func TestEscapeEarlyURLTokensOfEveryGeneratorVerify(t *testing.T) {
	const path = "/hls/s%20p(1)~'*!/x.ts" // as a browser sends it
	signed := map[string]string{
		"python sdk":       "%2fhls%2fs+p%281%29~%27%2a%21%2fx.ts",
		"node sdk":         "%2fhls%2fs%20p(1)%7e%27%2a!%2fx.ts",
		"java sdk":         "%2fhls%2fs+p%281%29%7e%27*%21%2fx.ts",
		"php rawurlencode": "%2Fhls%2Fs%20p%281%29~%27%2A%21%2Fx.ts",
		"perl lowercase":   "%2fhls%2fs%20p%281%29~%27%2a%21%2fx.ts",
		"classic py2":      "%2Fhls%2Fs+p%281%29%7E%27%2A%21%2Fx.ts",
	}
	key := []byte("0123456789abcdef")
	v := &Verifier{Keys: [][]byte{key}, URLMode: true, EscapeEarly: true}
	now := time.Unix(1700000000, 0)
	for name, url := range signed {
		tok, err := Generate(Options{Key: key, Expires: 1700000300, URL: url})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(tok, Request{Path: path, Now: now}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		// The same token never opens another path.
		if _, err := v.Verify(tok, Request{Path: "/hls/s%20p(1)~'*!/y.ts", Now: now}); err == nil {
			t.Errorf("%s: token verifies for another path", name)
		}
	}
}

// An escaped ACL written by a generator that turns spaces into "+" (Java's
// URLEncoder) names the path with the space; an escaped "*" still matches as
// the wildcard the issuer wrote before escaping (PHP rawurlencode), and a
// literal "+" in an unescaped ACL stays a "+".
func TestEscapedACLReadsPlusAsSpace(t *testing.T) {
	cases := []struct {
		acl, path string
		want      bool
	}{
		{"%2fhls%2fs+p%281%29%2f*", "/hls/s%20p(1)/x.ts", true},
		{"%2fhls%2fs+p%281%29%2f*", "/hls/s+p(1)/x.ts", false},
		{"%2fhls%2fs%2Bp%2f*", "/hls/s+p/x.ts", true},
		{"/hls/s+p/*", "/hls/s+p/x.ts", true},
		{"/hls/s+p/*", "/hls/s%20p/x.ts", false},
		// A canonical path (and every ACL mediagate mints) keeps "+" literal,
		// even beside an escape.
		{"/hls/a+b%20c/*", "/hls/a+b%20c/x.ts", true},
		{"/hls/a+b%20c/*", "/hls/a%20b%20c/x.ts", false},
	}
	for _, c := range cases {
		if got := MatchACL(c.acl, c.path); got != c.want {
			t.Errorf("MatchACL(%q, %q) = %v, want %v", c.acl, c.path, got, c.want)
		}
	}
}

// Tokens of an issuer configured with other field and ACL delimiters verify
// with the same delimiters, and their ACL entries split only there: the
// default "!" inside an entry never adds an entry.
func TestCustomDelimitersVerifyAndNeverWiden(t *testing.T) {
	key := []byte("0123456789abcdef")
	d := Delimiters{Field: ';', ACL: ','}
	tok, err := Generate(Options{Key: key, Expires: 1700000300, ACLs: []string{"/hls/a/*", "/keys/a/*"}, ID: "x~y", Delimiters: d})
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Keys: [][]byte{key}, Delimiters: d}
	now := time.Unix(1700000000, 0)
	for p, ok := range map[string]bool{"/hls/a/x.ts": true, "/keys/a/k": true, "/hls/b/x.ts": false} {
		if _, err := v.Verify(tok, Request{Path: p, Now: now}); (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", p, err, ok)
		}
	}
	if _, err := (&Verifier{Keys: [][]byte{key}}).Verify(tok, Request{Path: "/hls/a/x.ts", Now: now}); err == nil {
		t.Error("default delimiters accepted a ';'-delimited token")
	}
	bang, _ := Generate(Options{Key: key, Expires: 1700000300, ACLs: []string{"/hls/x!/*"}, Delimiters: d})
	if _, err := v.Verify(bang, Request{Path: "/hls/b/x.ts", Now: now}); err == nil {
		t.Error("'!' split an entry under acl delimiter ','")
	}
	for _, bad := range []string{"", "ab", "=", "a", "1", "/", "%", " "} {
		if _, err := ParseDelimiter(bad); err == nil {
			t.Errorf("delimiter %q accepted", bad)
		}
	}
	if (Delimiters{Field: ',', ACL: ','}).Validate() == nil {
		t.Error("equal delimiters accepted")
	}
}
