package edgetoken

import "strings"

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
)

// isUnreserved reports whether c is an RFC 3986 unreserved character
// (ALPHA / DIGIT / "-" / "." / "_" / "~").
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// isPathSafe reports whether c may appear unescaped in a canonical path
// segment: unreserved, sub-delims and ":" / "@" (RFC 3986 pchar).
func isPathSafe(c byte) bool {
	if isUnreserved(c) {
		return true
	}
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@':
		return true
	}
	return false
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescape percent-decodes s strictly: "%" must be followed by two hex
// digits, "+" stays "+". It returns s itself when there is nothing to
// decode.
func unescape(s string) (string, bool) {
	n := strings.IndexByte(s, '%')
	if n < 0 {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:n])
	for i := n; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), true
}

// containsEscape reports whether s holds a valid %XX escape.
func containsEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' {
			if _, ok := unhex(s[i+1]); ok {
				if _, ok := unhex(s[i+2]); ok {
					return true
				}
			}
		}
	}
	return false
}

// escapeFunc escapes every byte for which keep reports false as %XX using
// the given hex alphabet; spaceAsPlus turns ' ' into '+'.
func escapeFunc(s string, keep func(byte) bool, hexdigits string, spaceAsPlus bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case keep(c):
			b.WriteByte(c)
		case c == ' ' && spaceAsPlus:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexdigits[c>>4])
			b.WriteByte(hexdigits[c&15])
		}
	}
	return b.String()
}

// QuotePlusLower escapes s like the Akamai Python SDK's escape_early:
// urllib.parse.quote_plus (safe characters: unreserved; space becomes
// "+") with the %XX escapes lowercased.
func QuotePlusLower(s string) string {
	return escapeFunc(s, isUnreserved, lowerHex, true)
}

// quotePlusLowerLegacy is quote_plus before Python 3.7, which also
// escaped "~".
func quotePlusLowerLegacy(s string) string {
	return escapeFunc(s, func(c byte) bool { return c != '~' && isUnreserved(c) }, lowerHex, true)
}

// RawURLEncode escapes s like PHP rawurlencode (used by the PHP
// generator's set_early_url_encoding): unreserved characters kept,
// everything else %XX with uppercase hex.
func RawURLEncode(s string) string {
	return escapeFunc(s, isUnreserved, upperHex, false)
}

// canonSegment escapes a decoded path segment into its canonical form.
func canonSegment(s string) string {
	return escapeFunc(s, isPathSafe, upperHex, false)
}

func isACLSafe(c byte) bool {
	return c != '!' && (isPathSafe(c) || c == '/' || c == '?')
}

// canonACL escapes a decoded ACL pattern like canonSegment but keeps "/"
// and the wildcards "*" and "?".
func canonACL(s string) string {
	return escapeFunc(s, isACLSafe, upperHex, false)
}
