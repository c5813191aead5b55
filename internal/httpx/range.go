package httpx

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrUnsatisfiable means the Range header is well formed but selects no byte of
// the representation: answer 416 with "Content-Range: bytes */size".
var ErrUnsatisfiable = errors.New("range not satisfiable")

// Range is an inclusive byte range [Start, End] of a representation.
type Range struct {
	Start, End int64
}

// Length is the number of bytes in the range.
func (r Range) Length() int64 { return r.End - r.Start + 1 }

// ContentRange formats the Content-Range value of r within a representation of size bytes.
func (r Range) ContentRange(size int64) string {
	return fmt.Sprintf("bytes %d-%d/%d", r.Start, r.End, size)
}

// UnsatisfiedRange formats the Content-Range value of a 416 answer.
func UnsatisfiedRange(size int64) string { return fmt.Sprintf("bytes */%d", size) }

// ParseRange interprets a Range header against a representation of size bytes.
// It returns ok=false when the whole representation should be sent with 200:
// no header, a unit other than bytes, several ranges (multipart answers are not
// produced), or a syntactically invalid header (RFC 9110 says to ignore it).
// A valid header that selects nothing returns ErrUnsatisfiable.
func ParseRange(header string, size int64) (r Range, ok bool, err error) {
	header = strings.TrimSpace(header)
	if header == "" || size < 0 {
		return Range{}, false, nil
	}
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return Range{}, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return Range{}, false, nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	switch {
	case first == "" && last == "":
		return Range{}, false, nil
	case first == "": // suffix range: the last N bytes
		n, perr := parseOffset(last)
		if perr != nil {
			return Range{}, false, nil
		}
		if n == 0 || size == 0 {
			return Range{}, false, ErrUnsatisfiable
		}
		if n > size {
			n = size
		}
		return Range{Start: size - n, End: size - 1}, true, nil
	default:
		start, perr := parseOffset(first)
		if perr != nil {
			return Range{}, false, nil
		}
		end := size - 1
		if last != "" {
			e, perr := parseOffset(last)
			if perr != nil || e < start {
				return Range{}, false, nil
			}
			if e < end {
				end = e
			}
		}
		if start >= size {
			return Range{}, false, ErrUnsatisfiable
		}
		return Range{Start: start, End: end}, true, nil
	}
}

// parseOffset accepts only plain decimal digits (no sign, no spaces).
func parseOffset(s string) (int64, error) {
	if s == "" || len(s) > 19 {
		return 0, errors.New("bad offset")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("bad offset")
		}
	}
	return strconv.ParseInt(s, 10, 64)
}
