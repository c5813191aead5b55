package edgetoken

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, v := range publicVectors {
		f.Add(v.token)
	}
	for _, s := range []string{"", "hmac=", "hmac=00", "exp=1~hmac=00", "exp=1700000300000~hmac=00",
		"exp=1~exp=2~hmac=00", "ip=~st=~exp=~acl=~id=~data=~hmac=", "~~~hmac=ab", "exp=1~acl=!!~hmac=ab",
		"exp=1~hmac=ab~hmac=cd", "exp=1~acl=/a=b=c~hmac=0a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Parse(s)
		if err != nil {
			if reasonOf(err) != ReasonMalformed {
				t.Fatalf("Parse error %v is not malformed", err)
			}
			return
		}
		joined := "hmac=" + tok.HMAC
		if tok.Signed != "" {
			joined = tok.Signed + "~" + joined
		}
		if joined != s {
			t.Fatalf("Signed %q + hmac %q does not rebuild %q", tok.Signed, tok.HMAC, s)
		}
		if tok.Expires < 0 || tok.Expires > 9999999999 || tok.Start < 0 || tok.Start > 9999999999 {
			t.Fatalf("timestamps out of range: %+v", tok)
		}
		for _, a := range tok.ACLs {
			if a == "" || strings.Contains(a, "!") {
				t.Fatalf("bad ACL part %q", a)
			}
		}
	})
}

func FuzzMatchACL(f *testing.F) {
	seeds := [][2]string{{"/hls/a/*", "/hls/a/x.ts"}, {"%2f*", "/x"}, {"%2Fhls%2F%2A", "/hls/x"},
		{"/a/?.ts", "/a/1.ts"}, {"/foo!/goo", "/goo"}, {"***?***", "/"}, {"%", "%"}, {"/a%2", "/a%2"}}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, acl, raw string) {
		_ = MatchACL(acl, raw) // must not panic on any input
		p, err := NormalizePath(raw)
		if err != nil {
			return
		}
		if !MatchACL("*", p) || !MatchACL("/*", p) {
			t.Fatalf("/* does not cover %q", p)
		}
		// A normalised path without ACL metacharacters, used as an ACL,
		// covers itself and no shorter path. (An ACL's "%3F" decodes to
		// the "?" wildcard, so a literal "?" in a path is excluded too.)
		if !strings.ContainsAny(p, "*?!") && !strings.Contains(p, "%3F") {
			if !MatchACL(p, p) {
				t.Fatalf("literal ACL %q does not cover itself", p)
			}
			if MatchACL(p+"x", p) {
				t.Fatalf("ACL %q covers the shorter %q", p+"x", p)
			}
		}
	})
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "/hls/a/x.ts", "/a/../b", "/a/%2e%2e/b", "/a%2fb", "/%252e", "//a//b//",
		"/a/./b/.", "/caf%C3%A9", "/a b", "/a\\b", "/..", "/a/..", "/%", "/a%2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := NormalizePath(raw)
		if err != nil {
			if reasonOf(err) != ReasonMalformed {
				t.Fatalf("error %v is not malformed", err)
			}
			return
		}
		if !strings.HasPrefix(p, "/") {
			t.Fatalf("%q -> %q does not start with /", raw, p)
		}
		for _, bad := range []string{"/../", "/./", "//", "\\"} {
			if strings.Contains(p, bad) {
				t.Fatalf("%q -> %q contains %q", raw, p, bad)
			}
		}
		if strings.HasSuffix(p, "/..") || strings.HasSuffix(p, "/.") {
			t.Fatalf("%q -> %q ends in a dot-segment", raw, p)
		}
		for _, seg := range strings.Split(p[1:], "/") {
			dec, ok := unescape(seg)
			if !ok || dec == "." || dec == ".." || strings.ContainsAny(dec, "/\\") {
				t.Fatalf("%q -> %q has segment %q decoding to %q", raw, p, seg, dec)
			}
		}
		again, err := NormalizePath(p)
		if err != nil || again != p {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", raw, p, again, err)
		}
	})
}
