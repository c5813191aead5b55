package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// body wraps an origin response body: it fails when the body stalls for longer than idle
// between reads, turns a body shorter than its Content-Length into an error wrapping
// io.ErrUnexpectedEOF, and reports every failure as *Error.
type body struct {
	rc        io.ReadCloser
	origin    string
	remaining int64 // bytes still due per Content-Length; -1 when unknown
	idle      time.Duration
	timer     *time.Timer // fires -> sets fired and cancels the request context
	fired     *atomic.Bool
	cancel    context.CancelFunc
	parent    context.Context
	err       error // sticky
	closed    atomic.Bool
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	b.timer.Reset(b.idle)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if b.remaining >= 0 {
		b.remaining -= int64(n)
	}
	switch {
	case err == nil:
		return n, nil
	case errors.Is(err, io.EOF) && b.remaining > 0:
		err = &Error{Kind: Unavailable, Origin: b.origin,
			Err: fmt.Errorf("body ended %d bytes short of Content-Length: %w", b.remaining, io.ErrUnexpectedEOF)}
	case err == io.EOF:
		b.err = io.EOF
		return n, io.EOF
	case b.fired.Load():
		err = &Error{Kind: Timeout, Origin: b.origin,
			Err: fmt.Errorf("body stalled for more than %s", b.idle)}
	default:
		err = transportError(b.origin, b.parent, false, err)
	}
	b.err = err
	return n, err
}

func (b *body) Close() error {
	if b.closed.Swap(true) {
		return nil
	}
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel()
	return err
}
