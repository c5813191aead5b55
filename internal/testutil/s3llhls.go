package testutil

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// S3LLPackager writes an LL-HLS rendition into a versitygw bucket through
// the S3 API, as a packager writing into plain object storage does: target
// duration 2 s, four parts of 0.5 s a segment, a part's object before the
// playlist that lists it, the playlist replaced with one PutObject. The
// test calls Publish (every 0.5 s for real time) and decides the pace.
type S3LLPackager struct {
	VGW    *VGW
	Bucket string
	Key    string // the playlist's object key; parts and segments beside it
	Done   int    // complete segments 0 .. Done-1
	Parts  int    // parts of segment Done published
	// Media, when set, is the body of every part in order (RealLLParts): part
	// k of segment s is Media[4s+k], a segment its four parts; without it
	// bodies are placeholders. Publishing past its end fails the test.
	Media [][]byte
	// Epoch, when set, is the wall-clock time of media time 0: segment s
	// carries EXT-X-PROGRAM-DATE-TIME Epoch + 2s seconds (publish part i at
	// Epoch + 0.5(i+1) for a live encoder's timing).
	Epoch  time.Time
	Window int // complete segments the playlist lists; 0: six (too few to skip any)
	// DateRanges, with Epoch, opens every listed segment with an
	// EXT-X-DATERANGE (ID "s<N>", START-DATE its program date, DURATION 2)
	// and adds CAN-SKIP-DATERANGES=YES, so a player asks _HLS_skip=v2.
	DateRanges bool
}

// body is part k of segment s, or a placeholder.
func (p *S3LLPackager) body(t testing.TB, s, k int, placeholder string) []byte {
	if p.Media == nil {
		return []byte(placeholder)
	}
	if 4*s+k >= len(p.Media) {
		t.Fatalf("S3LLPackager: part %d.%d is past the %d parts of media", s, k, len(p.Media))
	}
	return p.Media[4*s+k]
}

// Publish writes the next part (every fourth completes a segment) and the
// playlist; it returns the part's segment and index, and when the
// playlist listing it was in the bucket (the PutObject returned).
func (p *S3LLPackager) Publish(t testing.TB) (msn, part int, at time.Time) {
	t.Helper()
	dir := p.Key[:strings.LastIndex(p.Key, "/")+1]
	msn, part = p.Done, p.Parts
	p.VGW.PutObject(t, p.Bucket, fmt.Sprintf("%spart%d.%d.ts", dir, msn, part), p.body(t, msn, part, "part"), "video/mp2t", nil)
	if p.Parts++; p.Parts == 4 {
		var seg []byte
		for k := range 4 {
			seg = append(seg, p.body(t, msn, k, "")...)
		}
		if p.Media == nil {
			seg = []byte("segment")
		}
		p.VGW.PutObject(t, p.Bucket, fmt.Sprintf("%sseg%d.ts", dir, msn), seg, "video/mp2t", nil)
		p.Done, p.Parts = p.Done+1, 0
	}
	p.VGW.PutObject(t, p.Bucket, p.Key, []byte(p.Playlist()), "application/vnd.apple.mpegurl", nil)
	return msn, part, time.Now()
}

// Playlist renders the current playlist: six complete segments (Window),
// the parts of the last two and of the segment in progress, a preload hint.
// CAN-SKIP-UNTIL is 12 s: with a Window of 7 or more, the oldest segments
// can be skipped.
func (p *S3LLPackager) Playlist() string {
	var b strings.Builder
	dateRanges := p.DateRanges && !p.Epoch.IsZero()
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n" +
		"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=12")
	if dateRanges {
		b.WriteString(",CAN-SKIP-DATERANGES=YES")
	}
	b.WriteString("\n")
	window := p.Window
	if window == 0 {
		window = 6
	}
	first := max(0, p.Done-window)
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", first)
	indep := ""
	if p.Media != nil {
		indep = ",INDEPENDENT=YES" // every real part opens with a keyframe
	}
	for s := first; s <= p.Done; s++ {
		if !p.Epoch.IsZero() && (s < p.Done || p.Parts > 0) {
			date := p.Epoch.Add(time.Duration(s) * 2 * time.Second).UTC().Format("2006-01-02T15:04:05.000Z")
			if dateRanges {
				fmt.Fprintf(&b, "#EXT-X-DATERANGE:ID=\"s%d\",START-DATE=\"%s\",DURATION=2.0\n", s, date)
			}
			fmt.Fprintf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", date)
		}
		if s >= p.Done-2 {
			for k := range min(4, p.Parts+4*(p.Done-s)) {
				fmt.Fprintf(&b, "#EXT-X-PART:DURATION=0.5,URI=\"part%d.%d.ts\"%s\n", s, k, indep)
			}
		}
		if s < p.Done {
			fmt.Fprintf(&b, "#EXTINF:2.0,\nseg%d.ts\n", s)
		}
	}
	fmt.Fprintf(&b, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part%d.%d.ts\"\n", p.Done, p.Parts)
	return b.String()
}

// GETs counts the GETs of the playlist object in the gateway's request log
// (VGWOptions.RequestLog).
func (p *S3LLPackager) GETs() int {
	n := 0
	for l := range strings.SplitSeq(p.VGW.Output(), "\n") {
		if strings.Contains(l, "| GET |") && strings.Contains(l, "/"+p.Bucket+"/"+p.Key+" ") {
			n++
		}
	}
	return n
}
