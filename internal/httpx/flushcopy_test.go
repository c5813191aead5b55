package httpx

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// reads yields one read per piece, then io.EOF.
type reads struct{ pieces [][]byte }

func (r *reads) Read(p []byte) (int, error) {
	if len(r.pieces) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.pieces[0])
	r.pieces = r.pieces[1:]
	return n, nil
}

// flushLog records what had been written at each flush.
type flushLog struct {
	dst bytes.Buffer
	at  []int
}

func (f *flushLog) flush() error { f.at = append(f.at, f.dst.Len()); return nil }

func TestCopyFlushingFlushesAfterEveryShortReadAndNeverAfterAFullOne(t *testing.T) {
	var f flushLog
	src := &reads{pieces: [][]byte{bytes.Repeat([]byte{1}, 8), bytes.Repeat([]byte{2}, 3), bytes.Repeat([]byte{3}, 8), {4}}}
	n, err := CopyFlushing(&f.dst, f.flush, src, make([]byte, 8))
	if err != nil || n != 20 || f.dst.Len() != 20 {
		t.Fatalf("copied %d (%d written): %v", n, f.dst.Len(), err)
	}
	// Flushes after the 3-byte and the 1-byte reads only: the full 8-byte
	// reads wait for more.
	if want := []int{11, 20}; len(f.at) != 2 || f.at[0] != want[0] || f.at[1] != want[1] {
		t.Errorf("flushed at %v, want %v", f.at, want)
	}
}

func TestCopyFlushingDoesNotFlushTheLastReadBeforeEOF(t *testing.T) {
	var f flushLog
	n, err := CopyFlushing(&f.dst, f.flush, iotest.DataErrReader(bytes.NewReader([]byte("abc"))), make([]byte, 8))
	if err != nil || n != 3 || len(f.at) != 0 {
		t.Fatalf("copied %d, flushed at %v: %v", n, f.at, err)
	}
}

func TestCopyFlushingReturnsTheSourceWriteAndFlushErrors(t *testing.T) {
	boom := errors.New("boom")
	var f flushLog
	if _, err := CopyFlushing(&f.dst, f.flush, iotest.ErrReader(boom), make([]byte, 8)); !errors.Is(err, boom) {
		t.Errorf("source error: %v", err)
	}
	if _, err := CopyFlushing(errWriter{boom}, f.flush, bytes.NewReader([]byte("x")), make([]byte, 8)); !errors.Is(err, boom) {
		t.Errorf("write error: %v", err)
	}
	failFlush := func() error { return boom }
	if _, err := CopyFlushing(io.Discard, failFlush, &reads{pieces: [][]byte{{1}}}, make([]byte, 8)); !errors.Is(err, boom) {
		t.Errorf("flush error: %v", err)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }
