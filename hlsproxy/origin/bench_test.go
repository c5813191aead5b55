package origin

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// BenchmarkFetch2MiB streams a 2 MiB object to io.Discard: through Pool.Fetch from a real
// versitygw (SigV4), through Pool.Fetch from a loopback file server (our stack alone),
// and with a plain net/http GET from the same file server (the baseline).
func BenchmarkFetch2MiB(b *testing.B) {
	const size = 2 << 20
	data := pattern(size)
	gw := testutil.StartVersityGW(b, testutil.VGWOptions{Buckets: []string{testBucket}, NoMeta: true})
	gw.WriteFile(b, testBucket, "bench/seg.ts", data)

	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "seg.ts"), data, 0o644); err != nil {
		b.Fatal(err)
	}
	fileSrv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer fileSrv.Close()

	s3Pool := NewPool([]Origin{newS3(b, gw, "bench", nil)}, PoolOptions{})
	defer s3Pool.Close()
	httpOrigin, err := NewHTTP(HTTPConfig{BaseURL: fileSrv.URL})
	if err != nil {
		b.Fatal(err)
	}
	httpPool := NewPool([]Origin{httpOrigin}, PoolOptions{})
	defer httpPool.Close()

	b.Run("pool-s3-versitygw", func(b *testing.B) { fetchLoop(b, s3Pool.Fetch, "seg.ts", size) })
	b.Run("pool-http-fileserver", func(b *testing.B) { fetchLoop(b, httpPool.Fetch, "seg.ts", size) })
	b.Run("nethttp-fileserver-baseline", func(b *testing.B) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
		defer client.CloseIdleConnections()
		b.SetBytes(size)
		for b.Loop() {
			resp, err := client.Get(fileSrv.URL + "/seg.ts")
			if err != nil {
				b.Fatal(err)
			}
			drain(b, resp.Body, size)
		}
	})
}

// BenchmarkStream256MiB measures the body wrapper (idle timer, length check) on a long
// stream from a loopback server that generates bytes without touching disk.
func BenchmarkStream256MiB(b *testing.B) {
	const size = 256 << 20
	chunk := pattern(64 << 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		for left := size; left > 0; left -= len(chunk) {
			if _, err := w.Write(chunk[:min(len(chunk), left)]); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	o, err := NewHTTP(HTTPConfig{BaseURL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	fetchLoop(b, o.Fetch, "big.ts", size)
}

// fetchLoop streams key through fetch (a Pool's or an Origin's) once per
// iteration, checking every body's length.
func fetchLoop(b *testing.B, fetch func(context.Context, *Request) (*Response, error), key string, size int64) {
	b.SetBytes(size)
	for b.Loop() {
		resp, err := fetch(context.Background(), &Request{Key: key})
		if err != nil {
			b.Fatal(err)
		}
		drain(b, resp.Body, size)
	}
}

// drain copies body to io.Discard, closes it and fails unless it held size bytes.
func drain(b *testing.B, body io.ReadCloser, size int64) {
	n, err := io.Copy(io.Discard, body)
	body.Close()
	if err != nil || n != size {
		b.Fatalf("copied %d: %v", n, err)
	}
}
