package perimeter

import (
	"errors"
	"strings"
	"testing"
)

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		want    bool
	}{
		// prefix
		{"/hls/*", "/hls/a/b.ts", true},
		{"/hls/*", "/hls/", true},
		{"/hls/*", "/hls", false},
		{"/hls/*", "/hlsx/a.ts", false},
		{"/hls/*", "/keys/a", false},
		{"/hls/*", "/HLS/A.TS", true}, // case-insensitive like Caddy
		{"/HLS/*", "/hls/a.ts", true},
		{"/hls/*", "//hls//a.ts", true},       // slashes merged
		{"/hls/*", "/hls/../keys/k", false},   // cleaned before matching
		{"/hls/*", "/keys/../hls/a.ts", true}, // cleaned before matching
		{"/hls/*", "/hls/./a.ts", true},
		// suffix
		{"*.m3u8", "/hls/a/index.m3u8", true},
		{"*.m3u8", "/hls/a/index.m3u8.ts", false},
		{"*.M3U8", "/x/INDEX.m3u8", true},
		// substring
		{"*/keys/*", "/a/keys/k1", true},
		{"*/keys/*", "/a/key/k1", false},
		// glob and exact
		{"/hls/*/index.m3u8", "/hls/a/index.m3u8", true},
		{"/hls/*/index.m3u8", "/hls/a/b/index.m3u8", false}, // * does not cross /
		{"/hls/*/*.ts", "/hls/a/seg1.ts", true},
		{"/favicon.ico", "/favicon.ico", true},
		{"/favicon.ico", "/favicon.icox", false},
		{"/seg?.ts", "/seg1.ts", true},
		{"/seg[0-9].ts", "/segx.ts", false},
		// match everything
		{"*", "/anything/at/all", true},
		// keep empty segments when the pattern has //
		{"/a//b", "/a//b", true},
		{"/a//b", "/a/b", false},
		{"/a/b", "/a//b", true},
		// trailing slash is kept by cleaning
		{"/dir/", "/dir/", true},
		{"/dir/", "/dir", false},
	}
	for _, tc := range tests {
		p, err := CompilePattern(tc.pattern)
		if err != nil {
			t.Fatalf("CompilePattern(%q): %v", tc.pattern, err)
		}
		if got := p.Match(tc.path); got != tc.want {
			t.Errorf("%q.Match(%q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

func TestCompilePatternRefusesUnsupportedForms(t *testing.T) {
	for _, tc := range []struct{ pattern, why string }{
		{"", "empty"},
		{"hls/*", "must start with"},
		{"GET", "must start with"},
		{"/hls/{path.0}", "placeholders"},
		{"/a%2fb", "escaped"},
		{`/a\*`, "backslashes"},
		{"/a b", "control characters"},
		{"/a\x00", "control characters"},
		{"/seg[.ts*x*", "syntax error"},
	} {
		_, err := CompilePattern(tc.pattern)
		if !errors.Is(err, ErrBadPattern) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("CompilePattern(%q) error = %v, want ErrBadPattern mentioning %q", tc.pattern, err, tc.why)
		}
	}
}

func TestPatternStringIsTheConfiguredForm(t *testing.T) {
	if got := MustCompilePattern("/HLS/*").String(); got != "/HLS/*" {
		t.Errorf("String() = %q", got)
	}
}

func TestCleanPath(t *testing.T) {
	for _, tc := range []struct {
		in    string
		merge bool
		want  string
	}{
		{"/a/../b", true, "/b"},
		{"/a//b/", true, "/a/b/"},
		{"/a//b/", false, "/a//b/"},
		{"/a//../b", false, "/a/b"},
		{"/", true, "/"},
		{"/..", true, "/"},
		{"/a/./b/.", true, "/a/b"},
	} {
		if got := CleanPath(tc.in, tc.merge); got != tc.want {
			t.Errorf("CleanPath(%q, %v) = %q, want %q", tc.in, tc.merge, got, tc.want)
		}
	}
}
