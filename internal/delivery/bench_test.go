package delivery

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/internal/grafovref"
)

func vodPlaylist(n int) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "#EXTINF:4.000,\nseg%05d.ts\n", i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

// BenchmarkDeliveryRewrite10kTokenized is what hls_proxy does per request
// for a 10 000-segment VOD playlist with tokenize; compare with
// BenchmarkGrafovDecode10k of the same bytes in the same run.
func BenchmarkDeliveryRewrite10kTokenized(b *testing.B) {
	src := vodPlaylist(10000)
	rw := &Rewriter{Layout: Layout{StripPrefix: "/hls", KeyPath: "/keys"}, Mode: Passthrough}
	tok := Token{Param: "__token__", Value: "st=1700000000~exp=1700000300~acl=/hls/stream1/*~hmac=5c513c32dc703fd7a532d25f936490d24ee42ebcd4d29392fc7eac13914c47b4", Scope: []string{"/hls/stream1/*"}}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := rw.Rewrite(src, "stream1/index.m3u8", tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGrafovDecode10k(b *testing.B) {
	src := vodPlaylist(10000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		// What playlist.Decode measured before grafov left the production
		// packages: our Analyze, then grafov's model of the same bytes.
		if _, err := playlist.Analyze(src); err != nil {
			b.Fatal(err)
		}
		if _, _, err := grafovref.Decode(src); err != nil {
			b.Fatal(err)
		}
	}
}
