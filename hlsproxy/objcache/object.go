package objcache

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// Response is an origin's answer, as a Fetch returns it.
type Response struct {
	Status int
	Header http.Header
	Length int64         // Content-Length; -1 when unknown
	Body   io.ReadCloser // nil for HEAD and 304
}

// Object is a shared origin answer: its status and headers, and its body
// in a Buffer (when the length is known and within the per-object limit)
// or as the one live body its leader streams.
type Object struct {
	Status int
	Header http.Header
	Length int64

	buf *Buffer
	// live is an origin body too large (or of unknown length) to buffer: only
	// the caller whose fetch it was may read it (Claim); others fetch their own.
	live    io.ReadCloser
	claimed atomic.Bool

	validated time.Time // when the origin last confirmed it (cached objects)
	weight    uint32

	// derived marks an output (derived.go): fresh as long as its key's
	// version is the one served, never revalidated itself.
	derived bool
	// outputs lists what was derived from this stored version, so a new
	// version drops it; shared by the copies a revalidation makes.
	outputs *outputs
}

// Buffered reports whether the body is in memory (complete or arriving).
func (o *Object) Buffered() bool { return o.buf != nil }

// Body returns the buffered body, or nil.
func (o *Object) Body() *Buffer { return o.buf }

// Open returns a reader of the body from off: a buffered body for any
// caller, the live body for the first caller only (ok false for the others,
// which fetch their own). An object without a body reads empty.
func (o *Object) Open(ctx context.Context, off int64) (body io.ReadCloser, ok bool) {
	switch {
	case o.buf != nil:
		return o.buf.NewReader(ctx, off), true
	case o.live != nil:
		if off != 0 || !o.claimed.CompareAndSwap(false, true) {
			return nil, false
		}
		return o.live, true
	}
	return io.NopCloser(eofReader{}), true
}

// Release closes a live body nobody claimed (a caller done with o calls
// it; for a buffered body it does nothing).
func (o *Object) Release() {
	if o.live != nil && o.claimed.CompareAndSwap(false, true) {
		o.live.Close()
	}
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
