package attack

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Blocking reloads the proxy holds (issue 25: blocking_reload auto is
// proxy for S3, every site of the stack): access is decided before any
// hold. A stranger and another asset's token holder are refused at once
// (never held, never answered later with the playlist), and a token
// holder's hostile directives are 400s at once.

// heldMark is in every playlist line of the live rendition the row writes.
const heldMark = "heldmark"

// heldPlaylist is an LL-HLS live playlist (segments 0..5, two parts of 6).
func heldPlaylist() []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n" +
		"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5\n#EXT-X-MEDIA-SEQUENCE:0\n")
	for s := range 6 {
		fmt.Fprintf(&b, "#EXTINF:2.0,\n%s-seg%d.ts\n", heldMark, s)
	}
	fmt.Fprintf(&b, "#EXT-X-PART:DURATION=0.5,URI=\"%[1]s-part6.0.ts\"\n#EXT-X-PART:DURATION=0.5,URI=\"%[1]s-part6.1.ts\"\n", heldMark)
	return []byte(b.String())
}

// rowHeldReloadDecidedFirst: on the passthrough sites, blocking reloads for
// a part that never comes, from a stranger and from another asset's token
// holder, are 403s within a second and carry no byte of the playlist; a
// holder's hostile spellings are 400s within a second; a holder's reload
// for a segment the playlist has is answered at once.
func rowHeldReloadDecidedFirst(t *testing.T, st *stack) {
	st.VGW.PutObject(t, "media", "livehold/index.m3u8", heldPlaylist(), "application/vnd.apple.mpegurl", nil)
	holder := st.token(t, "livehold holder token", "/hls/livehold/*")
	other := st.token(t, "another asset's token", "/hls/other/*")
	probes := []probe{{"the held live playlist", []byte(heldMark)}}
	forEachSite(t, st, st.matrix(func(s *site) bool { return !s.crypto() }), func(t *testing.T, c *client, s *site) {
		quick := func(r request, want int) {
			start := time.Now()
			res := c.do(t, s, r)
			if took := time.Since(start); res.Status != want || took > time.Second {
				st.reg.fail(t, "%s: status %d after %v, want %d at once (decided before any hold)", st.reg.describe(s, r), res.Status, took, want)
			}
			if want != 200 {
				st.reg.forbid(t, s, r, res, probes)
			}
		}
		held := "/hls/livehold/index.m3u8?_HLS_msn=6&_HLS_part=3"
		quick(request{Target: held}, 403)
		quick(request{Target: q(held, other)}, 403)
		quick(request{Target: q("/hls/livehold/index.m3u8?_HLS_msn=9", holder)}, 400)
		quick(request{Target: q("/hls/livehold/index.m3u8?_HLS_msn=6&_HLS_part=1000000", holder)}, 400)
		for _, d := range hostileMSN(5) {
			quick(request{Target: q("/hls/livehold/index.m3u8?"+d, holder)}, 400)
		}
		quick(request{Target: q("/hls/livehold/index.m3u8?_HLS_msn=5", holder)}, 200)
	})
}
