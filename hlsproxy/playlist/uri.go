package playlist

import (
	"fmt"
	"net/url"
	"strings"
)

// queryKeep marks the bytes AppendQuery writes literally. Everything else is
// percent-encoded with upper-case hex. Kept: A-Z a-z 0-9 and - . _ ~ (RFC
// 3986 unreserved) plus ! * ( ) = : @ / , ? — every character an EdgeAuth
// token uses except '%', all legal in a query, and none of them changed by
// url.QueryUnescape, Go's url.ParseQuery, ffmpeg, or a browser's URL parser.
// Escaped: space (as %20, never '+'), '+' (form decoders read it as a
// space), '%', '&', '#', ';' (Go's ParseQuery rejects it), '\” (browsers
// escape it in queries), '"', '$', '<', '>', '[', ']', '\\', '^', '`', '{',
// '|', '}', control characters and every non-ASCII byte. So
// url.QueryUnescape of the written value always returns the value.
var queryKeep [256]bool

func init() {
	for c := 'A'; c <= 'Z'; c++ {
		queryKeep[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		queryKeep[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		queryKeep[c] = true
	}
	for _, c := range "-._~!*()=:@/,?" {
		queryKeep[c] = true
	}
}

// QueryEscape escapes s for use as a query parameter name or value the way
// AppendQuery does (see queryKeep).
func QueryEscape(s string) string {
	for i := 0; i < len(s); i++ {
		if !queryKeep[s[i]] {
			return string(appendEscaped(make([]byte, 0, len(s)+16), s))
		}
	}
	return s
}

// AppendQuery adds param=value to the query of uri, choosing '?' or '&' and
// keeping a fragment at the end. If the query already has param (compared
// raw and unescaped), uri is returned unchanged. param and value are escaped
// with QueryEscape. It does not check the scheme: use IsHTTPURI first for
// key URIs.
func AppendQuery(uri, param, value string) string {
	if !needsParam(uri, param) {
		return uri
	}
	var b strings.Builder
	b.Grow(len(uri) + 2 + escapedLen(param) + escapedLen(value))
	base, frag, sep := splitForParam(uri)
	b.WriteString(base)
	if sep != 0 {
		b.WriteByte(sep)
	}
	writeEscaped(&b, param)
	b.WriteByte('=')
	writeEscaped(&b, value)
	b.WriteString(frag)
	return b.String()
}

// AppendQueryTo appends AppendQuery(uri, param, value) to dst without
// allocating (unless dst must grow).
func AppendQueryTo(dst []byte, uri, param, value string) []byte {
	if !needsParam(uri, param) {
		return append(dst, uri...)
	}
	base, frag, sep := splitForParam(uri)
	dst = append(dst, base...)
	if sep != 0 {
		dst = append(dst, sep)
	}
	dst = appendEscaped(dst, param)
	dst = append(dst, '=')
	dst = appendEscaped(dst, value)
	return append(dst, frag...)
}

// splitForParam splits uri before its fragment and says which separator
// a new parameter needs ('?', '&' or none after a trailing '?' or '&').
func splitForParam(uri string) (base, frag string, sep byte) {
	base = uri
	if i := strings.IndexByte(uri, '#'); i >= 0 {
		base, frag = uri[:i], uri[i:]
	}
	sep = '?'
	if i := strings.IndexByte(base, '?'); i >= 0 {
		sep = '&'
		if i == len(base)-1 || base[len(base)-1] == '&' {
			sep = 0
		}
	}
	return base, frag, sep
}

// needsParam reports whether AppendQuery would add param to uri.
func needsParam(uri, param string) bool {
	if i := strings.IndexByte(uri, '#'); i >= 0 {
		uri = uri[:i]
	}
	i := strings.IndexByte(uri, '?')
	return i < 0 || !hasParam(uri[i+1:], param)
}

const upperHex = "0123456789ABCDEF"

// appendEscaped appends s escaped per queryKeep, copying clean runs whole.
func appendEscaped(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; !queryKeep[c] {
			dst = append(dst, s[last:i]...)
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
			last = i + 1
		}
	}
	return append(dst, s[last:]...)
}

// writeEscaped is appendEscaped for a strings.Builder.
func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; !queryKeep[c] {
			b.WriteString(s[last:i])
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
			last = i + 1
		}
	}
	b.WriteString(s[last:])
}

func escapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !queryKeep[s[i]] {
			n += 2
		}
	}
	return n
}

// hasParam reports whether the raw query q has a parameter named param.
func hasParam(q, param string) bool {
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, _, _ := strings.Cut(kv, "=")
		if k == param {
			return true
		}
		if strings.ContainsAny(k, "%+") {
			if uk, err := url.QueryUnescape(k); err == nil && uk == param {
				return true
			}
		}
	}
	return false
}

// Resolve resolves the playlist URI ref against the playlist's URL base per
// RFC 3986 §5 (dot segments removed). ref is used as written; surrounding
// whitespace is an error.
func Resolve(base *url.URL, ref string) (*url.URL, error) {
	if base == nil {
		return nil, fmt.Errorf("resolve %q: nil base URL", ref)
	}
	if strings.TrimSpace(ref) != ref {
		return nil, fmt.Errorf("resolve %q: surrounding whitespace", ref)
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("resolve %q: %w", ref, err)
	}
	return base.ResolveReference(r), nil
}

// IsHTTPURI reports whether uri, resolved against an http(s) playlist URL,
// is fetched over HTTP: a relative reference (including "//host/path") or
// an http: or https: URI. It is false for skd://, data:, urn:, blob:, ...
func IsHTTPURI(uri string) bool {
	s := scheme(uri)
	return s == "" || strings.EqualFold(s, "http") || strings.EqualFold(s, "https")
}

// scheme returns the RFC 3986 scheme of uri, or "" for a relative reference.
func scheme(uri string) string {
	for i := 0; i < len(uri); i++ {
		c := uri[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return ""
			}
		case c == ':':
			return uri[:i]
		default:
			return ""
		}
	}
	return ""
}
