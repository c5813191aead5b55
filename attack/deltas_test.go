package attack

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Delta updates the proxy builds for S3 (issue 25: _HLS_skip on every site
// of the stack, where blocking_reload auto is proxy). A delta is built from
// the origin's bytes and rewritten like the full playlist, so it carries no
// URI the full playlist would not: never one without the holder's token on
// a tokenize site, never a segment without its sealed context or a storage
// key's URI under a crypto mode, never another viewer's token. A stranger's
// _HLS_skip gets no playlist byte, and a hostile _HLS_skip is a 400.

// deltaMark is in every URI of the live renditions the row writes.
const deltaMark = "deltamark"

// deltaPlaylist is a live window of 20 segments of 2 s that allows skipping
// (CAN-SKIP-UNTIL=12, date ranges too); keyed, its segments are AES-128 at
// rest under a key declared once, before the first, and rotated at 12.
func deltaPlaylist(keyed bool) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n" +
		"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12,CAN-SKIP-DATERANGES=YES\n#EXT-X-MEDIA-SEQUENCE:0\n" +
		`#EXT-X-DATERANGE:ID="ad",START-DATE="2026-01-01T00:00:00Z"` + "\n")
	if keyed {
		fmt.Fprintf(&b, "#EXT-X-KEY:METHOD=AES-128,URI=\"%s-storage1.key\"\n", deltaMark)
	}
	for s := range 20 {
		if keyed && s == 12 {
			fmt.Fprintf(&b, "#EXT-X-KEY:METHOD=AES-128,URI=\"%s-storage2.key\",IV=0x000102030405060708090a0b0c0d0e0f\n", deltaMark)
		}
		fmt.Fprintf(&b, "#EXTINF:2.0,\n%s-seg%d.ts\n", deltaMark, s)
	}
	return []byte(b.String())
}

// deltaURIs are the URI lines and URI attributes of a playlist.
var deltaURIs = regexp.MustCompile(`(?m)^([^#\r\n][^\r\n]*)$|URI="([^"]*)"`)

func uriSet(body []byte) map[string]bool {
	out := map[string]bool{}
	for _, m := range deltaURIs.FindAllSubmatch(body, -1) {
		out[string(m[1])+string(m[2])] = true
	}
	return out
}

// hostileSkips are _HLS_skip spellings no player sends: the holder's 400.
var hostileSkips = []string{"_HLS_skip=yes", "_HLS_skip=Yes", "_HLS_skip=V2", "_HLS_skip=", "_HLS_skip",
	"_HLS_skip=YES&_HLS_skip=YES", "_HLS_skip=YES&_HLS_skip=v2", "_HLS_skip=v3", "_HLS_skip=NO",
	"_HLS_skip=YES%00", "_HLS_skip=%20YES", "_HLS_skip=YES%20", "%5FHLS_skip=yes", "_HLS_skip=%E2%80%8BYES"}

// rowDeltasCarryNoForbiddenURI: see the block comment above.
func rowDeltasCarryNoForbiddenURI(t *testing.T, st *stack) {
	st.VGW.PutObject(t, "media", "livedelta/index.m3u8", deltaPlaylist(false), "application/vnd.apple.mpegurl", nil)
	st.VGW.PutObject(t, "media", "livedeltakey/index.m3u8", deltaPlaylist(true), "application/vnd.apple.mpegurl", nil)
	holder := st.token(t, "delta holder token", "/hls/livedelta/*", "/hls/livedeltakey/*", "/keys/livedeltakey/*")
	viewer := st.token(t, "another delta viewer's token", "/hls/livedelta/*", "/hls/livedeltakey/*")
	other := st.token(t, "another asset's token", "/hls/other/*")
	noPlaylist := []probe{{"the live playlist", []byte(deltaMark)}}
	forEachSite(t, st, st.matrix(nil), func(t *testing.T, c *client, s *site) {
		for _, target := range []string{"/hls/livedelta/index.m3u8?_HLS_skip=YES", "/hls/livedelta/index.m3u8?_HLS_skip=v2",
			"/hls/livedelta/index.m3u8?_HLS_msn=19&_HLS_skip=YES"} {
			for _, r := range []request{{Target: target}, {Target: q(target, other)}} {
				if res := c.do(t, s, r); res.Status != 403 {
					st.reg.fail(t, "%s: status %d, want 403", st.reg.describe(s, r), res.Status)
				} else {
					st.reg.forbid(t, s, r, res, noPlaylist)
				}
			}
		}
		for _, d := range hostileSkips {
			r := request{Target: q("/hls/livedelta/index.m3u8?"+d, holder)}
			if res := c.do(t, s, r); res.Status != 400 {
				st.reg.fail(t, "%s: status %d, want 400", st.reg.describe(s, r), res.Status)
			} else {
				st.reg.forbid(t, s, r, res, noPlaylist)
			}
		}
		assets := []string{"livedelta"}
		if s.Mode != "encrypt" { // encrypt refuses an origin already encrypted
			assets = append(assets, "livedeltakey")
		}
		for _, a := range assets {
			checkDeltas(t, st, c, s, a, holder, viewer)
		}
	})
}

// checkDeltas asks for the asset's deltas as the holder and as another
// viewer, and checks every URI of each against the full playlist that
// viewer gets (a key URI under key_path carries the token only where its
// ACL covers keys, as in the full playlist).
func checkDeltas(t *testing.T, st *stack, c *client, s *site, asset, holder, viewer string) {
	base := "/hls/" + asset + "/index.m3u8"
	for _, tok := range []string{holder, viewer} {
		otherTok := map[bool]string{true: viewer, false: holder}[tok == holder]
		fr := request{Target: q(base, tok)}
		full := c.do(t, s, fr)
		if full.Status != 200 {
			st.reg.fail(t, "%s: status %d, want the full playlist", st.reg.describe(s, fr), full.Status)
			continue
		}
		allowed := uriSet(full.Body)
		for _, d := range []string{"_HLS_skip=YES", "_HLS_skip=v2", "%5FHLS_skip=YES", "_HLS_msn=19&_HLS_skip=YES", "_hls_skip=YES"} {
			r := request{Target: q(base+"?"+d, tok)}
			res := c.do(t, s, r)
			// _hls_skip is not a directive: the full playlist. v2 is a delta
			// once the proxy followed the date ranges for CAN-SKIP-UNTIL, the
			// full playlist before.
			skipped := strings.Contains(string(res.Body), "#EXT-X-SKIP:")
			if res.Status != 200 || (d == "_hls_skip=YES") == skipped && d != "_HLS_skip=v2" {
				st.reg.fail(t, "%s: status %d, EXT-X-SKIP %v, want 200 and a delta for a directive only:\n%s", st.reg.describe(s, r),
					res.Status, skipped, res.Body)
				continue
			}
			probes := []probe{{"another viewer's token", []byte(otherTok)}}
			if s.crypto() {
				probes = append(probes, probe{"a storage key URI", []byte(deltaMark + "-storage")})
			}
			st.reg.forbid(t, s, r, res, probes)
			for u := range uriSet(res.Body) {
				switch {
				case !allowed[u]:
					st.reg.fail(t, "%s: the delta's URI %q is not one of the full playlist's", st.reg.describe(s, r), u)
				case s.Tokenize && !strings.HasPrefix(u, "/keys/") && !strings.Contains(u, "__token__="):
					st.reg.fail(t, "%s: the delta's URI %q carries no token", st.reg.describe(s, r), u)
				case s.crypto() && strings.Contains(u, "-seg") && !strings.Contains(u, "mgctx="):
					st.reg.fail(t, "%s: the delta's segment URI %q has no sealed context", st.reg.describe(s, r), u)
				}
			}
		}
	}
}
