// Package canon computes the one canonical form of a request path that every
// mediagate module reads: secure_routes' allow list, edgeauth's ACL and URL
// checks and its session ACL, and hls_proxy's object key. A path either has
// exactly one meaning or is refused: nothing is resolved, merged or decoded
// twice, so two modules can never see two different paths in one request.
//
// The package has no Caddy import; the glue stores a Path in the request
// context (see context.go) so it is computed once per request.
package canon

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Reasons a request path is refused. Every one is a client error (400),
// except ErrNotOriginForm, which names no path at all (404).
var (
	ErrNotOriginForm    = errors.New("request path is not in origin form")
	ErrBadEscape        = errors.New("request path has an invalid percent-encoding")
	ErrDotSegment       = errors.New("request path has a dot segment")
	ErrEmptySegment     = errors.New("request path has an empty segment (//)")
	ErrEncodedSeparator = errors.New("request path has an encoded or backslash separator")
	ErrControl          = errors.New("request path has a control character")
	ErrBadUTF8          = errors.New("request path is not valid UTF-8 once decoded")
	ErrDoubleEncoded    = errors.New("request path is percent-encoded twice")
	ErrTooLong          = errors.New("request path is too long")
)

// MaxLen bounds a request path (escaped form).
const MaxLen = 8192

// Path is a request path in canonical form. Decoded is what the segments
// mean ("/hls/my video/a.m3u8"); Escaped is its one escaped spelling
// ("/hls/my%20video/a.m3u8": RFC 3986 pchar kept, every other byte %XX with
// upper-case hex), the form ACLs are matched against. A trailing "/" is kept.
type Path struct {
	Decoded string
	Escaped string
}

// Dir is the escaped directory of the path with its trailing slash
// ("/hls/a/index.m3u8" -> "/hls/a/"; "/hls/a/" -> "/hls/a/").
func (p Path) Dir() string { return p.Escaped[:strings.LastIndexByte(p.Escaped, '/')+1] }

// DecodedDir is Dir decoded.
func (p Path) DecodedDir() string { return p.Decoded[:strings.LastIndexByte(p.Decoded, '/')+1] }

// Segments returns the decoded segments (no empty ones, except a trailing
// "" for a path that ends in "/").
func (p Path) Segments() []string { return strings.Split(p.Decoded[1:], "/") }

// Parse canonicalises escaped, a path as received on the wire
// (url.URL.EscapedPath or the request line's path). It refuses, never
// repairs: dot segments (literal or encoded), empty segments other than a
// trailing slash, encoded "/" or "\", a raw "\", control characters (raw or
// encoded, %00 included), invalid escapes, invalid UTF-8 and escapes that
// decode to another escape ("%252e").
func Parse(escaped string) (Path, error) {
	if escaped == "" || escaped[0] != '/' {
		return Path{}, ErrNotOriginForm
	}
	if len(escaped) > MaxLen {
		return Path{}, ErrTooLong
	}
	if isCanonical(escaped) {
		return Path{Decoded: escaped, Escaped: escaped}, nil
	}
	return parseSlow(escaped)
}

// isCanonical is the allocation-free fast path: only pchar bytes and
// slashes, no empty or dot segments.
func isCanonical(p string) bool {
	segStart := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && p[i] != '/' {
			if !IsPathSafe(p[i]) {
				return false
			}
			continue
		}
		seg := p[segStart:i]
		if seg == "." || seg == ".." || seg == "" && i < len(p) {
			return false
		}
		segStart = i + 1
	}
	return true
}

func parseSlow(raw string) (Path, error) {
	segs := strings.Split(raw[1:], "/")
	var dec, esc strings.Builder
	dec.Grow(len(raw))
	esc.Grow(len(raw) + 8)
	for i, seg := range segs {
		if seg == "" && i < len(segs)-1 {
			return Path{}, ErrEmptySegment
		}
		d, err := decodeSegment(seg)
		if err != nil {
			return Path{}, err
		}
		dec.WriteByte('/')
		dec.WriteString(d)
		esc.WriteByte('/')
		esc.WriteString(EscapeSegment(d))
	}
	if esc.Len() > MaxLen {
		// The bound holds for the canonical form too, so a path that
		// parses also parses again from its Escaped form.
		return Path{}, ErrTooLong
	}
	return Path{Decoded: dec.String(), Escaped: esc.String()}, nil
}

// decodeSegment percent-decodes one segment and checks what it decodes to.
func decodeSegment(seg string) (string, error) {
	if seg == "." || seg == ".." {
		return "", ErrDotSegment
	}
	d, ok := Unescape(seg)
	if !ok {
		return "", ErrBadEscape
	}
	switch {
	case d == "." || d == "..":
		return "", ErrDotSegment
	case strings.ContainsAny(d, "/\\"):
		return "", ErrEncodedSeparator
	case hasControl(d):
		return "", ErrControl
	case !utf8.ValidString(d):
		return "", ErrBadUTF8
	case d != seg && ContainsEscape(d):
		return "", ErrDoubleEncoded
	}
	return d, nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// Status is the HTTP status a refused path deserves: 404 for a target that
// is not a path, 400 for every other refusal.
func Status(err error) int {
	if errors.Is(err, ErrNotOriginForm) {
		return 404
	}
	return 400
}
