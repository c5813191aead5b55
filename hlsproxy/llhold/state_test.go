package llhold

import (
	"errors"
	"net/url"
	"testing"

	"github.com/mediagate/caddy-mediagate/hlsproxy/playlist"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
)

// segment 10 and 11 complete (11 with 4 parts), two parts of 12 listed.
const llPlaylist = "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:1\n#EXT-X-PART-INF:PART-TARGET=0.25\n" +
	"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.75\n#EXT-X-MEDIA-SEQUENCE:10\n" +
	"#EXTINF:1,\ns10.ts\n" +
	"#EXT-X-PART:DURATION=0.25,URI=\"p11.0.ts\"\n#EXT-X-PART:DURATION=0.25,URI=\"p11.1.ts\"\n" +
	"#EXT-X-PART:DURATION=0.25,URI=\"p11.2.ts\"\n#EXT-X-PART:DURATION=0.25,URI=\"p11.3.ts\"\n#EXTINF:1,\ns11.ts\n" +
	"#EXT-X-PART:DURATION=0.25,URI=\"p12.0.ts\"\n#EXT-X-PART:DURATION=0.25,URI=\"p12.1.ts\"\n" +
	"#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p12.2.ts\"\n"

func llState(t *testing.T) State {
	t.Helper()
	info, err := playlist.Analyze([]byte(llPlaylist))
	if err != nil {
		t.Fatal(err)
	}
	return StateOf(info)
}

func TestStateOfCountsTheTrailingPartsOfTheSegmentInProgress(t *testing.T) {
	s := llState(t)
	if s.Next != 12 || s.Trailing != 2 || s.PartTarget != 0.25 || s.Target != 1 || s.Ended {
		t.Fatalf("state %+v, want next 12, 2 trailing parts, targets 1/0.25, live", s)
	}
}

func TestHasAnswersCompleteSegmentsAndListedPartsOnly(t *testing.T) {
	s := llState(t)
	cases := []struct {
		w    Want
		want bool
	}{
		{Want{11, -1}, true}, {Want{12, -1}, false}, {Want{12, 0}, true}, {Want{12, 1}, true},
		{Want{12, 2}, false}, {Want{13, 0}, false}, {Want{11, 3}, true}, {Want{0, -1}, true},
	}
	for _, c := range cases {
		if got := s.Has(c.w); got != c.want {
			t.Errorf("Has(%+v) = %v, want %v", c.w, got, c.want)
		}
	}
	s.Ended = true
	if !s.Has(Want{1 << 40, 3}) {
		t.Error("an ended playlist must answer every want at once")
	}
}

func TestCheckRefusesWhatRFC8216bisAnswersWith400(t *testing.T) {
	s := llState(t)
	ok := []Want{{12, 2}, {13, -1}, {13, 0}, {13, 5}, {11, 3}, {12, -1}, {12, 8}}
	for _, w := range ok {
		if err := s.Check(w); err != nil {
			t.Errorf("Check(%+v) = %v, want a hold", w, err)
		}
	}
	far := []Want{{14, -1}, {14, 0}, {1 << 62, -1}}
	for _, w := range far {
		if err := s.Check(w); !errors.Is(err, delivery.ErrTooFarAhead) {
			t.Errorf("Check(%+v) = %v, want ErrTooFarAhead", w, err)
		}
	}
	// a part no segment has (a 1 s segment of 0.25 s parts has fewer than 9),
	// or more than the Advance Part Limit (3/0.25 = 12 parts) past the last listed.
	parts := []Want{{12, 9}, {12, 1 << 62}, {11, 9}}
	for _, w := range parts {
		if err := s.Check(w); !errors.Is(err, ErrPartTooFarAhead) {
			t.Errorf("Check(%+v) = %v, want ErrPartTooFarAhead", w, err)
		}
	}
	s.Trailing = 0 // 13 parts past the last (segment 11's): beyond the limit
	if err := s.Check(Want{13, 8}); !errors.Is(err, ErrPartTooFarAhead) {
		t.Errorf("Check(13, 8) with no part of 12 listed = %v, want ErrPartTooFarAhead", err)
	}
}

func TestWantOfReadsCanonicalDirectives(t *testing.T) {
	for q, want := range map[string]Want{"_HLS_msn=5": {5, -1}, "_HLS_msn=5&_HLS_part=0": {5, 0}} {
		d, err := delivery.ParseDirectives(q)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := WantOf(d); !ok || got != want {
			t.Errorf("WantOf(%s) = %+v %v, want %+v", q, got, ok, want)
		}
	}
	if _, ok := WantOf(url.Values{"_HLS_skip": {"YES"}}); ok {
		t.Error("a skip alone is no blocking reload")
	}
}
