package perimeter

import (
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/canon"
)

// FuzzParseOrigin checks that a parsed origin is canonical (parsing it again
// is the identity), that it has no path, and that a set built from it
// contains it.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{
		"https://www.example.com", "HTTP://Example.com:80", "https://[::1]:8443",
		"https://a.example/", "*", "null", "https://user@a.example", "https://a.example:0443",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrigin(s)
		if err != nil {
			return
		}
		again, err := ParseOrigin(string(o))
		if err != nil || again != o {
			t.Fatalf("ParseOrigin(%q) = %q, reparsed = %q, %v", s, o, again, err)
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(string(o), "https://"), "http://")
		if strings.ContainsAny(rest, "/?#@*") {
			t.Fatalf("canonical origin %q has a path, query, user info or wildcard", o)
		}
		set, err := NewOriginSet([]string{s})
		if err != nil || !set.Contains(s) || !set.Contains(string(o)) {
			t.Fatalf("set of %q does not contain it (%v)", s, err)
		}
	})
}

// FuzzPatternMatch checks the matcher's invariants for any pattern and
// request path: matching never panics, is case-insensitive, and for a path
// that has a canonical form (package canon) equals matching its cleaned form.
func FuzzPatternMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"/hls/*", "/hls/a/b.ts"}, {"*.m3u8", "/x/INDEX.M3U8"}, {"*/keys/*", "/a/keys/k"},
		{"/hls/*/index.m3u8", "/hls/a/index.m3u8"}, {"/a//b", "/a//b"}, {"*", "/"},
		{"/hls/*", "/hls/../keys"}, {"/seg[0-9].ts", "/seg1.ts"}, {"/hls/*", "/%2e%2e/x"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, reqPath string) {
		p, err := CompilePattern(pattern)
		if err != nil {
			return
		}
		got := p.Match(reqPath)
		if up := strings.ToUpper(reqPath); p.Match(up) != got && strings.EqualFold(up, reqPath) {
			t.Fatalf("%q: Match(%q)=%v but Match(%q)=%v", pattern, reqPath, got, up, !got)
		}
		if cp, err := canon.Parse(reqPath); err == nil && cp.Decoded == reqPath {
			for _, merge := range []bool{true, false} {
				clean := CleanPath(reqPath, merge)
				if merge == !p.keepSlashes && p.Match(clean) != got {
					t.Fatalf("%q: Match(%q)=%v but Match(cleaned %q)=%v", pattern, reqPath, got, clean, !got)
				}
			}
		}
	})
}
