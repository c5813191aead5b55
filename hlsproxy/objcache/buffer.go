package objcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ErrIncomplete is the error of a body that ended before its length.
var ErrIncomplete = errors.New("objcache: origin body ended before its Content-Length")

// Buffer holds one origin body as it arrives. One filler appends; readers
// read what has arrived and wait for the rest. Bytes once written never
// change, so a reader's slice stays valid when the buffer grows.
type Buffer struct {
	mu   sync.Mutex
	data []byte
	done bool
	err  error
	wake chan struct{} // closed and replaced on every write and on finish
}

// newBuffer returns an empty buffer sized for n bytes.
func newBuffer(n int64) *Buffer {
	return &Buffer{data: make([]byte, 0, n), wake: make(chan struct{})}
}

func (b *Buffer) write(p []byte) {
	b.mu.Lock()
	b.data = append(b.data, p...)
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}

func (b *Buffer) finish(err error) {
	b.mu.Lock()
	b.done, b.err = true, err
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}

// fill copies src into b until EOF or an error, and checks the length.
func (b *Buffer) fill(src io.Reader, want int64) error {
	p := make([]byte, 32<<10)
	var n int64
	for {
		k, err := src.Read(p)
		if k > 0 {
			if n+int64(k) > want {
				err = fmt.Errorf("objcache: origin body longer than its Content-Length %d", want)
				b.finish(err)
				return err
			}
			b.write(p[:k])
			n += int64(k)
		}
		if err == io.EOF {
			if n != want {
				err = fmt.Errorf("%w (%d of %d bytes)", ErrIncomplete, n, want)
			} else {
				err = nil
			}
			b.finish(err)
			return err
		}
		if err != nil {
			b.finish(err)
			return err
		}
	}
}

// state is what a reader at some offset sees.
type state struct {
	chunk []byte // the bytes from the offset that have arrived
	done  bool
	err   error
	wake  <-chan struct{}
}

func (b *Buffer) at(off int64) state {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := state{done: b.done, err: b.err, wake: b.wake}
	if off < int64(len(b.data)) {
		st.chunk = b.data[off:len(b.data):len(b.data)]
	}
	return st
}

// Wait blocks until the body is complete and returns it, or the error that
// ended it, or ctx's error.
func (b *Buffer) Wait(ctx context.Context) ([]byte, error) {
	for {
		b.mu.Lock()
		data, done, err, wake := b.data, b.done, b.err, b.wake
		b.mu.Unlock()
		if done {
			if err != nil {
				return nil, err
			}
			return data, nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// NewReader reads the body from off. It waits for bytes not yet arrived,
// returns the filler's error after the last byte that arrived, and ctx's
// error when ctx ends first (the caller's client left: others go on).
func (b *Buffer) NewReader(ctx context.Context, off int64) io.ReadCloser {
	return &reader{b: b, ctx: ctx, off: off}
}

type reader struct {
	b   *Buffer
	ctx context.Context
	off int64
}

func (r *reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		st := r.b.at(r.off)
		if len(st.chunk) > 0 {
			n := copy(p, st.chunk)
			r.off += int64(n)
			return n, nil
		}
		if st.done {
			if st.err != nil {
				return 0, st.err
			}
			return 0, io.EOF
		}
		select {
		case <-st.wake:
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
}

func (r *reader) Close() error { return nil }
