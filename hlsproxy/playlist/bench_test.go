package playlist

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/grafov/m3u8"
)

// vod10k is a 10 000-segment AES-128 VOD playlist.
func vod10k() []byte {
	var b bytes.Buffer
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n")
	b.WriteString("#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example.com/k/1\"\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "#EXTINF:6.006,\nmedia/segment-%05d.ts\n", i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return b.Bytes()
}

func BenchmarkRewrite10kSegments(b *testing.B) {
	src := vod10k()
	o := Options{MapURI: func(c *URIContext) string {
		return "/x/" + AppendQuery(c.URI, "__token__", edgeToken)
	}}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Rewrite(src, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGrafovDecode10kSegments(b *testing.B) {
	src := vod10k()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := m3u8.DecodeFrom(bytes.NewReader(src), false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyze10kSegments(b *testing.B) {
	src := vod10k()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewriteAppendURI10kSegments(b *testing.B) {
	src := vod10k()
	o := Options{AppendURI: func(dst []byte, c *URIContext) []byte {
		return AppendQueryTo(append(dst, "/x/"...), c.URI, "__token__", edgeToken)
	}}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Rewrite(src, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRewriteIdentity10kSegments(b *testing.B) {
	src := vod10k()
	o := Options{MapURI: func(c *URIContext) string { return c.URI }}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Rewrite(src, o); err != nil {
			b.Fatal(err)
		}
	}
}
