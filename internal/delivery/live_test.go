package delivery

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
)

// llMedia is an LL-HLS media playlist as a packager writes it (RFC 8216bis
// §9 example shape): parts, a preload hint, rendition reports.
const llMedia = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-VERSION:9\n" +
	"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24\n" +
	"#EXT-X-PART-INF:PART-TARGET=1.0\n#EXT-X-MEDIA-SEQUENCE:266\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n" +
	"#EXTINF:4.0,\nseg266.ts\n" +
	"#EXT-X-PART:DURATION=1.0,URI=\"part267.0.ts\",INDEPENDENT=YES\n#EXT-X-PART:DURATION=1.0,URI=\"part267.1.ts\"\n" +
	"#EXTINF:2.0,\nseg267.ts\n" +
	"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part268.0.ts\"\n" +
	"#EXT-X-RENDITION-REPORT:URI=\"../lo/live.m3u8\",LAST-MSN=267,LAST-PART=1\n"

var tok = Token{Param: "__token__", Value: "exp=9~acl=/hls/*~hmac=ab", Scope: []string{"/hls/*"}}

func uriAttrs(out []byte, tag string) []string {
	re := regexp.MustCompile(`(?m)^#` + tag + `:.*URI="([^"]*)"`)
	var uris []string
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		uris = append(uris, m[1])
	}
	return uris
}

func TestPassthroughRewritesPartsHintsAndRenditionReportsWithTheToken(t *testing.T) {
	out, _, err := newRewriter(t, Passthrough).Rewrite([]byte(llMedia), "live/hi/live.m3u8", tok)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, tag := range []string{"EXT-X-PART", "EXT-X-PRELOAD-HINT", "EXT-X-RENDITION-REPORT"} {
		got[tag] = uriAttrs(out, tag)
	}
	want := map[string][]string{
		"EXT-X-PART":             {"part267.0.ts?__token__=" + tok.Value, "part267.1.ts?__token__=" + tok.Value},
		"EXT-X-PRELOAD-HINT":     {"part268.0.ts?__token__=" + tok.Value},
		"EXT-X-RENDITION-REPORT": {"../lo/live.m3u8?__token__=" + tok.Value},
	}
	for tag, w := range want {
		if strings.Join(got[tag], " ") != strings.Join(w, " ") {
			t.Errorf("%s URIs %q, want %q", tag, got[tag], w)
		}
	}
	if !strings.Contains(string(out), "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24\n") {
		t.Errorf("an HTTP origin's server control changed:\n%s", out)
	}
}

func TestCryptoModesServeLiveLLHLSAsFullSegmentsOnly(t *testing.T) {
	for _, mode := range []Mode{Decrypt, Encrypt, Reencrypt} {
		out, info, err := newRewriter(t, mode).Rewrite([]byte(llMedia), "live/hi/live.m3u8", tok)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		s := string(out)
		for _, gone := range []string{"#EXT-X-PART:", "#EXT-X-PART-INF", "#EXT-X-PRELOAD-HINT", "PART-HOLD-BACK"} {
			if strings.Contains(s, gone) {
				t.Errorf("%s: %s left in\n%s", mode, gone, s)
			}
		}
		if !strings.Contains(s, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=24\n") {
			t.Errorf("%s: blocking reloads of whole segments still hold:\n%s", mode, s)
		}
		if n := len(segmentJobs(t, out, mode, "live/hi/live.m3u8")); n != 2 {
			t.Errorf("%s: %d segment contexts, want one per full segment (2)", mode, n)
		}
		if info.Parts != 2 {
			t.Errorf("%s: info counts %d parts of the input, want 2", mode, info.Parts)
		}
	}
}

// The rewriter is lossless: the numbering lines a player aligns reloads by
// are the origin's bytes, in every mode.
func TestMediaAndDiscontinuitySequencePassThroughInEveryMode(t *testing.T) {
	src := "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4711\n" +
		"#EXT-X-DISCONTINUITY-SEQUENCE:17\n#EXTINF:2.000,\nseg4711.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nseg4712.ts\n"
	for _, mode := range []Mode{Passthrough, Decrypt, Encrypt, Reencrypt} {
		out, info, err := newRewriter(t, mode).Rewrite([]byte(src), "live/index.m3u8", tok)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		for _, line := range []string{"\n#EXT-X-MEDIA-SEQUENCE:4711\n#EXT-X-DISCONTINUITY-SEQUENCE:17\n", "\n#EXT-X-DISCONTINUITY\n"} {
			if !strings.Contains(string(out), line) {
				t.Errorf("%s: %q changed:\n%s", mode, line, out)
			}
		}
		if got, err := playlist.Analyze(out); err != nil || got.MediaSequence != info.MediaSequence || got.DiscontinuitySequence != info.DiscontinuitySequence || got.Segments != 2 {
			t.Errorf("%s: the output numbers differently: %+v %v", mode, got, err)
		}
	}
}

// Two reloads of a sliding window: every segment both list has the same
// URI in both (token and sealed context included), so a player that keys
// its cache by URI never refetches, in every mode.
func TestSegmentURIsAreStableAcrossLiveReloads(t *testing.T) {
	window := func(first int) string {
		s := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:" + itoa(first) + "\n"
		for i := first; i < first+3; i++ {
			s += "#EXTINF:2.000,\nseg" + itoa(i) + ".ts\n"
		}
		return s
	}
	for _, mode := range []Mode{Passthrough, Decrypt, Encrypt, Reencrypt} {
		rw := newRewriter(t, mode)
		uris := func(src string) map[string]string {
			out, _, err := rw.Rewrite([]byte(src), "live/index.m3u8", tok)
			if err != nil {
				t.Fatalf("%s: %v", mode, err)
			}
			m := map[string]string{}
			for _, line := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(line, "seg") {
					m[line[:strings.IndexByte(line, '.')]] = line
				}
			}
			return m
		}
		a, b := uris(window(10)), uris(window(11))
		for _, seg := range []string{"seg11", "seg12"} {
			if a[seg] == "" || a[seg] != b[seg] {
				t.Errorf("%s: %s is %q then %q", mode, seg, a[seg], b[seg])
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestBlockingHoldIsThreeTargetDurationsWithinBounds(t *testing.T) {
	cases := []struct {
		td    float64
		floor time.Duration
		want  time.Duration
	}{
		{2, time.Second, 6 * time.Second},
		{1, 10 * time.Second, 10 * time.Second}, // never below the origin's timeout
		{20, time.Second, MaxBlockingHold},      // capped
		{0, time.Second, MaxBlockingHold},       // unknown target duration
	}
	for _, tc := range cases {
		if got := BlockingHold(tc.td, tc.floor); got != tc.want {
			t.Errorf("BlockingHold(%v, %v) = %v, want %v", tc.td, tc.floor, got, tc.want)
		}
	}
}

// Whoever holds blocking reloads (the origin, or the proxy, which builds
// delta updates too: playlist.Delta) keeps them: every promise of the
// origin's server control stays in a passthrough playlist.
func TestLivePlaylistsKeepEveryServerControlPromise(t *testing.T) {
	rw := newRewriter(t, Passthrough)
	src := strings.Replace(llMedia, "CAN-SKIP-UNTIL=24", "CAN-SKIP-UNTIL=24,CAN-SKIP-DATERANGES=YES", 1)
	out, _, err := rw.Rewrite([]byte(src), "live/hi/live.m3u8", Token{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24,CAN-SKIP-DATERANGES=YES\n") {
		t.Fatalf("want CAN-BLOCK-RELOAD, PART-HOLD-BACK, CAN-SKIP-UNTIL and CAN-SKIP-DATERANGES:\n%s", out)
	}
}
