package perimeter

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Reasons a request path is refused before any pattern is consulted.
var (
	// ErrNotOriginForm: the path does not start with "/" (for example the
	// "*" of "OPTIONS *", or an authority-form CONNECT target).
	ErrNotOriginForm = errors.New("request path is not in origin form")
	// ErrDotSegment: a "." or ".." segment, literal or percent-encoded.
	ErrDotSegment = errors.New("request path has a dot segment")
	// ErrEncodedSeparator: "%2f" inside a segment, or a
	// double-encoded separator or dot ("%252f", "%252e", "%255c") that a
	// second decoding further down could turn into one.
	ErrEncodedSeparator = errors.New("request path has an encoded separator")
	// ErrBadPathChar: a control character, a backslash (raw or %5c) or
	// invalid UTF-8.
	ErrBadPathChar = errors.New("request path has a forbidden character")
)

// CheckRequestPath refuses request paths whose segments are not what they
// seem. decoded is the unescaped path (url.URL.Path) and escaped the form
// sent on the wire (url.URL.EscapedPath()). A path that passes has no dot
// segments, the same segments decoded and escaped, no backslash, no control
// characters and valid UTF-8, so matching its cleaned form cannot be steered
// by traversal tricks; repeated slashes are allowed and merged for matching
// exactly as Caddy's path matcher does.
func CheckRequestPath(decoded, escaped string) error {
	if !strings.HasPrefix(decoded, "/") {
		return ErrNotOriginForm
	}
	if !utf8.ValidString(decoded) {
		return ErrBadPathChar
	}
	for i := 0; i < len(decoded); i++ {
		if c := decoded[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return ErrBadPathChar
		}
	}
	if strings.Count(decoded, "/") != strings.Count(escaped, "/") {
		// The decoded form gained a separator: %2f on the wire.
		return ErrEncodedSeparator
	}
	lowEsc := strings.ToLower(escaped)
	for _, enc := range []string{"%2f", "%5c"} {
		if strings.Contains(lowEsc, enc) {
			return ErrEncodedSeparator
		}
	}
	lowDec := strings.ToLower(decoded)
	for _, enc := range []string{"%2f", "%5c", "%2e"} {
		if strings.Contains(lowDec, enc) {
			return ErrEncodedSeparator
		}
	}
	for seg := range strings.SplitSeq(decoded, "/") {
		if seg == "." || seg == ".." {
			return ErrDotSegment
		}
	}
	return nil
}
