package bench

import (
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/httpx"
)

// A 2 MB segment body streamed to a loopback client through Caddy's
// IdleTimeoutWriter, before and after hls_proxy's stream() flushed short
// reads (httpx.CopyFlushing):
//
//   - noflush: io.CopyBuffer(writerOnly{w}, onlyReader{src}, 64 KiB), the copy before.
//   - flushing: httpx.CopyFlushing with http.ResponseController.Flush.
//
// Each runs with a source that fills the 64 KiB buffer on every read (a
// buffered object) and one that returns 16 KiB a read (a socket body: every
// read is short, so flushing flushes after every write — the worst case).
func BenchmarkStream2MB(b *testing.B) {
	const size = 2 << 20
	copies := []struct {
		name string
		copy copyFunc
	}{
		{"noflush", func(w http.ResponseWriter, r io.Reader, buf []byte) (int64, error) {
			return io.CopyBuffer(writerOnly{w}, onlyReader{r}, buf)
		}},
		{"flushing", func(w http.ResponseWriter, r io.Reader, buf []byte) (int64, error) {
			rc := http.NewResponseController(w)
			return httpx.CopyFlushing(w, rc.Flush, r, buf)
		}},
	}
	for _, piece := range []int{64 << 10, 16 << 10} {
		for _, tc := range copies {
			b.Run(tc.name+"/read"+strconv.Itoa(piece>>10)+"KiB", func(b *testing.B) {
				benchCopyToClient(b, size, tc.copy, func() io.Reader {
					return &pieceReader{r: &patternReader{left: size}, max: piece}
				})
			})
		}
	}
}

// pieceReader returns at most max bytes a read.
type pieceReader struct {
	r   io.Reader
	max int
}

func (p *pieceReader) Read(b []byte) (int, error) {
	if len(b) > p.max {
		b = b[:p.max]
	}
	return p.r.Read(b)
}
