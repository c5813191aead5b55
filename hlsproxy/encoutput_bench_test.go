package hlsproxy

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// discard is a ResponseWriter that keeps nothing, so a benchmark measures
// the handler, not a recorder's copy.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// benchSegment serves one 2 MB segment in mode, object_cache cache, b.N times.
func benchSegment(b *testing.B, mode, asset, cache string) {
	o := newOutOrigin(b, bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16))
	h := outHandler(b, o, mode, cache)
	seg := playlistOf(b, h, asset).seg
	if a := doT(b, h, http.MethodGet, seg); a.status != 200 { // warm: the stored object (and output) hot
		b.Fatalf("warm-up: %d", a.status)
	}
	w := &discard{h: http.Header{}}
	r := httptest.NewRequest(http.MethodGet, seg, nil)
	b.SetBytes(2 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		rq := r.WithContext(context.WithValue(context.Background(), caddyhttp.VarsCtxKey, map[string]any{}))
		if err := h.ServeHTTP(w, rq, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHotEncryptedSegment: a 2 MB encrypt/reencrypt segment whose
// output object_cache holds — no origin request, no AES.
func BenchmarkHotEncryptedSegment(b *testing.B) {
	b.Run("encrypt", func(b *testing.B) { benchSegment(b, "encrypt", "clear", "64MiB") })
	b.Run("reencrypt", func(b *testing.B) { benchSegment(b, "reencrypt", "enc", "64MiB") })
}

// BenchmarkColdEncryptedSegment: the same segment without object_cache:
// an origin GET (loopback) and the CBC chain on every request.
func BenchmarkColdEncryptedSegment(b *testing.B) {
	b.Run("encrypt", func(b *testing.B) { benchSegment(b, "encrypt", "clear", "") })
	b.Run("reencrypt", func(b *testing.B) { benchSegment(b, "reencrypt", "enc", "") })
}

// BenchmarkColdPassthroughSegment: a 2 MB passthrough segment without
// object_cache, an origin GET (loopback) per request: its B/op is the
// shared body's buffer (objcache.Buffer holds the whole body so a view
// arriving mid-body can join it), the GC cost of coalescing.
func BenchmarkColdPassthroughSegment(b *testing.B) {
	o := newOutOrigin(b, bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16))
	h := outHandler(b, o, "passthrough", "")
	w := &discard{h: http.Header{}}
	r := httptest.NewRequest(http.MethodGet, "/hls/clear/seg0.ts", nil)
	b.SetBytes(2 << 20)
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		rq := r.WithContext(context.WithValue(context.Background(), caddyhttp.VarsCtxKey, map[string]any{}))
		if err := h.ServeHTTP(w, rq, nil); err != nil {
			b.Fatal(err)
		}
	}
}
