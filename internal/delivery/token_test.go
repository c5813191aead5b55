package delivery

import (
	"strings"
	"testing"
)

// Each rewritten URI carries the request's token only where that token's
// ACL covers it; URIs it does not cover, and URIs on other hosts, carry no
// token at all (the session cookie carries them).
func TestTokenizeAppendsTheRequestTokenOnlyWhereItCovers(t *testing.T) {
	src := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"https://dam.example.com/media/a/k.key\"\n" +
		"#EXTINF:2.000,\nseg0.ts\n#EXTINF:2.000,\nv%20b/seg1.ts\n#EXTINF:2.000,\n../b/seg2.ts\n" +
		"#EXTINF:2.000,\nhttps://cdn.other.com/x.ts\n#EXT-X-ENDLIST\n"
	tok := Token{Param: "t", Value: "REQ", Scope: []string{"/hls/a/*"}}
	out, _, err := newRewriter(t, Passthrough).Rewrite([]byte(src), "a/index.m3u8", tok)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`URI="/keys/a/k.key"`, // outside the request token's ACL
		"\nseg0.ts?t=REQ\n",
		"\nv%20b/seg1.ts?t=REQ\n",
		"\n../b/seg2.ts\n", // another asset: no token
		"\nhttps://cdn.other.com/x.ts\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Count(string(out), "REQ") != 2 {
		t.Errorf("token appended outside its scope:\n%s", out)
	}
}

// A token signed for the playlist alone (PHP's acl=<playlist>*) covers
// none of its segments: they carry no token.
func TestTokenizeWithAPlaylistOnlyTokenLeavesSegmentsBare(t *testing.T) {
	src := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\n../b/seg0.ts\n#EXTINF:2.000,\nseg1.ts\n#EXT-X-ENDLIST\n"
	out, _, err := newRewriter(t, Passthrough).Rewrite([]byte(src), "a/index.m3u8", Token{Param: "t", Value: "REQ", Scope: []string{"/hls/a/index.m3u8*"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "REQ") {
		t.Errorf("URIs carry a token that does not cover them:\n%s", out)
	}
}
