package playlist

import "testing"

// NextSequence is what a blocking reload's _HLS_msn is measured against:
// after the skipped segments of a delta update and the listed ones.
func TestNextSequenceCountsSkippedAndListedSegments(t *testing.T) {
	cases := []struct {
		src  string
		want int64
	}{
		{"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:40\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n", 42},
		{"#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:40\n#EXT-X-SKIP:SKIPPED-SEGMENTS=5\n#EXTINF:2,\nc.ts\n#EXT-X-PART:DURATION=1,URI=\"p.ts\"\n", 46},
		{"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\na.ts\n", 1},
	}
	for _, tc := range cases {
		info, err := Analyze([]byte(tc.src))
		if err != nil {
			t.Errorf("%v for\n%s", err, tc.src)
		} else if info.NextSequence != tc.want {
			t.Errorf("NextSequence = %d, want %d for\n%s", info.NextSequence, tc.want, tc.src)
		}
	}
}

// A blocking reload for a part is measured against the parts of the
// segment in progress: those after the last URI line.
func TestTrailingPartsAreThePartsAfterTheLastSegment(t *testing.T) {
	src := "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=1\n#EXT-X-MEDIA-SEQUENCE:40\n" +
		"#EXT-X-PART:DURATION=1,URI=\"p40.0.ts\"\n#EXT-X-PART:DURATION=1,URI=\"p40.1.ts\"\n#EXTINF:2,\na.ts\n" +
		"#EXT-X-PART:DURATION=1,URI=\"p41.0.ts\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p41.1.ts\"\n"
	info, err := Analyze([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if info.TrailingParts != 1 || info.NextSequence != 41 {
		t.Errorf("trailing parts %d, next %d; want 1, 41", info.TrailingParts, info.NextSequence)
	}
}
