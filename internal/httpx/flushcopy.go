package httpx

import "io"

// CopyFlushing copies src to dst through buf and calls flush after every
// write whose read came back short (fewer bytes than buf holds): the source
// had no more at that moment, so what arrived goes to the client now
// instead of waiting in the response's buffers (net/http holds up to 4 KiB,
// an HTTP/2 stream as much) for bytes that may come much later — a part
// being written, a slow origin. A source that fills buf each time (a fast
// body) is written without flushing: large writes pass net/http's buffers
// anyway. Errors of dst, flush and src end the copy; a flush error is
// returned only when the write succeeded.
func CopyFlushing(dst io.Writer, flush func() error, src io.Reader, buf []byte) (int64, error) {
	var total int64
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			m, werr := dst.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
			if m < n {
				return total, io.ErrShortWrite
			}
			if n < len(buf) && rerr == nil {
				if err := flush(); err != nil {
					return total, err
				}
			}
		}
		switch rerr {
		case nil:
		case io.EOF:
			return total, nil
		default:
			return total, rerr
		}
	}
}
