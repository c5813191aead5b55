package hlsproxy_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/hlsproxy"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// countingOrigin is an HTTP origin whose segment GETs are counted (an
// operator's access log): a stream encrypted at rest, one segment.
type countingOrigin struct {
	*httptest.Server
	segGETs atomic.Int64
	keyGETs atomic.Int64
	delay   time.Duration
	mu      sync.Mutex
	plain   []byte
	cipher  []byte
	etag    string
}

func newCountingOrigin(t *testing.T, plain []byte) *countingOrigin {
	t.Helper()
	key := bytes.Repeat([]byte{0x42}, 16)
	o := &countingOrigin{}
	o.replace(t, plain, `"v1"`)
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/media/a/index.m3u8":
			fmt.Fprint(w, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"+
				"#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\"\n#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n")
		case "/media/a/k.bin":
			if r.Method == http.MethodGet {
				o.keyGETs.Add(1)
			}
			w.Write(key)
		case "/media/a/seg0.ts":
			if r.Method == http.MethodGet {
				o.segGETs.Add(1)
			}
			time.Sleep(o.delay)
			o.mu.Lock()
			ct, etag := o.cipher, o.etag
			o.mu.Unlock()
			w.Header().Set("ETag", etag)
			http.ServeContent(w, r, "seg0.ts", time.Unix(1700000000, 0), bytes.NewReader(ct))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(o.Close)
	return o
}

// replace puts a new version of the segment at the origin.
func (o *countingOrigin) replace(t *testing.T, plain []byte, etag string) {
	key := bytes.Repeat([]byte{0x42}, 16)
	ct := testutil.MustEncryptAES128(t, key, testutil.SequenceIV(0), plain)
	o.mu.Lock()
	o.plain, o.cipher, o.etag = plain, ct, etag
	o.mu.Unlock()
}

// decryptSite serves the origin in decrypt mode, with extra directives.
func decryptSite(t *testing.T, o *countingOrigin, extra string) (*caddytest.Tester, string) {
	t.Helper()
	cfg := siteHeader + fmt.Sprintf(`	hls_proxy {
		origin %s/media
		strip_prefix /hls
		encryption decrypt
		key_secret test-key-secret-of-32-bytes-long
		%s
	}
}
`, o.URL, extra)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(cfg, "caddyfile")
	_, pl := getAfterReload(t, tc, "/hls/a/index.m3u8")
	seg := strings.TrimSpace(uriLine.FindString(string(pl)))
	if seg == "" {
		t.Fatalf("no segment in\n%s", pl)
	}
	return tc, resolve(t, "/hls/a/index.m3u8", seg)
}

// getAfterReload is the first GET after InitServer replaced a running
// config on the same port: for a moment the old server still accepts on the
// shared listener and closes what it accepted as idle, so one transport
// error (never a status) is retried once. Every later request is get's.
func getAfterReload(t *testing.T, tc *caddytest.Tester, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	if resp, err := tc.Client.Do(req); err == nil {
		defer resp.Body.Close()
		if body, err := io.ReadAll(resp.Body); err == nil {
			return resp, body
		}
	}
	return get(t, tc, path)
}

func TestDecryptedSegmentCostsOneOriginGETPerViewWithoutProbe(t *testing.T) {
	o := newCountingOrigin(t, bytes.Repeat([]byte("plain-"), 20000))
	tc, seg := decryptSite(t, o, "")
	for i := range 5 {
		resp, body := get(t, tc, seg)
		if resp.StatusCode != 200 || !bytes.Equal(body, o.plain) {
			t.Fatalf("view %d: %d, %d bytes", i, resp.StatusCode, len(body))
		}
		if resp.Header.Get("Content-Length") != fmt.Sprint(len(o.plain)) {
			t.Fatalf("view %d: Content-Length %q", i, resp.Header.Get("Content-Length"))
		}
	}
	if n := o.segGETs.Load(); n != 5 {
		t.Fatalf("5 sequential views cost %d origin GETs, want 5 (one each, no tail probe)", n)
	}
}

func TestConcurrentColdViewsOfOneSegmentShareOneOriginGET(t *testing.T) {
	o := newCountingOrigin(t, bytes.Repeat([]byte("plain-"), 20000))
	o.delay = 200 * time.Millisecond
	tc, seg := decryptSite(t, o, "")
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			resp, body := get(t, tc, seg)
			if resp.StatusCode != 200 || !bytes.Equal(body, o.plain) {
				t.Errorf("concurrent view: %d, %d bytes", resp.StatusCode, len(body))
			}
		})
	}
	wg.Wait()
	if n := o.segGETs.Load(); n > 2 {
		t.Fatalf("16 concurrent cold views cost %d origin GETs, want at most 2", n)
	}
}

func TestObjectCacheServesAHotSegmentFromMemoryAndAReplacedOneChanged(t *testing.T) {
	o := newCountingOrigin(t, bytes.Repeat([]byte("plain-"), 20000))
	tc, seg := decryptSite(t, o, "object_cache 8MiB\n\t\tvod_cache_ttl 1s")
	for i := range 21 {
		if resp, body := get(t, tc, seg); resp.StatusCode != 200 || !bytes.Equal(body, o.plain) {
			t.Fatalf("view %d: %d, %d bytes", i, resp.StatusCode, len(body))
		}
	}
	if n := o.segGETs.Load(); n > 2 {
		t.Fatalf("21 views with object_cache cost %d origin GETs, want at most 2", n)
	}
	o.replace(t, bytes.Repeat([]byte("second"), 15000), `"v2"`)
	time.Sleep(1100 * time.Millisecond)
	if resp, body := get(t, tc, seg); resp.StatusCode != 200 || !bytes.Equal(body, o.plain) {
		t.Fatalf("after the TTL the replaced segment was served as %d bytes (status %d), want the new %d",
			len(body), resp.StatusCode, len(o.plain))
	}
}

// Range, HEAD and conditional requests on a cached segment answer exactly
// as on a miss: same status, the headers that matter, the same bytes.
func TestCachedSegmentAnswersRangeHEADAndConditionalAsAMiss(t *testing.T) {
	plain := bytes.Repeat([]byte("0123456789"), 9000)
	type answer struct {
		status int
		hdr    string
		body   []byte
	}
	reqs := []struct {
		method string
		hdr    []string
	}{
		{"GET", nil}, {"HEAD", nil}, {"GET", []string{"Range", "bytes=100-5000"}},
		{"GET", []string{"Range", "bytes=-17"}}, {"GET", []string{"Range", "bytes=999999-"}},
		{"GET", []string{"If-None-Match", `"v1-decrypt"`}}, {"HEAD", []string{"Range", "bytes=0-9"}},
	}
	run := func(extra string, warm bool) []answer {
		o := newCountingOrigin(t, plain)
		tc, seg := decryptSite(t, o, extra)
		if warm {
			get(t, tc, seg)
		}
		var out []answer
		for _, rq := range reqs {
			resp, body := do(t, tc, rq.method, seg, rq.hdr...)
			var h []string
			for _, n := range []string{"Content-Length", "Content-Range", "ETag", "Last-Modified", "Cache-Control", "Content-Type", "Accept-Ranges"} {
				h = append(h, n+"="+resp.Header.Get(n))
			}
			out = append(out, answer{resp.StatusCode, strings.Join(h, " "), body})
		}
		return out
	}
	miss := run("", false)
	hit := run("object_cache 8MiB", true)
	for i := range reqs {
		if miss[i].status != hit[i].status || miss[i].hdr != hit[i].hdr || !bytes.Equal(miss[i].body, hit[i].body) {
			t.Errorf("%s %v: miss %d %s (%d bytes); cached %d %s (%d bytes)", reqs[i].method, reqs[i].hdr,
				miss[i].status, miss[i].hdr, len(miss[i].body), hit[i].status, hit[i].hdr, len(hit[i].body))
		}
	}
}

// A JSON config is refused in the Caddyfile's words.
func TestObjectCacheJSONRefusedInTheCaddyfileWords(t *testing.T) {
	h := hlsproxy.Handler{ObjectCache: "lots", Origins: []hlsproxy.OriginConfig{{URL: "https://o.example/m"}}}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	err := h.Provision(ctx)
	if err == nil || !strings.Contains(err.Error(), `object_cache: want a size such as 256MiB, or off, got "lots"`) {
		t.Fatalf("JSON object_cache \"lots\": %v", err)
	}
}

func TestPassthroughKeyEndpointCostsOneOriginGETPerKeyNotPerRequest(t *testing.T) {
	o := newCountingOrigin(t, bytes.Repeat([]byte("plain-"), 100))
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(siteHeader+fmt.Sprintf(`	hls_proxy {
		origin %s/media
		strip_prefix /hls
		key_path /keys
	}
}
`, o.URL), "caddyfile")
	for i := range 5 {
		resp, body := get(t, tc, "/keys/a/k.bin")
		if resp.StatusCode != 200 || !bytes.Equal(body, bytes.Repeat([]byte{0x42}, 16)) {
			t.Fatalf("key request %d: %d, %d bytes", i, resp.StatusCode, len(body))
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Fatalf("key request %d: Cache-Control %q, want no-store", i, cc)
		}
	}
	if n := o.keyGETs.Load(); n != 1 {
		t.Fatalf("5 requests for one key cost %d origin GETs, want 1 (the key kept a minute)", n)
	}
}
