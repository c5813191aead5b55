package perimeter

import (
	"errors"
	"net/url"
	"testing"
)

func TestCheckRequestPath(t *testing.T) {
	tests := []struct {
		name    string
		target  string // request target as sent on the wire
		wantErr error
	}{
		{"plain path passes", "/hls/a/index.m3u8", nil},
		{"encoded space passes", "/hls/my%20show/index.m3u8", nil},
		{"encoded unicode passes", "/hls/%C3%A9t%C3%A9/a.ts", nil},
		{"repeated slashes pass", "/hls//a.ts", nil},
		{"root passes", "/", nil},
		{"dot-dot segment", "/hls/../keys/k", ErrDotSegment},
		{"trailing dot-dot", "/hls/..", ErrDotSegment},
		{"dot segment", "/hls/./a.ts", ErrDotSegment},
		{"encoded dot-dot", "/hls/%2e%2e/keys/k", ErrDotSegment},
		{"mixed encoded dot-dot", "/hls/.%2E/keys/k", ErrDotSegment},
		{"dots inside a name pass", "/hls/a..b/x.ts", nil},
		{"encoded slash", "/hls/a%2fb.ts", ErrEncodedSeparator},
		{"encoded slash upper", "/hls/a%2Fb.ts", ErrEncodedSeparator},
		{"encoded slash traversal", "/hls/..%2fkeys%2fk", ErrEncodedSeparator},
		{"encoded backslash", "/hls/a%5cb", ErrBadPathChar},
		{"double-encoded slash", "/hls/a%252fb", ErrEncodedSeparator},
		{"double-encoded dot", "/hls/%252e%252e/k", ErrEncodedSeparator},
		{"raw backslash", `/hls/..\keys`, ErrBadPathChar},
		{"encoded NUL", "/hls/a%00.ts", ErrBadPathChar},
		{"encoded newline", "/hls/a%0a.ts", ErrBadPathChar},
		{"invalid UTF-8", "/hls/%ff.ts", ErrBadPathChar},
		{"asterisk form", "*", ErrNotOriginForm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.ParseRequestURI(tc.target)
			if err != nil {
				if tc.target != "*" {
					t.Fatalf("parse %q: %v", tc.target, err)
				}
				u = &url.URL{Path: "*"}
			}
			err = CheckRequestPath(u.Path, u.EscapedPath())
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("CheckRequestPath(%q, %q) = %v, want %v", u.Path, u.EscapedPath(), err, tc.wantErr)
			}
		})
	}
}
