package segcrypt

import (
	"errors"
	"fmt"
	"io"
)

// transform converts a prefix of buf in place. buf holds the input bytes not
// yet consumed; its capacity leaves BlockSize spare bytes after a full chunk.
// It returns the output (a prefix of buf[:cap(buf)]), how many input bytes it
// consumed (the rest is carried to the next call) and, only when it is done,
// a terminal error: io.EOF on success. eof says the source is exhausted, in
// which case the transform must finish.
type transform interface {
	process(buf []byte, eof bool) (out []byte, used int, err error)
}

// stream drives a transform over a source with one fixed buffer. It is the
// io.Reader (and io.WriterTo, for io.Copy) behind the public constructors.
type stream struct {
	src   io.Reader
	t     transform
	buf   []byte // chunkSize+BlockSize bytes
	cs, n int    // unconsumed input: buf[cs:n]
	out   []byte // output not yet delivered
	err   error  // terminal error, returned once out is drained
}

func newStream(src io.Reader, t transform) *stream {
	return &stream{src: src, t: t, buf: make([]byte, chunkSize+BlockSize)}
}

// errReader is an io.Reader that fails with err; constructors whose
// arguments are invalid return one, since they cannot return an error.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// fill produces the next output into s.out or sets s.err. It is called only
// when s.out is empty and s.err is nil.
func (s *stream) fill() {
	s.n = copy(s.buf, s.buf[s.cs:s.n])
	s.cs = 0
	empty := 0
	for {
		eof := false
		if s.n < chunkSize {
			m, err := s.src.Read(s.buf[s.n:chunkSize])
			if m < 0 || m > chunkSize-s.n {
				s.err = errors.New("segcrypt: source returned an invalid byte count")
				return
			}
			s.n += m
			switch {
			case err == io.EOF:
				eof = true
			case err != nil:
				s.err = fmt.Errorf("segcrypt: reading source: %w", err)
				return
			case m == 0:
				if empty++; empty >= 100 {
					s.err = io.ErrNoProgress
					return
				}
				continue
			}
		}
		out, used, err := s.t.process(s.buf[:s.n], eof)
		s.out, s.cs = out, used
		if err != nil {
			s.err = err
			return
		}
		if len(out) > 0 || used > 0 {
			return
		}
	}
}

// Read implements io.Reader.
func (s *stream) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		s.fill()
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}

// WriteTo implements io.WriterTo so io.Copy writes straight from the buffer.
func (s *stream) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		if len(s.out) > 0 {
			m, err := w.Write(s.out)
			total += int64(m)
			s.out = s.out[m:]
			if err != nil {
				return total, err
			}
			if len(s.out) > 0 {
				return total, io.ErrShortWrite
			}
		}
		if s.err != nil {
			if s.err == io.EOF {
				return total, nil
			}
			return total, s.err
		}
		s.fill()
	}
}

// discard drops up to n output bytes without copying them and reports how
// many it dropped; it stops early at the end of the stream or on an error.
func (s *stream) discard(n int64) (int64, error) {
	var done int64
	for done < n {
		if len(s.out) == 0 {
			if s.err != nil {
				return done, s.err
			}
			s.fill()
			continue
		}
		k := int64(len(s.out))
		if k > n-done {
			k = n - done
		}
		s.out = s.out[k:]
		done += k
	}
	return done, nil
}
