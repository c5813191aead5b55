package hlsproxy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// etagOrigin is a live playlist (target duration 1 s, no parts) that answers
// If-None-Match with 304 while unchanged; it counts its GETs, and the
// conditional ones apart.
type etagOrigin struct {
	srv         *httptest.Server
	gets, conds atomic.Int64
	mu          sync.Mutex
	last        int
	delay       time.Duration
}

func startETagOrigin(t *testing.T) *etagOrigin {
	o := &etagOrigin{last: 5}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/live/index.m3u8" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		o.gets.Add(1)
		time.Sleep(o.delay)
		o.mu.Lock()
		last := o.last
		o.mu.Unlock()
		etag := fmt.Sprintf(`"v%d"`, last)
		if inm := r.Header.Get("If-None-Match"); inm != "" {
			o.conds.Add(1)
			if inm == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		w.Header().Set("ETag", etag)
		fmt.Fprint(w, "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n")
		for i := 0; i <= last; i++ {
			fmt.Fprintf(w, "#EXTINF:1.0,\nseg%d.ts\n", i)
		}
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *etagOrigin) publish() {
	o.mu.Lock()
	o.last++
	o.mu.Unlock()
}

// The poller of held reloads reads the origin (an S3-like origin that
// cannot block: plain and conditional GETs) and each read is in
// origin_requests_total, by the same kinds as any origin request.
func TestPollerReadsAreCountedInOriginRequests(t *testing.T) {
	o := startETagOrigin(t)
	h := provisionedLive(t, &Handler{Origins: []OriginConfig{{URL: o.srv.URL}}, BlockingReload: reloadProxy})
	if a := do(t, h, "/live/index.m3u8"); a.status != 200 { // the edge: a 3 s hold
		t.Fatalf("first view: %d %s", a.status, a.body)
	}
	count := func(kind string) float64 { return counterValue(h.metrics.originRequests.WithLabelValues(kind)) }
	gets0, conds0 := o.gets.Load(), o.conds.Load()
	obj0, cond0 := count("object"), count("conditional")
	go func() { time.Sleep(1200 * time.Millisecond); o.publish() }()
	if a := do(t, h, "/live/index.m3u8?_HLS_msn=6"); a.status != 200 || !strings.Contains(a.body, "seg6.ts") {
		t.Fatalf("held reload: %d, want the new segment:\n%s", a.status, a.body)
	}
	time.Sleep(100 * time.Millisecond) // the poller, without waiters, lingers without reading
	gets, conds := o.gets.Load()-gets0, o.conds.Load()-conds0
	obj, cond := count("object")-obj0, count("conditional")-cond0
	t.Logf("the poller read the origin %d times (%d conditional); counted object %v, conditional %v", gets, conds, obj, cond)
	if conds < 2 {
		t.Fatalf("the origin saw %d conditional GETs in 1.2 s of a 0.5 s poll, want several", conds)
	}
	if obj+cond != float64(gets) || cond != float64(conds) {
		t.Errorf("origin_requests_total rose by object %v + conditional %v; the origin saw %d GETs, %d conditional",
			obj, cond, gets, conds)
	}
}

// A waiter of a shared playlist read whose client leaves goes at once; the
// read goes on and answers the waiter that stayed.
func TestPlaylistWaiterWhoseClientLeavesGoesAtOnce(t *testing.T) {
	o := startETagOrigin(t)
	o.delay = time.Second
	h := provisionedLive(t, &Handler{Origins: []OriginConfig{{URL: o.srv.URL}}, BlockingReload: reloadOrigin,
		Timeout: caddy.Duration(5 * time.Second)})
	stayed := make(chan answer, 1)
	go func() { stayed <- do(t, h, "/live/index.m3u8") }()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest(http.MethodGet, "/live/index.m3u8", nil)
	r = r.WithContext(context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{}))
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := h.ServeHTTP(httptest.NewRecorder(), r, nil)
	if d := time.Since(start); d > 300*time.Millisecond {
		t.Errorf("a waiter whose client left at 100 ms returned after %v, want at once", d)
	}
	if he, ok := err.(caddyhttp.HandlerError); !ok || he.StatusCode != statusClientClosed {
		t.Errorf("the waiter that left: %v, want %d", err, statusClientClosed)
	}
	if a := <-stayed; a.status != 200 || !strings.Contains(a.body, "seg5.ts") {
		t.Errorf("the waiter that stayed: %d %s", a.status, a.body)
	}
	if g := o.gets.Load(); g != 1 {
		t.Errorf("two concurrent views cost %d origin GETs, want 1", g)
	}
}

// Beyond the bound on waiters a playlist miss is a 503 at once, counted.
func TestPlaylistMissesBeyondTheWaiterBoundAre503(t *testing.T) {
	o := startETagOrigin(t)
	o.delay = 500 * time.Millisecond
	h := provisionedLive(t, &Handler{Origins: []OriginConfig{{URL: o.srv.URL}}, BlockingReload: reloadOrigin})
	h.flights = newPlaylistFlights(2)
	busy0 := counterValue(h.metrics.refused)
	codes := make(chan int, 3)
	for range 2 {
		go func() { codes <- do(t, h, "/live/index.m3u8").status }()
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if a := do(t, h, "/live/index.m3u8"); a.status != 503 || time.Since(start) > 100*time.Millisecond || strings.Contains(a.body, "#EXT") {
		t.Errorf("a third waiter over a bound of 2: %d after %v, want 503 at once", a.status, time.Since(start))
	}
	for range 2 {
		if c := <-codes; c != 200 {
			t.Errorf("a waiter within the bound: %d", c)
		}
	}
	if d := counterValue(h.metrics.refused) - busy0; d != 1 {
		t.Errorf("origin_waiters_refused_total rose by %v, want 1", d)
	}
}
