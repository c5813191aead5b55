package testutil

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// LLHLS is a stand-in LL-HLS packager: no packager that implements RFC
// 8216bis blocking reloads installs here (Debian has no gpac, ffmpeg's hls
// muxer writes no parts), so this test server follows the server side of
// RFC 8216bis §6.2.5 itself, for one rendition at /live/index.m3u8:
//
//   - _HLS_msn=M holds the answer until the playlist holds segment M, and
//     _HLS_msn=M&_HLS_part=P until it holds part P of segment M (or a later
//     one); M beyond the last segment + 2 is a 400 (held like any other
//     under Lax), _HLS_part alone a 400;
//     a hold longer than Hold answers 503.
//   - _HLS_skip=YES answers a delta playlist (EXT-X-SKIP) of the last two
//     segments; CAN-SKIP-UNTIL is advertised.
//   - Media advances only when the test calls Publish (one part each), so
//     the tests decide when a blocked reload may complete.
//
// Segment and part bodies are short placeholders, not media.
type LLHLS struct {
	URL string // base URL; the playlist is URL + "/live/index.m3u8"
	// Hold bounds how long the server itself holds a blocking reload
	// (default 3 target durations, as RFC 8216bis lets clients give up).
	Hold time.Duration
	// Lax holds any _HLS_msn instead of answering 400 for one beyond the
	// last segment + 2: a packager that skips that check of RFC 8216bis,
	// as the origin of issue 24 (finding 6) did. Set it before requests.
	Lax bool

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every Publish
	done    int           // complete segments: 0 .. done-1
	parts   int           // parts of segment done published so far
	queries []string      // raw queries of playlist requests, in order
	srv     *httptest.Server
}

// LLHLS timing: target duration 1 s, four parts of 0.25 s a segment.
const (
	llTarget       = 1
	llPartsPerSeg  = 4
	llPartTarget   = "0.25"
	llWindow       = 6 // complete segments listed
	llPartsOfLastN = 2 // complete segments whose parts are still listed
)

// StartLLHLS starts the stand-in with segments complete segments already
// published; it stops at t.Cleanup.
func StartLLHLS(t testing.TB, segments int) *LLHLS {
	t.Helper()
	s := &LLHLS{Hold: 3 * llTarget * time.Second, changed: make(chan struct{}), done: segments}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Publish completes one more part (every fourth completes a segment).
func (s *LLHLS) Publish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parts++
	if s.parts == llPartsPerSeg {
		s.done, s.parts = s.done+1, 0
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

// LastMSN is the media sequence number of the last complete segment.
func (s *LLHLS) LastMSN() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.done - 1
}

// Queries returns the raw query strings of the playlist requests so far.
func (s *LLHLS) Queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.queries...)
}

func (s *LLHLS) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/live/index.m3u8" {
		if strings.HasPrefix(r.URL.Path, "/live/") && strings.HasSuffix(r.URL.Path, ".ts") {
			w.Header().Set("Content-Type", "video/mp2t")
			fmt.Fprintf(w, "media %s", r.URL.Path)
			return
		}
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	s.queries = append(s.queries, r.URL.RawQuery)
	s.mu.Unlock()
	msn, part := -1, -1
	var err error
	if v := q.Get("_HLS_msn"); v != "" {
		if msn, err = strconv.Atoi(v); err != nil || msn < 0 {
			http.Error(w, "bad _HLS_msn", http.StatusBadRequest)
			return
		}
	}
	if v := q.Get("_HLS_part"); v != "" {
		if part, err = strconv.Atoi(v); err != nil || part < 0 || msn < 0 {
			http.Error(w, "_HLS_part needs _HLS_msn", http.StatusBadRequest)
			return
		}
	}
	deadline := time.NewTimer(s.Hold)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if msn > s.done+1 && !s.Lax { // beyond the last segment (done-1) plus two
			s.mu.Unlock()
			http.Error(w, "_HLS_msn too far ahead", http.StatusBadRequest)
			return
		}
		if msn < 0 || s.holds(msn, part) {
			body := s.playlist(q.Get("_HLS_skip") == "YES")
			s.mu.Unlock()
			w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
			_, _ = w.Write([]byte(body))
			return
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			http.Error(w, "blocking reload timed out", http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			return
		}
	}
}

// holds reports whether the current playlist holds segment msn (part < 0)
// or part part of segment msn. Caller holds s.mu.
func (s *LLHLS) holds(msn, part int) bool {
	if msn < s.done {
		return true
	}
	return msn == s.done && part >= 0 && part < s.parts
}

// playlist renders the current playlist. Caller holds s.mu.
func (s *LLHLS) playlist(skip bool) string {
	first := max(0, s.done-llWindow)
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:%d\n", llTarget)
	fmt.Fprintf(&b, "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.75,CAN-SKIP-UNTIL=%d\n", 3*llTarget)
	fmt.Fprintf(&b, "#EXT-X-PART-INF:PART-TARGET=%s\n#EXT-X-MEDIA-SEQUENCE:%d\n", llPartTarget, first)
	start := first
	if skip && s.done-first > 2 {
		start = s.done - 2
		fmt.Fprintf(&b, "#EXT-X-SKIP:SKIPPED-SEGMENTS=%d\n", start-first)
	}
	for seq := start; seq < s.done; seq++ {
		if seq >= s.done-llPartsOfLastN {
			s.writeParts(&b, seq, llPartsPerSeg)
		}
		fmt.Fprintf(&b, "#EXTINF:%d.000,\nseg%d.ts\n", llTarget, seq)
	}
	s.writeParts(&b, s.done, s.parts)
	fmt.Fprintf(&b, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part%d.%d.ts\"\n", s.done, s.parts)
	fmt.Fprintf(&b, "#EXT-X-RENDITION-REPORT:URI=\"../lo/index.m3u8\",LAST-MSN=%d,LAST-PART=%d\n", s.done-1, llPartsPerSeg-1)
	return b.String()
}

func (s *LLHLS) writeParts(b *strings.Builder, seq, n int) {
	for p := 0; p < n; p++ {
		indep := ""
		if p == 0 {
			indep = ",INDEPENDENT=YES"
		}
		fmt.Fprintf(b, "#EXT-X-PART:DURATION=%s,URI=\"part%d.%d.ts\"%s\n", llPartTarget, seq, p, indep)
	}
}
