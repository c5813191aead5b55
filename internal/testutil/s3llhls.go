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
	Window int    // complete segments the playlist lists; 0: six (too few to skip any)
}

// Publish writes the next part (every fourth completes a segment) and the
// playlist; it returns the part's segment and index, and when the
// playlist listing it was in the bucket (the PutObject returned).
func (p *S3LLPackager) Publish(t testing.TB) (msn, part int, at time.Time) {
	t.Helper()
	dir := p.Key[:strings.LastIndex(p.Key, "/")+1]
	msn, part = p.Done, p.Parts
	p.VGW.PutObject(t, p.Bucket, fmt.Sprintf("%spart%d.%d.ts", dir, msn, part), []byte("part"), "video/mp2t", nil)
	if p.Parts++; p.Parts == 4 {
		p.VGW.PutObject(t, p.Bucket, fmt.Sprintf("%sseg%d.ts", dir, msn), []byte("segment"), "video/mp2t", nil)
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
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n" +
		"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=12\n")
	window := p.Window
	if window == 0 {
		window = 6
	}
	first := max(0, p.Done-window)
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", first)
	for s := first; s < p.Done; s++ {
		if s >= p.Done-2 {
			for k := range 4 {
				fmt.Fprintf(&b, "#EXT-X-PART:DURATION=0.5,URI=\"part%d.%d.ts\"\n", s, k)
			}
		}
		fmt.Fprintf(&b, "#EXTINF:2.0,\nseg%d.ts\n", s)
	}
	for k := range p.Parts {
		fmt.Fprintf(&b, "#EXT-X-PART:DURATION=0.5,URI=\"part%d.%d.ts\"\n", p.Done, k)
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
