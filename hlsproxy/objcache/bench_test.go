package objcache

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// BenchmarkCachedRead2MB is what a hit costs before any transform: reading
// a 2 MB cached body (compare segcrypt's BenchmarkDecrypt2MB and
// BenchmarkEncrypt2MB, the transform a hit still pays when stored bytes are
// cached rather than output).
func BenchmarkCachedRead2MB(b *testing.B) {
	body := bytes.Repeat([]byte{7}, 2<<20)
	buf := newBuffer(int64(len(body)))
	buf.write(body)
	buf.finish(nil)
	p := make([]byte, 64<<10)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := io.CopyBuffer(io.Discard, onlyReader{buf.NewReader(context.Background(), 0)}, p); err != nil {
			b.Fatal(err)
		}
	}
}

type onlyReader struct{ io.Reader }
