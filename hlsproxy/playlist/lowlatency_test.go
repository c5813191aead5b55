package playlist

import (
	"strings"
	"testing"
)

const llhls = "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-VERSION:9\r\n" +
	"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES, PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24,HOLD-BACK=12\r\n" +
	"#EXT-X-PART-INF:PART-TARGET=1.004\r\n#EXT-X-MEDIA-SEQUENCE:266\r\n#EXT-X-DISCONTINUITY-SEQUENCE:3\r\n" +
	"#EXTINF:4.0,\r\nfileSequence266.mp4\r\n" +
	"#EXT-X-PART:DURATION=1.0,URI=\"filePart267.0.mp4\",INDEPENDENT=YES\r\n" +
	"#EXT-X-PART:DURATION=1.0,URI=\"filePart267.1.mp4\"\r\n" +
	"#EXTINF:2.0,\r\nfileSequence267.mp4\r\n" +
	"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"filePart268.0.mp4\"\r\n" +
	"#EXT-X-RENDITION-REPORT:URI=\"../lo/idx.m3u8\",LAST-MSN=267,LAST-PART=1\r\n"

func TestDropPartsLeavesOnlyFullSegmentsAndEveryOtherByte(t *testing.T) {
	var offered []URIKind
	out, info, err := Rewrite([]byte(llhls), Options{DropParts: true, MapURI: func(c *URIContext) string {
		offered = append(offered, c.Kind)
		return c.URI
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := llhls
	for _, line := range []string{
		"#EXT-X-PART-INF:PART-TARGET=1.004\r\n",
		"#EXT-X-PART:DURATION=1.0,URI=\"filePart267.0.mp4\",INDEPENDENT=YES\r\n",
		"#EXT-X-PART:DURATION=1.0,URI=\"filePart267.1.mp4\"\r\n",
		"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"filePart268.0.mp4\"\r\n",
	} {
		want = strings.Replace(want, line, "", 1)
	}
	if string(out) != want {
		t.Fatalf("got:\n%q\nwant:\n%q", out, want)
	}
	for _, k := range offered {
		if k == KindPart || k == KindPreloadHint {
			t.Errorf("a dropped %s URI was offered to MapURI", k)
		}
	}
	if info.Parts != 2 || info.PartTarget != 1.004 || info.MediaSequence != 266 || info.DiscontinuitySequence != 3 {
		t.Errorf("info of the input: parts %d, part target %v, msn %d, dsn %d", info.Parts, info.PartTarget, info.MediaSequence, info.DiscontinuitySequence)
	}
}

func TestDropServerControlRemovesOnlyTheNamedAttributes(t *testing.T) {
	cases := []struct {
		drop []string
		want string // the new SERVER-CONTROL line, "" when it goes
	}{
		{[]string{"CAN-BLOCK-RELOAD"}, "#EXT-X-SERVER-CONTROL:PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24,HOLD-BACK=12\r\n"},
		{[]string{"CAN-BLOCK-RELOAD", "CAN-SKIP-UNTIL"}, "#EXT-X-SERVER-CONTROL:PART-HOLD-BACK=3.0,HOLD-BACK=12\r\n"},
		{[]string{"CAN-BLOCK-RELOAD", "PART-HOLD-BACK", "CAN-SKIP-UNTIL", "HOLD-BACK"}, ""},
		{[]string{"CAN-SKIP-DATERANGES"}, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES, PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24,HOLD-BACK=12\r\n"},
	}
	const orig = "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES, PART-HOLD-BACK=3.0,CAN-SKIP-UNTIL=24,HOLD-BACK=12\r\n"
	for _, tc := range cases {
		out, info, err := Rewrite([]byte(llhls), Options{DropServerControl: tc.drop})
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Replace(llhls, orig, tc.want, 1); string(out) != want {
			t.Errorf("drop %v: got\n%q\nwant\n%q", tc.drop, out, want)
		}
		if !info.CanBlockReload || info.CanSkipUntil != 24 {
			t.Errorf("info must describe the input: block %v, skip %v", info.CanBlockReload, info.CanSkipUntil)
		}
	}
	// A quoted value keeps its quotes.
	src := "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,X-VENDOR=\"a,b\"\n#EXTINF:4,\ns.ts\n"
	out, _, err := Rewrite([]byte(src), Options{DropServerControl: []string{"CAN-BLOCK-RELOAD"}})
	if err != nil || !strings.Contains(string(out), "\n#EXT-X-SERVER-CONTROL:X-VENDOR=\"a,b\"\n") {
		t.Fatalf("quoted attribute: %v\n%s", err, out)
	}
}

func TestSequenceNumbersAndDeltaPlaylistsPassThroughUnchanged(t *testing.T) {
	delta := "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:4\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=24\n" +
		"#EXT-X-MEDIA-SEQUENCE:1000\n#EXT-X-DISCONTINUITY-SEQUENCE:41\n#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n" +
		"#EXTINF:4,\nseg1006.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:4,\nseg1007.ts\n"
	var seqs, discs []int64
	out, info, err := Rewrite([]byte(delta), Options{MapURI: func(c *URIContext) string {
		seqs, discs = append(seqs, c.SeqNo), append(discs, c.Discontinuity)
		return "/hls/a/" + c.URI + "?t=1"
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"#EXT-X-MEDIA-SEQUENCE:1000\n", "#EXT-X-DISCONTINUITY-SEQUENCE:41\n", "#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n", "#EXT-X-DISCONTINUITY\n"} {
		if !strings.Contains(string(out), line) {
			t.Errorf("%q changed:\n%s", line, out)
		}
	}
	if len(seqs) != 2 || seqs[0] != 1006 || seqs[1] != 1007 || discs[0] != 41 || discs[1] != 42 {
		t.Errorf("segments numbered %v, discontinuities %v: want [1006 1007] after the skip, [41 42]", seqs, discs)
	}
	if info.MediaSequence != 1000 || info.DiscontinuitySequence != 41 {
		t.Errorf("info: %d %d", info.MediaSequence, info.DiscontinuitySequence)
	}
}
