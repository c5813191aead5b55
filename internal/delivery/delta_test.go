package delivery

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
)

// A delta update is built from the origin's bytes and then rewritten like
// the full playlist (hlsproxy: playlist.Delta, then Rewrite): every URI of
// the rewritten delta — segment, sealed context, key — is exactly the one
// the rewritten full playlist gives the same viewer, in every mode.

// liveAtRest is an AES-128-at-rest live window: 20 segments of 2 s, the key
// declared once before the first and rotated at segment 107.
func liveAtRest() []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n" +
		"#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-KEY:METHOD=AES-128,URI=\"k1.key\"\n")
	for s := 100; s < 120; s++ {
		if s == 107 {
			b.WriteString("#EXT-X-KEY:METHOD=AES-128,URI=\"k2.key\",IV=0x000102030405060708090a0b0c0d0e0f\n")
		}
		fmt.Fprintf(&b, "#EXTINF:2.000,\nseg%d.ts\n", s)
	}
	return []byte(b.String())
}

var rewrittenURI = regexp.MustCompile(`(?m)^([^#\n][^\n]*)$|URI="([^"]*)"`)

func TestDeltaIsRewrittenWithTheFullPlaylistsURIsKeysAndContexts(t *testing.T) {
	src := liveAtRest()
	delta, res := playlist.Delta(src, playlist.DeltaRequest{Skip: playlist.SkipSegments})
	if res.Skipped != 14 {
		t.Fatalf("skipped %d (%s)", res.Skipped, res.Reason)
	}
	tok := Token{Param: "t", Value: "viewer", Scope: []string{"/hls/*", "/keys/*"}}
	for _, mode := range []Mode{Passthrough, Decrypt, Reencrypt} {
		rw := newRewriter(t, mode)
		full, _, err := rw.Rewrite(src, "live/a/index.m3u8", tok)
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := rw.Rewrite(delta, "live/a/index.m3u8", tok)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		want := map[string]bool{}
		for _, m := range rewrittenURI.FindAllStringSubmatch(string(full), -1) {
			want[m[1]+m[2]] = true
		}
		got := rewrittenURI.FindAllStringSubmatch(string(out), -1)
		if len(got) < 6 {
			t.Fatalf("%s: %d URIs in the delta:\n%s", mode, len(got), out)
		}
		for _, m := range got {
			if u := m[1] + m[2]; !want[u] || !strings.Contains(u, "t=viewer") {
				t.Errorf("%s: the delta's %q is not the full playlist's URI for this viewer:\n%s", mode, u, out)
			}
		}
		if mode != Passthrough && strings.Contains(string(out), "k2.key") {
			t.Errorf("%s: a storage key URI in the delta:\n%s", mode, out)
		}
	}
}
