package playlist

import (
	"net/url"
	"testing"
)

const edgeToken = "st=1700000000~exp=1700000300~acl=/hls/stream1/*!/b/*~id=a:b,c~data=user=alice~hmac=5c51"

func TestAppendQuery(t *testing.T) {
	cases := []struct{ name, uri, param, value, want string }{
		{"no query", "seg.ts", "__token__", edgeToken, "seg.ts?__token__=" + edgeToken},
		{"existing query", "seg.ts?a=1", "t", "v", "seg.ts?a=1&t=v"},
		{"empty query", "seg.ts?", "t", "v", "seg.ts?t=v"},
		{"query ending in &", "seg.ts?a=1&", "t", "v", "seg.ts?a=1&t=v"},
		{"fragment kept last", "seg.ts?a=1#frag", "t", "v", "seg.ts?a=1&t=v#frag"},
		{"fragment without query", "seg.ts#f?x", "t", "v", "seg.ts?t=v#f?x"},
		{"same param present: unchanged", "seg.ts?t=old&a=1", "t", "new", "seg.ts?t=old&a=1"},
		{"same param present without value", "seg.ts?a=1&t", "t", "new", "seg.ts?a=1&t"},
		{"same param present escaped", "seg.ts?%74=old", "t", "new", "seg.ts?%74=old"},
		{"prefix of another param is not the param", "seg.ts?tt=1", "t", "v", "seg.ts?tt=1&t=v"},
		{"absolute URL", "https://cdn.example.com/a/b.ts?x=%2F", "t", "v", "https://cdn.example.com/a/b.ts?x=%2F&t=v"},
		{"escapes what form decoders or Go would change", "s.ts", "t", "a b+c&d;e%f#g'h\"i", "s.ts?t=a%20b%2Bc%26d%3Be%25f%23g%27h%22i"},
		{"non-ASCII escaped", "s.ts", "t", "é", "s.ts?t=%C3%A9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := AppendQuery(tc.uri, tc.param, tc.value); got != tc.want {
				t.Errorf("AppendQuery(%q, %q, %q) = %q, want %q", tc.uri, tc.param, tc.value, got, tc.want)
			}
		})
	}
}

// A value AppendQuery wrote comes back unchanged through the decoders a Go
// server uses, whatever the bytes.
func TestAppendQueryValueRoundTripsThroughGoDecoders(t *testing.T) {
	values := []string{edgeToken, "exp=1~acl=%2f*~hmac=ab", "a b+c&d=e;f#g%h'i\"j", "ü\x01\x7f~!*()=:@/,?$[]{}|\\^`<>", ""}
	for _, v := range values {
		u, err := url.Parse(AppendQuery("https://h/p/s.ts?x=1", "__token__", v))
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("%q: ParseQuery(%q): %v", v, u.RawQuery, err)
		}
		if got := q.Get("__token__"); got != v {
			t.Errorf("value %q came back as %q (raw query %q)", v, got, u.RawQuery)
		}
		if u.Query().Get("x") != "1" {
			t.Errorf("existing parameter lost: %q", u.RawQuery)
		}
	}
}

func TestQueryEscapeKeepsEdgeAuthTokensVerbatim(t *testing.T) {
	if got := QueryEscape(edgeToken); got != edgeToken {
		t.Errorf("EdgeAuth token escaped to %q; its raw query bytes would no longer equal the token", got)
	}
}

func TestResolve(t *testing.T) {
	base, _ := url.Parse("https://h.example.com/hls/a/index.m3u8?__token__=t")
	cases := []struct{ ref, want string }{
		{"seg1.ts", "https://h.example.com/hls/a/seg1.ts"},
		{"../b/seg.ts?x=1", "https://h.example.com/hls/b/seg.ts?x=1"},
		{"/abs/seg.ts", "https://h.example.com/abs/seg.ts"},
		{"//cdn.example.com/x.ts", "https://cdn.example.com/x.ts"},
		{"http://other/x.ts", "http://other/x.ts"},
		{"./a/./b/../c.ts", "https://h.example.com/hls/a/a/c.ts"},
		{"seg%2F1.ts", "https://h.example.com/hls/a/seg%2F1.ts"},
		{"?only=query", "https://h.example.com/hls/a/index.m3u8?only=query"},
		{"skd://key-id", "skd://key-id"},
	}
	for _, tc := range cases {
		got, err := Resolve(base, tc.ref)
		if err != nil || got.String() != tc.want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", tc.ref, got, err, tc.want)
		}
	}
	for _, bad := range []string{" seg.ts", "http://[::1", "seg.ts\n"} {
		if _, err := Resolve(base, bad); err == nil {
			t.Errorf("Resolve(%q) succeeded, want an error", bad)
		}
	}
	if _, err := Resolve(nil, "a"); err == nil {
		t.Error("Resolve with a nil base succeeded")
	}
}

func TestIsHTTPURI(t *testing.T) {
	cases := map[string]bool{
		"seg.ts": true, "../k.bin": true, "/keys/1": true, "//cdn/x": true, "http://h/k": true, "HTTPS://h/k": true,
		"./a:b.ts": true, "?q": true, "": true,
		"skd://abc": false, "data:text/plain;base64,AAAA": false, "urn:uuid:1234": false, "blob:https://h/x": false,
		"ftp://h/x": false, "a:b.ts": false,
	}
	for in, want := range cases {
		if got := IsHTTPURI(in); got != want {
			t.Errorf("IsHTTPURI(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsPlaylist(t *testing.T) {
	cases := []struct {
		name, ct string
		want     bool
	}{
		{"a/index.m3u8", "", true},
		{"a/INDEX.M3U8", "", true},
		{"a/list.m3u", "", true},
		{"/hls/index.m3u8?__token__=x", "", true},
		{"a/seg.ts", "", false},
		{"a/seg.ts", "video/mp2t", false},
		{"a/index", "application/vnd.apple.mpegurl", true},
		{"a/index", "Application/X-MpegURL; charset=utf-8", true},
		{"a/index", "audio/mpegurl", true},
		{"a/index", "audio/x-mpegurl", true},
		{"a/index", "text/plain", false},
		{"a/m3u8", "", false},
		{"a/index", "application/vnd.apple.mpegurl;;bad", true},
	}
	for _, tc := range cases {
		if got := IsPlaylist(tc.name, tc.ct); got != tc.want {
			t.Errorf("IsPlaylist(%q, %q) = %v, want %v", tc.name, tc.ct, got, tc.want)
		}
	}
}
