package hlsproxy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// blocking_reload proxy in front of the LL-HLS stand-in: the proxy holds
// the blocking reloads itself and reads the playlist plainly.
func startProxyHeld(t *testing.T) (*testutil.LLHLS, *Handler) {
	ll := testutil.StartLLHLS(t, 8)
	h := provisionedLive(t, &Handler{Origins: []OriginConfig{{URL: ll.URL}}, BlockingReload: reloadProxy,
		Timeout: caddy.Duration(500 * time.Millisecond)})
	return ll, h
}

func TestProxyHeldReloadIsAnsweredWhenThePartAppearsAndNoDirectiveReachesTheOrigin(t *testing.T) {
	ll, h := startProxyHeld(t)
	next := ll.LastMSN() + 1
	go func() { time.Sleep(400 * time.Millisecond); ll.Publish() }()
	start := time.Now()
	a := do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d&_HLS_part=0", next))
	held := time.Since(start)
	if a.status != 200 || !strings.Contains(a.body, fmt.Sprintf(`URI="part%d.0.ts"`, next)) {
		t.Fatalf("held reload: %d, want the new part:\n%s", a.status, a.body)
	}
	if held < 400*time.Millisecond || held > 400*time.Millisecond+300*time.Millisecond {
		t.Errorf("answered after %v, want within a poll (125 ms) of the part at 400 ms", held)
	}
	if !strings.Contains(a.body, "CAN-BLOCK-RELOAD=YES") || !strings.Contains(a.body, "CAN-SKIP-UNTIL") {
		t.Errorf("the proxy holds and builds deltas: CAN-BLOCK-RELOAD and CAN-SKIP-UNTIL stay:\n%s", a.body)
	}
	for _, q := range ll.Queries() {
		if q != "" {
			t.Errorf("the origin saw the query %q: the poller reads the playlist plainly", q)
		}
	}
}

func TestProxyHeldReloadsOfManyViewersCostOnePollLoop(t *testing.T) {
	ll, h := startProxyHeld(t)
	next := ll.LastMSN() + 1
	var wg sync.WaitGroup
	codes := make(chan int, 30)
	for range 30 {
		wg.Go(func() { codes <- do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", next)).status })
	}
	start := time.Now()
	for range 4 { // a segment is four parts
		time.Sleep(250 * time.Millisecond)
		ll.Publish()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("a held viewer got %d", c)
		}
	}
	// one loop at half the 0.25 s part target: ~8 reads a second, whatever the viewers
	if n, most := len(ll.Queries()), int(time.Since(start)/(125*time.Millisecond))+3; n > most {
		t.Errorf("%d origin playlist reads for 30 held viewers over %v, want at most %d (one poll loop)", n, time.Since(start), most)
	}
}

func TestProxyRefusesHostileAndFarAheadReloadsBeforeAnyHold(t *testing.T) {
	ll, h := startProxyHeld(t)
	last := ll.LastMSN()
	hostile := append([]string{fmt.Sprintf("_HLS_msn=%d", last+3), fmt.Sprintf("_HLS_msn=%d&_HLS_part=40", last+1)},
		hostileDirectives...)
	for _, d := range hostile {
		start := time.Now()
		a := do(t, h, "/live/index.m3u8?"+d)
		if a.status != 400 || time.Since(start) > 300*time.Millisecond {
			t.Errorf("%s: %d after %v, want 400 at once (never a hold)", d, a.status, time.Since(start))
		}
		if strings.Contains(a.body, "#EXT") {
			t.Errorf("%s: playlist bytes in the refusal:\n%s", d, a.body)
		}
	}
}

func TestProxyHeldReloadRunsOutAsA504(t *testing.T) {
	ll, h := startProxyHeld(t)
	do(t, h, "/live/index.m3u8") // the target duration (1 s): a 3 s hold
	start := time.Now()
	a := do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", ll.LastMSN()+2))
	if d := time.Since(start); a.status != 504 || d < 3*time.Second || d > 3500*time.Millisecond {
		t.Errorf("a reload for a segment that never comes: %d after %v, want 504 after 3 target durations", a.status, d)
	}
}

func TestBlockingReloadOriginIsRefusedForAnS3Origin(t *testing.T) {
	for _, origins := range [][]OriginConfig{{{URL: "s3://media/live"}}, {{URL: "https://packager.example.com"}, {URL: "s3://media/live"}}} {
		h := &Handler{Origins: origins, BlockingReload: reloadOrigin}
		if err := h.Validate(); err == nil || !strings.Contains(err.Error(), "blocking_reload origin") {
			t.Errorf("%v: Validate = %v, want the blocking_reload origin refusal", origins, err)
		}
	}
	for _, v := range []string{"", "auto", "proxy"} {
		h := &Handler{Origins: []OriginConfig{{URL: "s3://media/live"}}, BlockingReload: v}
		if err := h.Validate(); err != nil {
			t.Errorf("blocking_reload %q with S3: %v", v, err)
		}
	}
	h := &Handler{Origins: []OriginConfig{{URL: "https://packager.example.com"}}, BlockingReload: "sometimes"}
	if err := h.Validate(); err == nil || !strings.Contains(err.Error(), "want auto, proxy or origin") {
		t.Errorf("blocking_reload sometimes: %v", err)
	}
}

func TestBlockingReloadAutoIsProxyForS3AndOriginForHTTP(t *testing.T) {
	cases := []struct {
		v       string
		origins []OriginConfig
		proxy   bool
	}{
		{"", []OriginConfig{{URL: "s3://media"}}, true},
		{"auto", []OriginConfig{{URL: "https://p.example.com"}, {URL: "s3://media"}}, true},
		{"auto", []OriginConfig{{URL: "https://p.example.com"}}, false},
		{"proxy", []OriginConfig{{URL: "https://p.example.com"}}, true},
		{"origin", []OriginConfig{{URL: "https://p.example.com"}}, false},
	}
	for _, c := range cases {
		if got := (&Handler{Origins: c.origins, BlockingReload: c.v}).proxyHolds(); got != c.proxy {
			t.Errorf("blocking_reload %q over %v: proxy holds = %v, want %v", c.v, c.origins, got, c.proxy)
		}
	}
}

func TestCaddyfileBlockingReload(t *testing.T) {
	var h Handler
	if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("hls_proxy {\n origin s3://media\n blocking_reload proxy\n}")); err != nil || h.BlockingReload != "proxy" {
		t.Errorf("blocking_reload proxy: %v, %q", err, h.BlockingReload)
	}
	for _, bad := range []string{"blocking_reload sometimes", "blocking_reload", "blocking_reload proxy origin", "blocking_reload proxy\n blocking_reload proxy"} {
		var h Handler
		err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("hls_proxy {\n origin s3://media\n " + bad + "\n}"))
		if err == nil || !strings.Contains(err.Error(), "blocking_reload") && !strings.Contains(err.Error(), "argument") {
			t.Errorf("%q: %v, want an error naming it", bad, err)
		}
	}
}

// vmRSS is the process's resident set in KiB (0 where /proc is missing).
func vmRSS() int {
	b, _ := os.ReadFile("/proc/self/status")
	for l := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// 5 000 held requests of one playlist: one poller, no goroutine but each
// request's own, bounded memory; all freed when their clients go away.
func TestFiveThousandHeldRequestsCostOnePollerAndBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("5 000 held requests")
	}
	ll, h := startProxyHeld(t)
	do(t, h, "/live/index.m3u8")
	runtime.GC()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	g0, rss0 := runtime.NumGoroutine(), vmRSS()
	ctx, cancel := context.WithCancel(context.Background())
	const n = 5000
	var wg sync.WaitGroup
	target := fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", ll.LastMSN()+2)
	for range n {
		wg.Go(func() {
			r := httptest.NewRequest(http.MethodGet, target, nil)
			r = r.WithContext(context.WithValue(ctx, caddyhttp.VarsCtxKey, map[string]any{}))
			_ = h.ServeHTTP(httptest.NewRecorder(), r, nil)
		})
	}
	time.Sleep(time.Second)
	runtime.GC()
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	g1, rss1 := runtime.NumGoroutine(), vmRSS()
	reads := len(ll.Queries())
	t.Logf("5000 held: goroutines %d -> %d (+%d, the requests' own: %d), heap in use +%d KiB (%.0f B a request), RSS %d -> %d KiB, %d origin reads in 1 s",
		g0, g1, g1-g0, n, (ms1.HeapInuse-ms0.HeapInuse)>>10, float64(ms1.HeapInuse-ms0.HeapInuse)/n, rss0, rss1, reads)
	if extra := g1 - g0 - n; extra > 3 {
		t.Errorf("%d goroutines beyond the %d requests' own, want the one poller", extra, n)
	}
	if per := float64(ms1.HeapInuse-ms0.HeapInuse) / n; per > 8<<10 {
		t.Errorf("%.0f B of heap a held request, want under 8 KiB", per)
	}
	if reads > 12 {
		t.Errorf("%d origin reads in a second for 5000 held requests, want one poll loop (~8)", reads)
	}
	start := time.Now()
	cancel()
	wg.Wait()
	if d := time.Since(start); d > time.Second {
		t.Errorf("5000 clients going away took %v to free their waits", d)
	}
}

func TestProxyHeldReloadOfAMissingOrBrokenPlaylistIsAnsweredAtOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken.m3u8" {
			fmt.Fprint(w, "not a playlist")
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	h := provisionedLive(t, &Handler{Origins: []OriginConfig{{URL: srv.URL}}, BlockingReload: reloadProxy})
	for target, want := range map[string]int{"/missing.m3u8?_HLS_msn=3": 404, "/broken.m3u8?_HLS_msn=3": 502} {
		start := time.Now()
		if a := do(t, h, target); a.status != want || time.Since(start) > 500*time.Millisecond {
			t.Errorf("%s: %d after %v, want %d at once (not held to the 30 s hold)", target, a.status, time.Since(start), want)
		}
	}
}
