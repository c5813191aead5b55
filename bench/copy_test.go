package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// The body copy of a proxied segment, reproduced outside Caddy: a 64 MiB body from a
// reader that is not a file or socket (like an origin response body) is written through
// Caddy's IdleTimeoutWriter (what handlers get as their ResponseWriter in Caddy 2.11) to
// a real loopback HTTP/1.1 client.
//
//   - readfrom: io.CopyBuffer(w, onlyReader{src}, buf), as hls_proxy's stream() does.
//     w implements io.ReaderFrom, so CopyBuffer ignores buf and calls
//     IdleTimeoutWriter.ReadFrom, which cuts the source into 64 KiB LimitReaders and
//     calls net/http's ReadFrom once per chunk; each of those falls back to io.Copy and
//     allocates a new 32 KiB buffer (and goes through a 32 KiB bufio read), i.e. half a
//     byte of garbage per byte streamed.
//   - write: io.CopyBuffer(writerOnly{w}, onlyReader{src}, buf), the Write path
//     reverse_proxy takes: no per-chunk allocation.
//
// Compare B/op and allocs/op (deterministic) and ns/op (noisy on a shared machine).
// copyFunc writes a body to a response through buf.
type copyFunc func(w http.ResponseWriter, r io.Reader, buf []byte) (int64, error)

// benchCopyToClient serves size bytes from src() with copy through Caddy's
// IdleTimeoutWriter to a loopback HTTP/1.1 client, once per iteration, and
// fails unless the client reads them all.
func benchCopyToClient(b *testing.B, size int64, copy copyFunc, src func() io.Reader) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iw := &caddyhttp.IdleTimeoutWriter{
			ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w},
			Ctrl:                  http.NewResponseController(w),
			Deadline:              caddyhttp.IdleDeadline{Timeout: 30 * time.Second},
		}
		iw.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		iw.WriteHeader(http.StatusOK)
		buf := make([]byte, 64<<10)
		if _, err := copy(iw, src(), buf); err != nil {
			b.Error(err)
		}
	}))
	defer srv.Close()
	client := srv.Client()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Get(srv.URL)
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != size {
			b.Fatalf("got %d bytes: %v", n, err)
		}
	}
}

func BenchmarkCopyToIdleTimeoutWriter(b *testing.B) {
	const size = 64 << 20
	for _, tc := range []struct {
		name string
		copy copyFunc
	}{
		{"readfrom", func(w http.ResponseWriter, r io.Reader, buf []byte) (int64, error) {
			return io.CopyBuffer(w, onlyReader{r}, buf)
		}},
		{"write", func(w http.ResponseWriter, r io.Reader, buf []byte) (int64, error) {
			return io.CopyBuffer(writerOnly{w}, onlyReader{r}, buf)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchCopyToClient(b, size, tc.copy, func() io.Reader { return &patternReader{left: size} })
		})
	}
}

// onlyReader and writerOnly hide the optional fast-path interfaces (WriterTo, ReaderFrom).
type onlyReader struct{ io.Reader }
type writerOnly struct{ io.Writer }

// patternReader yields left bytes of a fixed pattern; it has no WriterTo, like an
// origin response body.
type patternReader struct{ left int }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := min(len(b), p.left)
	for i := range n {
		b[i] = byte(i)
	}
	p.left -= n
	return n, nil
}
