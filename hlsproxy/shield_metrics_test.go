package hlsproxy_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

func scrape(t *testing.T) string {
	t.Helper()
	resp, err := http.Get("http://localhost:2993/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func seriesValue(t *testing.T, text, series string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestShieldMetricsCountHitsMissesAndOriginRequestsWithoutPathLabels(t *testing.T) {
	o := newCountingOrigin(t, bytes.Repeat([]byte("plain-"), 20000))
	tc, seg := decryptSite(t, o, "object_cache 8MiB")
	before := scrape(t)
	for range 3 {
		get(t, tc, seg)
	}
	after := scrape(t)
	for series, want := range map[string]float64{
		`mediagate_hls_proxy_object_fetches_total{result="miss"}`: 1,
		`mediagate_hls_proxy_object_fetches_total{result="hit"}`:  2,
		// the segment once, and the storage key (once: keyCache)
		`mediagate_hls_proxy_origin_requests_total{kind="object"}`: 2,
	} {
		var b, a float64
		fmt.Sscan(seriesValue(t, before, series), &b)
		fmt.Sscan(seriesValue(t, after, series), &a)
		if a-b != want {
			t.Errorf("%s rose by %v over 3 views, want %v", series, a-b, want)
		}
	}
	if n := o.segGETs.Load(); n != 1 {
		t.Errorf("3 views cost %d segment GETs at the origin, want 1", n)
	}
	if v := seriesValue(t, after, "mediagate_hls_proxy_object_cache_bytes"); v == "" || v == "0" {
		t.Errorf("object_cache_bytes = %q after a cached segment", v)
	}
	for line := range strings.SplitSeq(after, "\n") {
		if strings.HasPrefix(line, "mediagate_hls_proxy_") && (strings.Contains(line, "seg0") || strings.Contains(line, "/a/")) {
			t.Errorf("a series names a path: %s", line)
		}
	}
}

// Memory stays within object_cache plus a fixed overhead while a working
// set ten times the cache passes through it.
func TestObjectCacheMemoryStaysBoundedUnderAWorkingSetTenTimesItsSize(t *testing.T) {
	const objSize, objects = 400 << 10, 100 // 40 MB against a 4 MiB cache
	body := bytes.Repeat([]byte("m"), objSize)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"`+r.URL.Path+`"`)
		w.Header().Set("Content-Length", fmt.Sprint(objSize))
		w.Write(body)
	}))
	defer origin.Close()
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(siteHeader+fmt.Sprintf("\thls_proxy {\n\t\torigin %s/media\n\t\tstrip_prefix /hls\n\t\tobject_cache 4MiB\n\t}\n}\n", origin.URL), "caddyfile")
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	base := heap()
	for i := range objects {
		if resp, b := get(t, tc, fmt.Sprintf("/hls/w/o%d.bin", i)); resp.StatusCode != 200 || len(b) != objSize {
			t.Fatalf("object %d: %d, %d bytes", i, resp.StatusCode, len(b))
		}
	}
	if grown := int64(heap()) - int64(base); grown > 4<<20+8<<20 {
		t.Fatalf("heap grew by %d MiB under a 40 MB working set, want at most the 4 MiB cache + 8 MiB", grown>>20)
	}
}

// A shared body that ends before its Content-Length fails every viewer who
// shares it: the connection is aborted, never a short 200 that looks whole.
func TestTruncatedSharedBodyAbortsEveryViewer(t *testing.T) {
	release := make(chan struct{})
	var gets atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		<-release
		w.Header().Set("ETag", `"t"`)
		w.Header().Set("Content-Length", "100000")
		w.Write(bytes.Repeat([]byte("t"), 40000))
		panic(http.ErrAbortHandler) // the origin dies mid-body
	}))
	defer origin.Close()
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(siteHeader+fmt.Sprintf("\thls_proxy {\n\t\torigin %s/media\n\t\tstrip_prefix /hls\n\t\tobject_cache 4MiB\n\t}\n}\n", origin.URL), "caddyfile")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			resp, err := http.Get(base + "/hls/t/seg.ts")
			if err != nil {
				return // aborted before the headers: fine
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err == nil {
				t.Errorf("viewer got status %d and %d bytes with no error: a truncated body passed off as whole", resp.StatusCode, len(b))
			}
		})
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := gets.Load(); n != 1 {
		t.Errorf("4 concurrent viewers cost %d origin GETs, want 1 (shared)", n)
	}
	// Nothing truncated stays cached: the next view asks the origin again.
	before := gets.Load()
	if resp, err := http.Get(base + "/hls/t/seg.ts"); err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if gets.Load() == before {
		t.Error("the truncated object was served from the cache")
	}
}
