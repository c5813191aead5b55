package edgetoken

import "testing"

func TestMatchACL(t *testing.T) {
	tests := []struct {
		acl, path string
		want      bool
	}{
		{"/hls/a/*", "/hls/a/x.ts", true},
		{"/hls/a/*", "/hls/a/sub/dir/x.ts", true}, // * crosses '/'
		{"/hls/a/*", "/hls/a/", true},
		{"/hls/a/*", "/hls/a", false},
		{"/hls/a/*", "/hls/ab/x.ts", false},
		{"/hls/a*", "/hls/ab/x.ts", true},
		{"/*", "/anything", true},
		{"*", "/anything", true},
		{"/foo", "/foo", true},
		{"/foo", "/foo/", false},
		{"/foo", "/fooo", false},
		{"/a/?.ts", "/a/1.ts", true},
		{"/a/?.ts", "/a/12.ts", false},
		{"/a/?.ts", "/a/.ts", false},
		{"/a/?.ts", "/a/%20.ts", false}, // ? is one character of the escaped path
		{"/a/???.ts", "/a/%20.ts", true},
		{"/a/*/index.m3u8", "/a/x/y/index.m3u8", true},
		{"/a/*/index.m3u8", "/a/x/y/seg.ts", false},
		{"*.m3u8", "/a/index.m3u8", true},
		{"/a/**b", "/a/xxb", true},
		{"/foo!/goo", "/goo", true},
		{"/foo!/goo", "/hoo", false},
		{"%2f*", "/x/y.ts", true},
		{"%2F*", "/x/y.ts", true},
		{"%2Fhls%2Fstream1%2F%2A", "/hls/stream1/index.m3u8", true},
		{"%2Fhls%2Fstream1%2F%2A", "/hls/stream2/index.m3u8", false},
		{"%2Fa%2F%2A%21%2Fb%2F%2A", "/b/x", true}, // encoded '!' separates too
		{"%2Fa%2F%3F.ts", "/a/1.ts", true},        // PHP-encoded '?' is still a wildcard
		{"/hls/my%20video/*", "/hls/my%20video/x.ts", true},
		{"/hls/my video/*", "/hls/my%20video/x.ts", true},
		{"/hls/caf%C3%A9/*", "/hls/caf%C3%A9/x.ts", true},
		{"/hls/caf%c3%a9/*", "/hls/caf%C3%A9/x.ts", true}, // hex case does not matter
		{"/a/%zz", "/a/%zz", false},                       // undecodable ACL matches nothing
		{"", "/", false},
		{"!", "/", false},
	}
	for _, tt := range tests {
		if got := MatchACL(tt.acl, tt.path); got != tt.want {
			t.Errorf("MatchACL(%q, %q) = %v, want %v", tt.acl, tt.path, got, tt.want)
		}
	}
}

func TestMatchAnyACLNeedsOneCoveringEntry(t *testing.T) {
	acls := []string{"/hls/b/index.m3u8", "%2Fkeys%2Fa%2F%2A", "/hls/a/*"}
	for path, want := range map[string]bool{
		"/hls/a/x.ts":       true,
		"/keys/a/k.key":     true,
		"/hls/b/index.m3u8": true,
		"/hls/b/x.ts":       false,
	} {
		if got := MatchAnyACL(acls, path); got != want {
			t.Errorf("MatchAnyACL(%q, %q) = %v, want %v", acls, path, got, want)
		}
	}
	if MatchAnyACL(nil, "/hls/a/x.ts") {
		t.Error("an empty list covers nothing")
	}
}

func TestWildMatchAgainstRecursiveReference(t *testing.T) {
	var ref func(p, s string) bool
	ref = func(p, s string) bool {
		if p == "" {
			return s == ""
		}
		switch p[0] {
		case '*':
			return ref(p[1:], s) || s != "" && ref(p, s[1:])
		case '?':
			return s != "" && ref(p[1:], s[1:])
		}
		return s != "" && s[0] == p[0] && ref(p[1:], s[1:])
	}
	pats := []string{"", "*", "**", "?", "a*", "*a", "a*b", "*a*", "a?b*", "?*?", "*ab*ba*", "a**a"}
	strs := []string{"", "a", "b", "ab", "ba", "aab", "abab", "abba", "aabbaa", "bab"}
	for _, p := range pats {
		for _, s := range strs {
			if got, want := wildMatch(p, s), ref(p, s); got != want {
				t.Errorf("wildMatch(%q, %q) = %v, want %v", p, s, got, want)
			}
		}
	}
}
