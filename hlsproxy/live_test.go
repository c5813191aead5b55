package hlsproxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// These tests drive the handler directly (no Caddy listener) so that the
// caches' clock (nowFunc) can be a fake one. They change nowFunc: none of
// them runs in parallel.

func useFakeClock(t *testing.T) *testutil.FakeClock {
	c := testutil.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	old := nowFunc
	nowFunc = c.Now
	t.Cleanup(func() { nowFunc = old })
	return c
}

// provisioned provisions h the way Caddy would.
func provisionedLive(t *testing.T, h *Handler) *Handler {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	return h
}

// answer is what a client received.
type answer struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, h *Handler, target string) answer {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
	w := httptest.NewRecorder()
	if err := h.ServeHTTP(w, r, nil); err != nil {
		var he caddyhttp.HandlerError
		if !errors.As(err, &he) {
			t.Fatalf("%s: %v", target, err)
		}
		return answer{status: he.StatusCode, header: w.Header(), body: err.Error()}
	}
	return answer{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// slidingOrigin is an HTTP packager's live playlist: every origin request
// sees the window one segment further on; segments that slid out are 404.
type slidingOrigin struct {
	srv     *httptest.Server
	fetches atomic.Int64
	first   atomic.Int64
	endlist bool
}

func startSliding(t *testing.T, endlist bool) *slidingOrigin {
	o := &slidingOrigin{endlist: endlist}
	o.first.Store(100)
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := o.first.Load()
		if r.URL.Path == "/media/live/index.m3u8" {
			o.fetches.Add(1)
			fmt.Fprintf(w, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:%d\n#EXT-X-DISCONTINUITY-SEQUENCE:7\n", first)
			for i := first; i < first+3; i++ {
				fmt.Fprintf(w, "#EXTINF:4.000,\nseg%d.ts\n", i)
			}
			if o.endlist {
				fmt.Fprint(w, "#EXT-X-ENDLIST\n")
			}
			o.first.Add(1)
			return
		}
		var n int64
		if _, err := fmt.Sscanf(r.URL.Path, "/media/live/seg%d.ts", &n); err != nil || n < first-1 || n >= first+3 {
			http.NotFound(w, r) // slid out of the window (or not written yet)
			return
		}
		w.Write([]byte(strings.Repeat("segment-bytes-", 50)))
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func liveHandler(o *httptest.Server, mode string) *Handler {
	return &Handler{
		Origins:     []OriginConfig{{URL: o.URL + "/media"}},
		StripPrefix: "/hls", Encryption: mode, KeySecret: "live-test-key-secret-0123456789",
		Timeout: caddy.Duration(time.Second),
	}
}

func TestLivePlaylistIsNeverServedOlderThanHalfATargetDuration(t *testing.T) {
	clock := useFakeClock(t)
	o := startSliding(t, false)
	h := provisionedLive(t, liveHandler(o.srv, "passthrough"))
	steps := []struct {
		after        time.Duration // clock advance before the request
		fetches      int64         // origin playlist fetches so far
		cacheControl string
	}{
		{0, 1, "private, max-age=2"}, // target duration 4 s: reused for 2 s
		{time.Second, 1, "private, max-age=1"},
		{900 * time.Millisecond, 1, "private, no-cache"},  // 1.9 s old: 0.1 s left for any cache
		{200 * time.Millisecond, 2, "private, max-age=2"}, // 2.1 s: refetched
		{1999 * time.Millisecond, 2, "private, no-cache"},
		{2 * time.Millisecond, 3, "private, max-age=2"},
	}
	for i, s := range steps {
		clock.Advance(s.after)
		a := do(t, h, "/hls/live/index.m3u8")
		if a.status != 200 {
			t.Fatalf("step %d: %d %s", i, a.status, a.body)
		}
		if got := o.fetches.Load(); got != s.fetches {
			t.Errorf("step %d: %d origin fetches, want %d", i, got, s.fetches)
		}
		if cc := a.header.Get("Cache-Control"); cc != s.cacheControl {
			t.Errorf("step %d: Cache-Control %q, want %q", i, cc, s.cacheControl)
		}
	}
}

func TestVODPlaylistIsReusedForTheVODTTL(t *testing.T) {
	clock := useFakeClock(t)
	o := startSliding(t, true)
	h := provisionedLive(t, liveHandler(o.srv, "passthrough"))
	do(t, h, "/hls/live/index.m3u8")
	clock.Advance(59 * time.Second)
	do(t, h, "/hls/live/index.m3u8")
	if n := o.fetches.Load(); n != 1 {
		t.Errorf("VOD playlist fetched %d times within the minute", n)
	}
	clock.Advance(2 * time.Second)
	do(t, h, "/hls/live/index.m3u8")
	if n := o.fetches.Load(); n != 2 {
		t.Errorf("VOD playlist fetched %d times after its TTL, want 2", n)
	}
}

// A player that fell behind asks for a segment the packager deleted: that
// is the origin's 404, in every mode, never a 502.
func TestSegmentThatSlidOutOfTheWindowIs404InEveryMode(t *testing.T) {
	useFakeClock(t)
	for _, mode := range []string{"passthrough", "decrypt", "encrypt", "reencrypt"} {
		o := startSliding(t, false)
		h := provisionedLive(t, liveHandler(o.srv, mode))
		pl := do(t, h, "/hls/live/index.m3u8")
		var first string
		for _, line := range strings.Split(pl.body, "\n") {
			if strings.HasPrefix(line, "seg") {
				first = line
				break
			}
		}
		if a := do(t, h, "/hls/live/"+first); a.status != 200 {
			t.Fatalf("%s: %s in the window: %d %s", mode, first, a.status, a.body)
		}
		o.first.Add(5) // the window moves on; the packager deletes old segments
		if a := do(t, h, "/hls/live/"+first); a.status != http.StatusNotFound {
			t.Errorf("%s: %s after it slid out: %d %s, want 404", mode, first, a.status, a.body)
		}
	}
}

func startLLHandler(t *testing.T, mode string) (*testutil.LLHLS, *Handler) {
	ll := testutil.StartLLHLS(t, 8)
	h := &Handler{Origins: []OriginConfig{{URL: ll.URL}}, Encryption: mode,
		KeySecret: "live-test-key-secret-0123456789", Timeout: caddy.Duration(500 * time.Millisecond)}
	return ll, provisionedLive(t, h)
}

// Only the three delivery directives reach the origin: not the token, not
// a download flag, not a look-alike of another case.
func TestDeliveryDirectivesReachTheOriginAndNothingElseOfTheQuery(t *testing.T) {
	useFakeClock(t)
	ll, h := startLLHandler(t, "passthrough")
	next := ll.LastMSN() + 1
	go func() { time.Sleep(50 * time.Millisecond); ll.Publish() }()
	a := do(t, h, fmt.Sprintf("/live/index.m3u8?__token__=exp%%3D1~hmac%%3Dab&_HLS_msn=%d&_HLS_part=0&_HLS_skip=YES&download=x&_hls_msn=1", next))
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	qs := ll.Queries()
	want := fmt.Sprintf("_HLS_msn=%d&_HLS_part=0&_HLS_skip=YES", next)
	if len(qs) != 1 || qs[0] != want {
		t.Fatalf("origin saw queries %q, want exactly [%q]", qs, want)
	}
	if !strings.Contains(a.body, "#EXT-X-SKIP:SKIPPED-SEGMENTS=") || !strings.Contains(a.body, fmt.Sprintf("part%d.0.ts", next)) {
		t.Errorf("the delta playlist with the new part did not come through:\n%s", a.body)
	}
	if !strings.Contains(a.body, "CAN-BLOCK-RELOAD=YES") {
		t.Errorf("an HTTP origin that blocks keeps CAN-BLOCK-RELOAD:\n%s", a.body)
	}
}

func TestPlaylistRequestsWithDirectivesAreNeverCached(t *testing.T) {
	useFakeClock(t) // the clock stands still: any cached answer would be fresh
	ll, h := startLLHandler(t, "passthrough")
	do(t, h, "/live/index.m3u8") // a plain reload fills the cache
	last := ll.LastMSN()
	for i := 0; i < 2; i++ {
		if a := do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", last)); a.status != 200 {
			t.Fatalf("%d %s", a.status, a.body)
		}
	}
	if n := len(ll.Queries()); n != 3 {
		t.Fatalf("origin saw %d playlist requests, want 3 (the two with directives bypass the cache)", n)
	}
	ll.Publish()
	ll.Publish()
	ll.Publish()
	ll.Publish() // a new segment: a directive answer stored as the plain entry would hide it
	a := do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", last+1))
	if !strings.Contains(a.body, fmt.Sprintf("seg%d.ts", last+1)) {
		t.Fatalf("blocking reload for the new segment answered without it:\n%s", a.body)
	}
	if n := len(ll.Queries()); n != 4 {
		t.Errorf("origin saw %d playlist requests, want 4", n)
	}
	if a := do(t, h, "/live/index.m3u8"); strings.Contains(a.body, fmt.Sprintf("seg%d.ts", last+1)) {
		t.Errorf("the plain reload was answered by a directive response, not the cached plain entry")
	}
}

// The origin holds a blocking reload until the part exists: the proxy waits
// for it longer than its origin timeout (500 ms here), up to three target
// durations, then gives up with 504.
func TestBlockingReloadIsHeldUntilTheOriginAnswersWithinABound(t *testing.T) {
	useFakeClock(t)
	ll, h := startLLHandler(t, "passthrough")
	do(t, h, "/live/index.m3u8") // learns the target duration (1 s): hold 3 s
	next := ll.LastMSN() + 1
	go func() { time.Sleep(900 * time.Millisecond); ll.Publish() }()
	start := time.Now()
	a := do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d&_HLS_part=0", next))
	held := time.Since(start)
	if a.status != 200 || !strings.Contains(a.body, fmt.Sprintf("part%d.0.ts", next)) {
		t.Fatalf("blocking reload: %d after %v:\n%s", a.status, held, a.body)
	}
	if held < 800*time.Millisecond {
		t.Errorf("answered after %v, before the part existed", held)
	}

	ll.Hold = time.Minute // the origin would hold too long: the proxy's bound applies
	start = time.Now()
	a = do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", next+1))
	held = time.Since(start)
	if a.status != http.StatusGatewayTimeout {
		t.Fatalf("a hold past the bound: %d %s, want 504", a.status, a.body)
	}
	if held < 2900*time.Millisecond || held > 5*time.Second {
		t.Errorf("gave up after %v, want about 3 target durations (3 s)", held)
	}
}

func TestCryptoModesServeLLHLSAsFullSegmentsThatDecode(t *testing.T) {
	useFakeClock(t)
	_, h := startLLHandler(t, "encrypt")
	a := do(t, h, "/live/index.m3u8")
	if a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	for _, gone := range []string{"#EXT-X-PART", "#EXT-X-PRELOAD-HINT", "PART-HOLD-BACK"} {
		if strings.Contains(a.body, gone) {
			t.Errorf("%s left under encrypt:\n%s", gone, a.body)
		}
	}
	var seg string
	for _, line := range strings.Split(a.body, "\n") {
		if strings.HasPrefix(line, "/seg") || strings.HasPrefix(line, "seg") {
			seg = line
		}
	}
	if seg == "" {
		t.Fatalf("no segment:\n%s", a.body)
	}
	if s := do(t, h, "/live/"+seg); s.status != 200 || len(s.body)%16 != 0 {
		t.Errorf("segment under encrypt: %d, %d bytes", s.status, len(s.body))
	}
}
