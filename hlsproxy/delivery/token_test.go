package delivery

import (
	"strings"
	"testing"
)

// Each rewritten URI carries the request's token where that token's ACL
// covers it, and the session token only where it does not but the session
// token's does; URIs on other hosts carry neither.
func TestTokenizePicksTheRequestTokenWhereItCoversElseTheSessionToken(t *testing.T) {
	src := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"https://dam.example.com/media/a/k.key\"\n" +
		"#EXTINF:2.000,\nseg0.ts\n#EXTINF:2.000,\nv%20b/seg1.ts\n#EXTINF:2.000,\n../b/seg2.ts\n" +
		"#EXTINF:2.000,\nhttps://cdn.other.com/x.ts\n#EXT-X-ENDLIST\n"
	tok := Token{Param: "t", Value: "REQ", Scope: []string{"/hls/a/*"},
		Session: "SESS", SessionScope: []string{"/hls/a/*", "/keys/a/*"}}
	out, _, err := newRewriter(t, Passthrough).Rewrite([]byte(src), "a/index.m3u8", tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`URI="/keys/a/k.key?t=SESS"`, // outside the request token's ACL
		"\nseg0.ts?t=REQ\n",
		"\nv%20b/seg1.ts?t=REQ\n",
		"\n../b/seg2.ts?t=REQ\n", // covered by neither: the request's token
		"\nhttps://cdn.other.com/x.ts\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

// Without a session token every rewritten URI carries the request's token,
// whatever its scope.
func TestTokenizeWithoutSessionTokenAlwaysUsesTheRequestToken(t *testing.T) {
	src := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\n../b/seg0.ts\n#EXTINF:2.000,\nseg1.ts\n#EXT-X-ENDLIST\n"
	out, _, err := newRewriter(t, Passthrough).Rewrite([]byte(src), "a/index.m3u8", Token{Param: "t", Value: "REQ", Scope: []string{"/hls/a/index.m3u8*"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(out), "?t=REQ\n"); got != 2 {
		t.Errorf("%d URIs carry the request token, want 2:\n%s", got, out)
	}
}
