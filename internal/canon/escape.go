package canon

import "strings"

const upperHex = "0123456789ABCDEF"

// IsUnreserved reports whether c is an RFC 3986 unreserved character.
func IsUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// IsPathSafe reports whether c may appear unescaped in a canonical path
// segment: unreserved, sub-delims, ":" and "@" (RFC 3986 pchar).
func IsPathSafe(c byte) bool {
	if IsUnreserved(c) {
		return true
	}
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@':
		return true
	}
	return false
}

// Unhex decodes one hex digit.
func Unhex(c byte) (byte, bool) {
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

// Unescape percent-decodes s strictly: "%" must be followed by two hex
// digits; "+" stays "+". It returns s itself when there is nothing to decode.
func Unescape(s string) (string, bool) {
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
		hi, ok1 := Unhex(s[i+1])
		lo, ok2 := Unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), true
}

// ContainsEscape reports whether s holds a valid %XX escape.
func ContainsEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' {
			if _, ok := Unhex(s[i+1]); ok {
				if _, ok := Unhex(s[i+2]); ok {
					return true
				}
			}
		}
	}
	return false
}

// EscapeFunc escapes every byte for which keep reports false as %XX with the
// given hex alphabet; spaceAsPlus turns ' ' into '+'.
func EscapeFunc(s string, keep func(byte) bool, hexdigits string, spaceAsPlus bool) string {
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

// EscapeSegment escapes a decoded path segment into its canonical form.
func EscapeSegment(s string) string { return EscapeFunc(s, IsPathSafe, upperHex, false) }
