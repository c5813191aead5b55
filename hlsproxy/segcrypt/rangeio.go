package segcrypt

import (
	"fmt"
	"io"
)

// NewRangeDecrypter returns a reader of exactly the plaintext range w was
// computed for (w.Length bytes). src must yield the ciphertext bytes
// [w.FetchStart, w.FetchEnd] and nothing else; bytes past the window are not
// read, and a source that ends early fails with io.ErrUnexpectedEOF.
// When w.IncludesLast, the final block's padding is validated
// (ErrBadPadding) and a range reaching into it fails with
// ErrRangeNotSatisfiable. Without the final block nothing can be validated:
// call PlainLen first to check the key. Memory is constant.
func NewRangeDecrypter(src io.Reader, k Key, iv IV, w CipherWindow) io.Reader {
	if err := checkWindow(w); err != nil {
		return errReader{err}
	}
	var ivp *IV
	if w.UseIV {
		ivp = &iv
	}
	s := newStream(&exactReader{r: src, left: w.FetchLen()}, newCBCDecrypt(k, ivp, w.IncludesLast))
	return &windowReader{s: s, skip: w.Skip, left: w.Length}
}

func checkWindow(w CipherWindow) error {
	n := w.FetchLen()
	switch {
	case w.FetchStart < 0 || w.FetchStart%BlockSize != 0 || n <= 0 || n%BlockSize != 0:
		return fmt.Errorf("segcrypt: invalid window: fetch %d-%d is not block-aligned", w.FetchStart, w.FetchEnd)
	case w.UseIV && w.FetchStart != 0:
		return fmt.Errorf("segcrypt: invalid window: UseIV=%v with fetch start %d", w.UseIV, w.FetchStart)
	case !w.UseIV && n < 2*BlockSize:
		return fmt.Errorf("segcrypt: invalid window: fetch %d-%d has no block after its IV block", w.FetchStart, w.FetchEnd)
	}
	avail := n
	if !w.UseIV {
		avail -= BlockSize
	}
	if w.Skip < 0 || w.Skip >= BlockSize || w.Length <= 0 || w.Skip+w.Length > avail {
		return fmt.Errorf("segcrypt: invalid window: skip %d length %d in %d bytes", w.Skip, w.Length, avail)
	}
	return nil
}

// NewRangeEncrypter returns bytes [start, end] (inclusive) of the
// encryption NewEncrypter(src, k, iv) would produce. CBC output cannot start
// at a random offset (each block depends on the previous one), so src is
// encrypted from its beginning and the output before start is discarded:
// time is linear in end, memory constant. The reader fails with
// ErrRangeNotSatisfiable when the range is empty or negative, or when the
// ciphertext ends before end (check against EncryptedLen first).
func NewRangeEncrypter(src io.Reader, k Key, iv IV, start, end int64) io.Reader {
	if start < 0 || end < start {
		return errReader{fmt.Errorf("%w: bytes %d-%d", ErrRangeNotSatisfiable, start, end)}
	}
	return &windowReader{s: newStream(src, newCBCEncrypt(k, iv)), skip: start, left: end - start + 1}
}

// RangeEncryptPrefix returns how many leading plaintext bytes
// NewRangeEncrypter needs to produce ciphertext bytes up to end (inclusive)
// of a plaintext of plainLen bytes: the plaintext up to the end of end's
// block, since CBC output block i depends only on plaintext blocks 0..i and
// the padding block follows the truncation point. Fetching only that prefix
// from the origin gives the same bytes [start, end]. end must be below
// EncryptedLen(plainLen); the result is at most plainLen.
func RangeEncryptPrefix(plainLen, end int64) int64 {
	return min(plainLen, (end/BlockSize+1)*BlockSize)
}

// windowReader drops skip bytes of a stream, then yields the next left bytes.
type windowReader struct {
	s    *stream
	skip int64
	left int64
}

func (w *windowReader) short() error {
	return fmt.Errorf("%w: the data ends %d bytes before the range does", ErrRangeNotSatisfiable, w.left)
}

// prepare discards the skipped prefix and makes output available; it returns
// io.EOF when the range is complete.
func (w *windowReader) prepare() error {
	if w.skip > 0 {
		n, err := w.s.discard(w.skip)
		w.skip -= n
		if err == io.EOF {
			return w.short()
		}
		if err != nil {
			return err
		}
	}
	if w.left == 0 {
		return io.EOF
	}
	for len(w.s.out) == 0 {
		switch {
		case w.s.err == io.EOF:
			return w.short()
		case w.s.err != nil:
			return w.s.err
		}
		w.s.fill()
	}
	return nil
}

func (w *windowReader) Read(p []byte) (int, error) {
	if err := w.prepare(); err != nil {
		return 0, err
	}
	if int64(len(p)) > w.left {
		p = p[:w.left]
	}
	n := copy(p, w.s.out)
	w.s.out = w.s.out[n:]
	w.left -= int64(n)
	return n, nil
}

// WriteTo implements io.WriterTo, writing straight from the stream buffer.
func (w *windowReader) WriteTo(dst io.Writer) (int64, error) {
	var total int64
	for {
		if err := w.prepare(); err != nil {
			if err == io.EOF {
				return total, nil
			}
			return total, err
		}
		chunk := w.s.out
		if int64(len(chunk)) > w.left {
			chunk = chunk[:w.left]
		}
		m, err := dst.Write(chunk)
		total += int64(m)
		w.s.out = w.s.out[m:]
		w.left -= int64(m)
		if err != nil {
			return total, err
		}
		if m < len(chunk) {
			return total, io.ErrShortWrite
		}
	}
}

// exactReader yields exactly left bytes of r: io.EOF after them (without
// reading further) and io.ErrUnexpectedEOF if r ends first.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF {
		if e.left > 0 {
			return n, fmt.Errorf("segcrypt: ciphertext window ends %d bytes early: %w", e.left, io.ErrUnexpectedEOF)
		}
		return n, io.EOF
	}
	return n, err
}
