package edgetoken

import (
	"strings"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"/", "/"},
		{"/hls/a/index.m3u8", "/hls/a/index.m3u8"},
		{"/hls/a/", "/hls/a/"},
		{"/hls/a/...", "/hls/a/..."}, // three dots is a name
		{"/hls/a/..x", "/hls/a/..x"},
		{"/hls/my%20video/x.ts", "/hls/my%20video/x.ts"},
		{"/hls/%61/x.ts", "/hls/a/x.ts"}, // unreserved escapes decoded
		{"/hls/caf%c3%a9", "/hls/caf%C3%A9"},
		{"/hls/100%25.ts", "/hls/100%25.ts"},
		{"/a+b/c@d:e", "/a+b/c@d:e"},
		{"/a%2Bb", "/a+b"},
		{"/a%3Fb", "/a%3Fb"},
		{"/a\"b", "/a%22b"},
	}
	for _, tt := range tests {
		got, err := NormalizePath(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			continue
		}
		again, err := NormalizePath(got)
		if err != nil || again != got {
			t.Errorf("NormalizePath not idempotent on %q: %q, %v", got, again, err)
		}
	}
}

func TestNormalizePathFailsClosed(t *testing.T) {
	tests := []struct{ in, detail string }{
		{"", "origin form"},
		{"hls/a", "origin form"},
		{"/..", "dot segment"},
		{"/hls/../../etc", "dot segment"},
		{"/hls/b/../a/x.ts", "dot segment"},
		{"/hls/./a/x.ts", "dot segment"},
		{"/hls/a/..", "dot segment"},
		{"/hls/a/.", "dot segment"},
		{"/hls//a///x.ts", "empty segment"},
		{"/hls/%2e%2e/x", "dot segment"},
		{"/hls/%2E%2E/x", "dot segment"},
		{"/hls/.%2e/x", "dot segment"},
		{"/hls/%2e/x", "dot segment"},
		{"/hls/%ff/x", "UTF-8"},
		{"/hls/a%2f..%2fb", "separator"},
		{"/hls/a%2F..%2Fb", "separator"},
		{"/hls/a%5c..%5cb", "separator"},
		{"/hls/a\\..\\b", "separator"},
		{"/hls/%252e%252e/x", "twice"},
		{"/hls/%252f", "twice"},
		{"/hls/a%00b", "control"},
		{"/hls/a%0ab", "control"},
		{"/hls/a%zzb", "invalid percent-encoding"},
		{"/hls/a%2", "invalid percent-encoding"},
	}
	for _, tt := range tests {
		got, err := NormalizePath(tt.in)
		if reasonOf(err) != ReasonMalformed || !strings.Contains(err.Error(), tt.detail) {
			t.Errorf("NormalizePath(%q) = %q, %v; want malformed %q", tt.in, got, err, tt.detail)
		}
	}
}

// An ACL must never be widened by how the request spells its path.
func TestNormalizedPathNeverLeavesACL(t *testing.T) {
	const acl = "/hls/a/*"
	attacks := []string{
		"/hls/a/../b/x.ts",
		"/hls/a/../../hls/b/x.ts",
		"/hls/a/%2e%2e/b/x.ts",
		"/hls/a/%2E%2E/b/x.ts",
		"/hls/a/..%2fb/x.ts",
		"/hls/a%2f..%2fb/x.ts",
		"/hls/a/%252e%252e/b/x.ts",
		"/hls/a/.%2e/b/x.ts",
		"/hls/a\\..\\b/x.ts",
		"/hls/a/./../b/x.ts",
		"/hls/a//../b/x.ts",
	}
	for _, p := range attacks {
		n, err := NormalizePath(p)
		if err == nil && MatchACL(acl, n) {
			t.Errorf("%q normalised to %q is covered by %s", p, n, acl)
		}
	}
}
