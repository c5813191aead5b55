package secureroutes

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/internal/perimeter"
)

// FuzzPatternMatchesCaddyPathMatcher checks that the pure matcher in
// internal/perimeter agrees with Caddy's own path matcher for every
// pattern the perimeter accepts and any request path.
func FuzzPatternMatchesCaddyPathMatcher(f *testing.F) {
	for _, seed := range [][2]string{
		{"/hls/*", "/hls/a/b.ts"}, {"/hls/*", "/HLS/A.TS"}, {"/hls/*", "//hls//a.ts"},
		{"/hls/*", "/hls/../keys/k"}, {"/hls/*", "/keys/../hls/x"}, {"*.m3u8", "/a/b.M3U8"},
		{"*/keys/*", "/x/keys/y"}, {"/hls/*/index.m3u8", "/hls/a/index.m3u8"},
		{"/a//b", "/a//b"}, {"/a//b/*", "/a/b/c"}, {"*", "/x"}, {"/seg[0-9].ts", "/seg1.ts"},
		{"/dir/", "/dir/"}, {"/x", "/x/."}, {"/é/*", "/É/a"}, {"/a/*", "/a/\xff"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, reqPath string) {
		p, err := perimeter.CompilePattern(pattern)
		if err != nil {
			return
		}
		m := caddyhttp.MatchPath{pattern}
		if err := m.Provision(caddy.Context{}); err != nil {
			t.Skip()
		}
		r := &http.Request{Method: "GET", URL: &url.URL{Path: reqPath}}
		r = r.WithContext(context.WithValue(context.Background(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
		want, err := m.MatchWithError(r)
		if err != nil {
			t.Skip()
		}
		if got := p.Match(reqPath); got != want {
			t.Fatalf("pattern %q, path %q: perimeter says %v, Caddy says %v", pattern, reqPath, got, want)
		}
	})
}

// FuzzUnmarshalCaddyfile checks the Caddyfile parser never panics and that
// everything it accepts also provisions: all validation happens (with a
// line number) at parse time.
func FuzzUnmarshalCaddyfile(f *testing.F) {
	for _, seed := range []string{
		"secure_routes {\nallow GET HEAD /hls/* /keys/*\n}",
		"secure_routes {\nallow /a\nports 443 8443\nhttps_only redirect 8443\n}",
		"secure_routes {\nallow /a\nhsts 31536000 include_subdomains preload\n}",
		"secure_routes {\nallow /a\ncors https://a.example http://b.example:3000 {\nallow_headers Range\nexpose_headers ETag\nmax_age 10m\n}\n}",
		"secure_routes {\nallow /a\nhttps_only off\nhsts 1d\n}",
		"secure_routes {\nallow GET\n}",
		"secure_routes {\nallow /a\ncors *\n}",
		"secure_routes {\n}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, input string) {
		tokens, err := caddyfile.Tokenize([]byte(input), "Fuzzfile")
		if err != nil || len(tokens) == 0 {
			return
		}
		var s SecureRoutes
		if err := s.UnmarshalCaddyfile(caddyfile.NewDispenser(tokens)); err != nil {
			return
		}
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		defer cancel()
		if err := s.Provision(ctx); err != nil {
			t.Fatalf("parsed but does not provision: %v\ninput:\n%s", err, input)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed but does not validate: %v\ninput:\n%s", err, input)
		}
	})
}
