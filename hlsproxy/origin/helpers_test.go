package origin

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

const testBucket = "media"

// newS3 builds an S3 origin against an S3 server (versitygw or MinIO) with its root credentials.
func newS3(t testing.TB, srv testutil.S3Server, prefix string, mutate func(*S3Config)) Origin {
	t.Helper()
	gw := srv.Conn()
	c := S3Config{Bucket: testBucket, Prefix: prefix, Endpoint: gw.Endpoint, Region: gw.Region,
		AccessKey: gw.Access, SecretKey: gw.Secret}
	if mutate != nil {
		mutate(&c)
	}
	o, err := NewS3(context.Background(), c)
	if err != nil {
		t.Fatalf("NewS3: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// fetchAll fetches and reads the whole body (closing it).
func fetchAll(t testing.TB, f interface {
	Fetch(context.Context, *Request) (*Response, error)
}, req *Request) (*Response, []byte, error) {
	t.Helper()
	resp, err := f.Fetch(context.Background(), req)
	if err != nil {
		return nil, nil, err
	}
	if resp.Body == nil {
		return resp, nil, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// mustKind asserts err is an *Error of kind k and returns it.
func mustKind(t testing.TB, err error, k Kind) *Error {
	t.Helper()
	var oe *Error
	if !errors.As(err, &oe) {
		t.Fatalf("error = %v (%T), want *Error of kind %v", err, err, k)
	}
	if oe.Kind != k {
		t.Fatalf("kind = %v, want %v (error: %v)", oe.Kind, k, err)
	}
	return oe
}

// pattern returns n deterministic, non-repeating-looking bytes.
func pattern(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// counting wraps an Origin and counts Fetch calls.
type counting struct {
	Origin
	n atomic.Int64
}

func (c *counting) Fetch(ctx context.Context, r *Request) (*Response, error) {
	c.n.Add(1)
	return c.Origin.Fetch(ctx, r)
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}
