package playlist

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// seen is one URI occurrence as a player reads it: what it names, its
// number, the key and map in force, its byte range.
type seen struct {
	Kind      URIKind
	URI       string
	Seq, Disc int64
	Key       Key
	Map       string
	Off, Len  int64
}

func occurrences(t testing.TB, src []byte) []seen {
	t.Helper()
	var out []seen
	_, _, err := Rewrite(src, Options{MapURI: func(c *URIContext) string {
		switch c.Kind {
		case KindSegment, KindPart, KindPreloadHint, KindRenditionReport:
			s := seen{Kind: c.Kind, URI: c.URI, Seq: c.SeqNo, Disc: c.Discontinuity}
			if c.Key != nil {
				s.Key = *c.Key
			}
			if c.Map != nil {
				s.Map = c.Map.URI
			}
			if c.ByteRange != nil {
				s.Off, s.Len = c.ByteRange.ResolvedOffset, c.ByteRange.Length
			}
			out = append(out, s)
		}
		return c.URI
	}})
	if err != nil {
		t.Fatalf("%v\n%s", err, src)
	}
	return out
}

// checkExpands proves the delta re-expands to full: the repo's reader
// accepts it, it has one EXT-X-SKIP of res.Skipped segments, and every
// segment, part, hint and report after the skip is read exactly as in full
// (sequence number, key, map, byte range), the discontinuity numbers
// shifted by the discontinuities of the skipped span only.
func checkExpands(t testing.TB, full, out []byte, res DeltaResult) {
	t.Helper()
	fi, err := Analyze(full)
	if err != nil {
		t.Fatal(err)
	}
	di, err := Analyze(out)
	if err != nil {
		t.Fatalf("the delta does not read: %v\n%s", err, out)
	}
	if n := bytes.Count(out, []byte("#EXT-X-SKIP:")); n != 1 || !bytes.Contains(out, fmt.Appendf(nil, "SKIPPED-SEGMENTS=%d", res.Skipped)) {
		t.Fatalf("want one EXT-X-SKIP of %d segments:\n%s", res.Skipped, out)
	}
	if di.NextSequence != fi.NextSequence || di.Segments != fi.Segments-res.Skipped || di.TrailingParts != fi.TrailingParts {
		t.Fatalf("delta next %d segments %d parts %d, full %d %d %d", di.NextSequence, di.Segments, di.TrailingParts,
			fi.NextSequence, fi.Segments, fi.TrailingParts)
	}
	firstKept := fi.MediaSequence + int64(res.Skipped)
	var want []seen
	for _, s := range occurrences(t, full) {
		if s.Seq >= firstKept || s.Kind == KindRenditionReport {
			want = append(want, s)
		}
	}
	got := occurrences(t, out)
	if len(got) != len(want) {
		t.Fatalf("delta has %d occurrences after the skip, full %d:\n%s", len(got), len(want), out)
	}
	shift := int64(0)
	for i := range got {
		if got[i].Kind != KindRenditionReport {
			shift = want[i].Disc - got[i].Disc
			break
		}
	}
	for i := range got {
		g := got[i]
		if g.Kind != KindRenditionReport {
			g.Disc += shift
		}
		if g != want[i] {
			t.Fatalf("occurrence %d reads %+v in the delta, %+v in the full playlist:\n%s", i, g, want[i], out)
		}
	}
}

// live renders a sliding window: n segments of 2 s from first, CAN-SKIP-UNTIL 12.
func live(first, n int, extra func(b *strings.Builder, seq int)) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n"+
		"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12\n#EXT-X-MEDIA-SEQUENCE:%d\n", first)
	for s := first; s < first+n; s++ {
		if extra != nil {
			extra(&b, s)
		}
		fmt.Fprintf(&b, "#EXTINF:2.000,\nseg%d.ts\n", s)
	}
	return []byte(b.String())
}

func TestDeltaSkipsOnlyWholeSegmentsOlderThanTheSkipBoundary(t *testing.T) {
	full := live(100, 20, nil) // 40 s: segments ending at most 28 s in are 12 s from the end
	out, res := Delta(full, DeltaRequest{Skip: SkipSegments})
	if res.Skipped != 14 {
		t.Fatalf("skipped %d (%s), want 14:\n%s", res.Skipped, res.Reason, out)
	}
	checkExpands(t, full, out, res)
	if bytes.Contains(out, []byte("seg113.ts")) || !bytes.Contains(out, []byte("\nseg114.ts\n")) {
		t.Errorf("segments 100-113 are skipped, 114 on are listed:\n%s", out)
	}
	if !bytes.Contains(out, []byte("#EXT-X-VERSION:9\n")) || bytes.Contains(out, []byte("VERSION:6")) {
		t.Errorf("EXT-X-SKIP needs EXT-X-VERSION 9 (RFC 8216bis §8):\n%s", out)
	}
	if !bytes.Contains(out, []byte("CAN-SKIP-UNTIL=12")) {
		t.Errorf("the delta keeps the server control:\n%s", out)
	}
}

func TestDeltaOfAPlaylistThatCannotSkipIsTheFullPlaylist(t *testing.T) {
	for name, src := range map[string][]byte{
		"no CAN-SKIP-UNTIL": bytes.Replace(live(0, 20, nil), []byte(",CAN-SKIP-UNTIL=12"), nil, 1),
		"ended":             append(live(0, 20, nil), "#EXT-X-ENDLIST\n"...),
		"VOD":               bytes.Replace(live(0, 20, nil), []byte("#EXT-X-TARGETDURATION:2\n"), []byte("#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"), 1),
		"too short":         live(0, 6, nil), // 12 s: nothing ends 12 s before the end
		"already a delta":   bytes.Replace(live(0, 20, nil), []byte("#EXTINF"), []byte("#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n#EXTINF"), 1),
		"master":            []byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n"),
		"malformed":         []byte("#EXTINF:2,\nseg.ts\n"),
	} {
		for _, skip := range []string{SkipSegments, SkipDateRanges} {
			out, res := Delta(src, DeltaRequest{Skip: skip})
			if res.Skipped != 0 || !bytes.Equal(out, src) || res.Reason == "" {
				t.Errorf("%s, %s: skipped %d (%q), want the full playlist unchanged:\n%s", name, skip, res.Skipped, res.Reason, out)
			}
		}
	}
}

func TestDeltaRepeatsTheKeyMapAndBitrateInForceForTheFirstRetainedSegment(t *testing.T) {
	full := live(0, 20, func(b *strings.Builder, s int) {
		switch s {
		case 0:
			b.WriteString("#EXT-X-KEY:METHOD=AES-128,URI=\"k0.key\"\n#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://x\",KEYFORMAT=\"com.apple.streamingkeydelivery\"\n" +
				"#EXT-X-MAP:URI=\"init0.mp4\"\n#EXT-X-BITRATE:800\n")
		case 5:
			b.WriteString("#EXT-X-DISCONTINUITY\n#EXT-X-KEY:METHOD=AES-128,URI=\"k5.key\",IV=0x00000000000000000000000000000005\n")
		case 9:
			b.WriteString("#EXT-X-BITRATE:900\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:18Z\n")
		}
	})
	out, res := Delta(full, DeltaRequest{Skip: SkipSegments})
	if res.Skipped != 14 {
		t.Fatalf("skipped %d (%s)", res.Skipped, res.Reason)
	}
	checkExpands(t, full, out, res)
	for _, line := range []string{`k5.key`, `skd://x`, `#EXT-X-MAP:URI="init0.mp4"`, "#EXT-X-BITRATE:900"} {
		if !bytes.Contains(out, []byte(line)) {
			t.Errorf("%s is in force for segment 14 and must follow the EXT-X-SKIP:\n%s", line, out)
		}
	}
	// k0.key stays: the map was declared under it, so it is the map's key.
	for _, gone := range []string{"BITRATE:800", "PROGRAM-DATE-TIME", "DISCONTINUITY\n"} {
		if bytes.Contains(out, []byte(gone)) {
			t.Errorf("%s belongs to skipped segments only:\n%s", gone, out)
		}
	}
}

func TestDeltaRestoresTheKeyAMapWasDeclaredUnderAndAClearingNone(t *testing.T) {
	full := live(0, 20, func(b *strings.Builder, s int) {
		switch s {
		case 0:
			b.WriteString("#EXT-X-KEY:METHOD=AES-128,URI=\"k0.key\",IV=0x1\n#EXT-X-MAP:URI=\"init.mp4\"\n")
		case 3:
			b.WriteString("#EXT-X-KEY:METHOD=NONE\n")
		}
	})
	out, res := Delta(full, DeltaRequest{Skip: SkipSegments})
	checkExpands(t, full, out, res) // the map stays under k0, the segments clear
}

func TestDeltaGivesBackSegmentsWhoseByteRangeContinuesASkippedOne(t *testing.T) {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12\n")
	for s := range 20 {
		if s%4 == 0 {
			fmt.Fprintf(&b, "#EXT-X-BYTERANGE:100@0\n#EXTINF:2,\nall%d.ts\n", s/4)
		} else {
			fmt.Fprintf(&b, "#EXT-X-BYTERANGE:100\n#EXTINF:2,\nall%d.ts\n", s/4)
		}
	}
	full := []byte(b.String())
	out, res := Delta(full, DeltaRequest{Skip: SkipSegments})
	if res.Skipped != 12 {
		t.Fatalf("skipped %d (%s), want 12: segment 12 is the last one with an explicit offset before 14:\n%s", res.Skipped, res.Reason, out)
	}
	checkExpands(t, full, out, res)
}

func TestDeltaKeepsLineEndingsAndPartsAfterTheSkip(t *testing.T) {
	full := live(0, 20, func(b *strings.Builder, s int) {
		if s >= 18 {
			for k := range 4 {
				fmt.Fprintf(b, "#EXT-X-PART:DURATION=0.5,URI=\"p%d.%d.ts\"\n", s, k)
			}
		}
	})
	full = append(full, "#EXT-X-PART:DURATION=0.5,URI=\"p20.0.ts\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p20.1.ts\"\n#EXT-X-RENDITION-REPORT:URI=\"../b/i.m3u8\",LAST-MSN=20\n"...)
	full = bytes.Replace(full, []byte("#EXT-X-TARGETDURATION:2\n"), []byte("#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n"), 1)
	crlf := bytes.ReplaceAll(full, []byte("\n"), []byte("\r\n"))
	for _, src := range [][]byte{full, crlf, bytes.TrimSuffix(full, []byte("\n"))} {
		out, res := Delta(src, DeltaRequest{Skip: SkipSegments})
		checkExpands(t, src, out, res)
		if bytes.Equal(src, crlf) != (bytes.Count(out, []byte("\r\n")) == bytes.Count(out, []byte("\n"))) {
			t.Errorf("line endings changed:\n%q", out)
		}
		if bytes.HasSuffix(src, []byte("\n")) != bytes.HasSuffix(out, []byte("\n")) {
			t.Errorf("final line ending changed:\n%q", out)
		}
	}
}

// dateRanged is a live window with three date ranges: old (first seen 60
// s ago, in the skipped span), updated (an old ID with a new attribute list,
// seen 2 s ago) and recent.
func dateRanged() ([]byte, *DateRangeHistory, time.Time) {
	now := time.Date(2026, 1, 1, 0, 1, 0, 0, time.UTC)
	full := live(0, 20, func(b *strings.Builder, s int) {
		switch s {
		case 2:
			b.WriteString(`#EXT-X-DATERANGE:ID="old",START-DATE="2026-01-01T00:00:04Z"` + "\n")
		case 3:
			b.WriteString(`#EXT-X-DATERANGE:ID="old",START-DATE="2026-01-01T00:00:04Z",END-DATE="2026-01-01T00:00:08Z"` + "\n")
		case 17:
			b.WriteString(`#EXT-X-DATERANGE:ID="recent",START-DATE="2026-01-01T00:00:34Z"` + "\n")
		}
	})
	full = bytes.Replace(full, []byte("CAN-SKIP-UNTIL=12"), []byte("CAN-SKIP-UNTIL=12,CAN-SKIP-DATERANGES=YES"), 1)
	h := &DateRangeHistory{Since: now.Add(-5 * time.Minute), Added: map[DateRange]time.Time{
		{ID: "old", Attrs: `ID="old",START-DATE="2026-01-01T00:00:04Z"`}:                                 now.Add(-60 * time.Second),
		{ID: "old", Attrs: `ID="old",START-DATE="2026-01-01T00:00:04Z",END-DATE="2026-01-01T00:00:08Z"`}: now.Add(-2 * time.Second),
		{ID: "recent", Attrs: `ID="recent",START-DATE="2026-01-01T00:00:34Z"`}:                           now.Add(-time.Second),
	}, Removed: []RemovedDateRange{{ID: "long-gone", At: now.Add(-time.Minute)}, {ID: "gone", At: now.Add(-3 * time.Second)}}}
	return full, h, now
}

func TestDeltaV2SkipsDateRangesAddedBeforeTheBoundaryAndListsTheRecentlyRemoved(t *testing.T) {
	full, h, now := dateRanged()
	out, res := Delta(full, DeltaRequest{Skip: SkipDateRanges, History: h, Now: now})
	if res.Skipped != 14 || !res.DateRanges {
		t.Fatalf("%+v:\n%s", res, out)
	}
	checkExpands(t, full, out, res)
	if bytes.Contains(out, []byte(`ID="old",START-DATE="2026-01-01T00:00:04Z"`+"\n")) {
		t.Errorf("the date range added 60 s ago (> CAN-SKIP-UNTIL) must not be in a v2 delta:\n%s", out)
	}
	for _, kept := range []string{`END-DATE="2026-01-01T00:00:08Z"`, `ID="recent"`, `RECENTLY-REMOVED-DATERANGES="gone"`, "#EXT-X-VERSION:10\n"} {
		if !bytes.Contains(out, []byte(kept)) {
			t.Errorf("want %s in the v2 delta:\n%s", kept, out)
		}
	}
	if bytes.Contains(out, []byte("long-gone")) {
		t.Errorf("an ID removed more than CAN-SKIP-UNTIL ago is not recent:\n%s", out)
	}
}

func TestDeltaYESKeepsEveryDateRange(t *testing.T) {
	full, h, now := dateRanged()
	out, res := Delta(full, DeltaRequest{Skip: SkipSegments, History: h, Now: now})
	checkExpands(t, full, out, res)
	if res.DateRanges || bytes.Count(out, []byte("#EXT-X-DATERANGE")) != 3 || bytes.Contains(out, []byte("RECENTLY-REMOVED")) {
		t.Errorf("YES skips segments only:\n%s", out)
	}
}

func TestDeltaV2WithoutEnoughHistoryIsTheFullPlaylistAndWithoutCanSkipDateRangesIsYES(t *testing.T) {
	full, h, now := dateRanged()
	short := *h
	short.Since = now.Add(-11 * time.Second)
	for name, hist := range map[string]*DateRangeHistory{"none": nil, "11 s of 12": &short} {
		if out, res := Delta(full, DeltaRequest{Skip: SkipDateRanges, History: hist, Now: now}); res.Skipped != 0 || !bytes.Equal(out, full) {
			t.Errorf("history %s: a v2 delta could keep a date range it must not, or miss a removal: want the full playlist, got %+v", name, res)
		}
	}
	yes := bytes.Replace(full, []byte(",CAN-SKIP-DATERANGES=YES"), nil, 1)
	out, res := Delta(yes, DeltaRequest{Skip: SkipDateRanges, Now: now})
	checkExpands(t, yes, out, res)
	if res.Skipped == 0 || res.DateRanges || bytes.Contains(out, []byte("RECENTLY-REMOVED")) {
		t.Errorf("v2 without CAN-SKIP-DATERANGES is answered as YES: %+v\n%s", res, out)
	}
	h.Removed = append(h.Removed, RemovedDateRange{ID: "tab\there", At: now})
	if out, res := Delta(full, DeltaRequest{Skip: SkipDateRanges, History: h, Now: now}); res.Skipped != 0 || !bytes.Equal(out, full) {
		t.Errorf("a removed ID with a tab cannot be listed: want the full playlist, got %+v", res)
	}
}
