package hlsproxy

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/mediagate/caddy-mediagate/hlsproxy/objcache"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// outOrigin serves one asset in two forms: clear/ (segments stored in
// clear, for encrypt) and enc/ (encrypted at rest with k.bin, for
// reencrypt). It counts segment GETs and can replace the segment.
type outOrigin struct {
	srv     *httptest.Server
	segGETs atomic.Int64
	mu      sync.Mutex
	plain   []byte
	cipher  []byte // plain encrypted at rest with outStorageKey
	etag    string
}

var outStorageKey = bytes.Repeat([]byte{0x5a}, 16)

func newOutOrigin(t testing.TB, plain []byte) *outOrigin {
	o := &outOrigin{}
	o.replace(t, plain, `"v1"`)
	pl := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n%s#EXTINF:2,\nseg0.ts\n#EXT-X-ENDLIST\n"
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		plain, ct, etag := o.plain, o.cipher, o.etag
		o.mu.Unlock()
		switch r.URL.Path {
		case "/media/clear/index.m3u8":
			fmt.Fprintf(w, pl, "")
		case "/media/enc/index.m3u8":
			fmt.Fprintf(w, pl, "#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\"\n")
		case "/media/enc/k.bin":
			w.Write(outStorageKey)
		case "/media/clear/seg0.ts", "/media/enc/seg0.ts":
			if r.Method == http.MethodGet && r.Header.Get("Range") == "" {
				o.segGETs.Add(1)
			}
			body := plain
			if strings.HasPrefix(r.URL.Path, "/media/enc/") {
				body = ct
			}
			w.Header().Set("ETag", etag)
			w.Header().Set("Content-Type", "video/mp2t")
			http.ServeContent(w, r, "", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), bytes.NewReader(body))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *outOrigin) replace(t testing.TB, plain []byte, etag string) {
	ct := testutil.MustEncryptAES128(t, outStorageKey, testutil.SequenceIV(0), plain)
	o.mu.Lock()
	o.plain, o.cipher, o.etag = plain, ct, etag
	o.mu.Unlock()
}

// outHandler is an hls_proxy in mode over o, with object_cache cache ("" off).
func outHandler(t testing.TB, o *outOrigin, mode, cache string, secrets ...string) *Handler {
	h := &Handler{
		Origins:     []OriginConfig{{URL: o.srv.URL + "/media"}},
		StripPrefix: "/hls", Encryption: mode, KeySecret: "encoutput-key-secret-0123456789ab",
		Timeout: caddy.Duration(5 * time.Second), PlaylistCache: -1, ObjectCache: cache,
	}
	if len(secrets) > 0 {
		h.KeySecret, h.KeySecrets = "", secrets
	}
	return provisionedT(t, h)
}

// delivered is a segment URL and the delivery key and IV its playlist names.
type delivered struct {
	seg string
	key []byte
	iv  []byte
}

var extKey = regexp.MustCompile(`#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)",IV=0x([0-9a-f]{32})`)

// playlistOf reads the asset's playlist through h and fetches its delivery key.
func playlistOf(t testing.TB, h *Handler, asset string) delivered {
	a := doT(t, h, http.MethodGet, "/hls/"+asset+"/index.m3u8")
	m := extKey.FindStringSubmatch(a.body)
	var seg string
	for line := range strings.SplitSeq(a.body, "\n") {
		if strings.HasPrefix(line, "seg0.ts?") {
			seg = "/hls/" + asset + "/" + line
		}
	}
	if a.status != 200 || m == nil || seg == "" {
		t.Fatalf("playlist %d:\n%s", a.status, a.body)
	}
	k := doT(t, h, http.MethodGet, m[1])
	iv, _ := hex.DecodeString(m[2])
	if k.status != 200 || len(k.body) != 16 {
		t.Fatalf("delivery key: %d, %d bytes", k.status, len(k.body))
	}
	return delivered{seg: seg, key: []byte(k.body), iv: iv}
}

// openDelivered decrypts a delivered segment with crypto/cipher.
func openDelivered(t testing.TB, d delivered, ct []byte) []byte {
	t.Helper()
	if len(ct) == 0 || len(ct)%16 != 0 {
		t.Fatalf("ciphertext of %d bytes", len(ct))
	}
	b, _ := aes.NewCipher(d.key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, d.iv).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > 16 {
		t.Fatalf("bad padding %d", pad)
	}
	return pt[:len(pt)-pad]
}

// counters are the figures a test watches on h.
type counters struct{ encryptions, hits, misses, originGETs float64 }

func countersOf(h *Handler, o *outOrigin) counters {
	return counters{
		encryptions: counterValue(h.metrics.encryptions),
		hits:        counterValue(h.metrics.outputs.WithLabelValues("hit")),
		misses:      counterValue(h.metrics.outputs.WithLabelValues("miss")),
		originGETs:  float64(o.segGETs.Load()),
	}
}

func (c counters) minus(b counters) counters {
	return counters{c.encryptions - b.encryptions, c.hits - b.hits, c.misses - b.misses, c.originGETs - b.originGETs}
}

var outModes = []struct{ mode, asset string }{{"encrypt", "clear"}, {"reencrypt", "enc"}}

// A hot encrypted output costs neither an encryption nor an origin GET, and
// its bytes are the cold miss's bytes, which decrypt with the delivery key
// the playlist names to the stored plaintext.
func TestHotEncryptedOutputCostsNoEncryptionAndNoOriginGET(t *testing.T) {
	plain := bytes.Repeat([]byte("clear-media-"), 50000)
	for _, m := range outModes {
		t.Run(m.mode, func(t *testing.T) {
			o := newOutOrigin(t, plain)
			h := outHandler(t, o, m.mode, "32MiB")
			d := playlistOf(t, h, m.asset)
			before := countersOf(h, o)
			cold := doT(t, h, http.MethodGet, d.seg)
			afterMiss := countersOf(h, o)
			if got := afterMiss.minus(before); got.encryptions != 1 || got.misses != 1 || got.originGETs != 1 {
				t.Fatalf("cold view: %+v, want one encryption, one miss, one origin GET", got)
			}
			if cold.status != 200 || !bytes.Equal(openDelivered(t, d, []byte(cold.body)), plain) {
				t.Fatalf("cold view: %d, does not decrypt to the stored plaintext", cold.status)
			}
			for i := range 5 {
				hot := doT(t, h, http.MethodGet, d.seg)
				if hot.status != 200 || hot.body != cold.body {
					t.Fatalf("hot view %d: %d, %d bytes differ from the cold miss's", i, hot.status, len(hot.body))
				}
			}
			if got := countersOf(h, o).minus(afterMiss); got.encryptions != 0 || got.originGETs != 0 || got.hits != 5 {
				t.Fatalf("5 hot views: %+v, want 5 hits, no encryption, no origin GET", got)
			}
		})
	}
}

// Concurrent cold views of one output share one encryption.
func TestConcurrentMissesOfOneOutputShareOneEncryption(t *testing.T) {
	plain := bytes.Repeat([]byte("concurrent-"), 100000)
	for _, m := range outModes {
		t.Run(m.mode, func(t *testing.T) {
			o := newOutOrigin(t, plain)
			h := outHandler(t, o, m.mode, "32MiB")
			d := playlistOf(t, h, m.asset)
			before := countersOf(h, o)
			var wg sync.WaitGroup
			bodies := make([]string, 12)
			for i := range bodies {
				wg.Go(func() { bodies[i] = doT(t, h, http.MethodGet, d.seg).body })
			}
			wg.Wait()
			for i, b := range bodies {
				if !bytes.Equal(openDelivered(t, d, []byte(b)), plain) {
					t.Fatalf("view %d does not decrypt to the plaintext", i)
				}
			}
			if got := countersOf(h, o).minus(before); got.encryptions != 1 || got.originGETs != 1 {
				t.Fatalf("12 concurrent views: %+v, want one encryption and one origin GET", got)
			}
		})
	}
}

// provisionedT is provisionedLive for tests and benchmarks.
func provisionedT(t testing.TB, h *Handler) *Handler {
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

// doT is doWith for tests and benchmarks; an error's body is empty.
func doT(t testing.TB, h *Handler, method, target string, hdr ...string) answer {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
	w := httptest.NewRecorder()
	if err := h.ServeHTTP(w, r, nil); err != nil {
		var he caddyhttp.HandlerError
		if !errors.As(err, &he) {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		return answer{status: he.StatusCode, header: w.Header()}
	}
	return answer{status: w.Code, header: w.Header(), body: w.Body.String()}
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// Range, If-Range, conditional and HEAD requests on a cached output answer
// exactly as the same request on a miss (object_cache off): status,
// Content-Range, Content-Length, ETag and bytes.
func TestRangeAndConditionalsOnACachedOutputEqualTheSameRequestOnAMiss(t *testing.T) {
	plain := bytes.Repeat([]byte("0123456789abcdef-"), 3000)
	etagOf := map[string]string{"encrypt": `"v1-encrypt"`, "reencrypt": `"v1-reencrypt"`}
	for _, m := range outModes {
		t.Run(m.mode, func(t *testing.T) {
			o := newOutOrigin(t, plain)
			cold := outHandler(t, o, m.mode, "")
			hot := outHandler(t, o, m.mode, "32MiB")
			d := playlistOf(t, hot, m.asset)
			doT(t, hot, http.MethodGet, d.seg) // make the output hot
			variants := append([][]string{
				{"Range", "bytes=17-"}, {"Range", "bytes=16-31"}, {"Range", "bytes=5-70000"},
				{"Range", fmt.Sprintf("bytes=%d-", len(plain))}, {"Range", "bytes=-1"},
				{"Range", "bytes=3-9", "If-Range", etagOf[m.mode]}, {"If-None-Match", etagOf[m.mode]},
			}, requestVariants...)
			before := countersOf(hot, o)
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				for _, v := range variants {
					want := doT(t, cold, method, d.seg, v...)
					got := doT(t, hot, method, d.seg, v...)
					what := fmt.Sprintf("%s %q", method, v)
					if got.status != want.status || got.body != want.body {
						t.Errorf("%s: cached %d (%d bytes), miss %d (%d bytes)", what, got.status, len(got.body), want.status, len(want.body))
					}
					for _, hd := range []string{"Content-Range", "Content-Length", "ETag", "Content-Type", "Cache-Control"} {
						if got.header.Get(hd) != want.header.Get(hd) {
							t.Errorf("%s: cached %s %q, miss %q", what, hd, got.header.Get(hd), want.header.Get(hd))
						}
					}
				}
			}
			if got := countersOf(hot, o).minus(before); got.encryptions != 0 || got.misses != 0 {
				t.Fatalf("ranges of a hot output: %+v, want no encryption and no miss", got)
			}
		})
	}
}

// An object replaced at the origin is served changed after the TTL: the
// conditional GET gets the new version, its output is new ciphertext (of
// the new plaintext), and the old version's output leaves the cache.
func TestReplacedObjectAfterTheTTLGivesNewCiphertextAndDropsTheOld(t *testing.T) {
	clock := useFakeClock(t)
	one, two := bytes.Repeat([]byte("version-one-"), 40000), bytes.Repeat([]byte("version-TWO-"), 40000)
	for _, m := range outModes {
		t.Run(m.mode, func(t *testing.T) {
			o := newOutOrigin(t, one)
			h := outHandler(t, o, m.mode, "32MiB")
			d := playlistOf(t, h, m.asset)
			first := doT(t, h, http.MethodGet, d.seg)
			doT(t, h, http.MethodGet, d.seg)
			size := h.shield.Size()
			o.replace(t, two, `"v2"`)
			if again := doT(t, h, http.MethodGet, d.seg); again.body != first.body {
				t.Fatal("within the TTL the cached output changed")
			}
			clock.Advance(2 * time.Minute)
			before := countersOf(h, o)
			got := doT(t, h, http.MethodGet, d.seg)
			if got.status != 200 || !bytes.Equal(openDelivered(t, d, []byte(got.body)), two) {
				t.Fatalf("after the TTL: %d, not the new plaintext", got.status)
			}
			if c := countersOf(h, o).minus(before); c.encryptions != 1 || c.originGETs != 1 {
				t.Fatalf("after the TTL: %+v, want the new version fetched and encrypted once", c)
			}
			if got.header.Get("ETag") == first.header.Get("ETag") {
				t.Fatalf("the new ciphertext kept the old ETag %s", got.header.Get("ETag"))
			}
			if s := h.shield.Size(); s > size+512 {
				t.Fatalf("cache grew from %d to %d bytes: the old version's output stayed", size, s)
			}
			if hot := doT(t, h, http.MethodGet, d.seg); hot.body != got.body {
				t.Fatal("the new output is not the one served next")
			}
		})
	}
}

// After a key roll the cached ciphertext of the old secret is served only
// to contexts the old secret sealed; a context of the new secret gets its
// own encryption, which opens with the new key only — and the other way.
func TestKeyRollNeverServesAnotherSecretsCachedCiphertext(t *testing.T) {
	const oldSecret, newSecret = "encoutput-old-secret-0123456789ab", "encoutput-new-secret-0123456789ab"
	plain := bytes.Repeat([]byte("rolled-"), 30000)
	for _, m := range outModes {
		t.Run(m.mode, func(t *testing.T) {
			o := newOutOrigin(t, plain)
			before := outHandler(t, o, m.mode, "", oldSecret)
			rolled := outHandler(t, o, m.mode, "32MiB", newSecret, oldSecret)
			oldView, newView := playlistOf(t, before, m.asset), playlistOf(t, rolled, m.asset)
			if bytes.Equal(oldView.key, newView.key) {
				t.Fatal("the roll did not change the delivery key")
			}
			c0 := countersOf(rolled, o)
			oldCT := doT(t, rolled, http.MethodGet, oldView.seg).body
			newCT := doT(t, rolled, http.MethodGet, newView.seg).body
			for range 2 {
				if b := doT(t, rolled, http.MethodGet, oldView.seg).body; b != oldCT {
					t.Fatal("the old context's output changed")
				}
				if b := doT(t, rolled, http.MethodGet, newView.seg).body; b != newCT {
					t.Fatal("the new context's output changed")
				}
			}
			if oldCT == newCT {
				t.Fatal("both secrets' contexts got the same ciphertext")
			}
			if !bytes.Equal(openDelivered(t, newView, []byte(newCT)), plain) || !bytes.Equal(openDelivered(t, oldView, []byte(oldCT)), plain) {
				t.Fatal("an output does not open with its own context's delivery key")
			}
			if c := countersOf(rolled, o).minus(c0); c.encryptions != 2 || c.misses != 2 || c.hits != 4 {
				t.Fatalf("two secrets, six views: %+v, want two encryptions, two misses, four hits", c)
			}
		})
	}
}

// A stored object evicted while its output stays, then replaced at the
// origin, is fetched anew as a miss (no revalidation drops anything): the
// output of the old version must not answer for the new one.
func TestOutputOfAnEvictedVersionNeverAnswersForTheNextVersion(t *testing.T) {
	one, two := bytes.Repeat([]byte("evicted-one-"), 20000), bytes.Repeat([]byte("evicted-TWO-"), 20000)
	for _, m := range outModes {
		t.Run(m.mode, func(t *testing.T) {
			o := newOutOrigin(t, one)
			h := outHandler(t, o, m.mode, "32MiB")
			d := playlistOf(t, h, m.asset)
			first := doT(t, h, http.MethodGet, d.seg)
			h.shield.Drop(objcache.ObjectKey(strings.TrimPrefix(strings.SplitN(d.seg, "?", 2)[0], "/hls/")))
			o.replace(t, two, `"v2"`)
			got := doT(t, h, http.MethodGet, d.seg)
			if got.body == first.body || !bytes.Equal(openDelivered(t, d, []byte(got.body)), two) {
				t.Fatal("the new version was answered with the old version's ciphertext")
			}
		})
	}
}
