package edgetoken

import "github.com/mediagate/caddy-mediagate/internal/canon"

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
)

func isUnreserved(c byte) bool         { return canon.IsUnreserved(c) }
func unhex(c byte) (byte, bool)        { return canon.Unhex(c) }
func unescape(s string) (string, bool) { return canon.Unescape(s) }
func canonSegment(s string) string     { return canon.EscapeSegment(s) }
func escapeFunc(s string, keep func(byte) bool, hexdigits string, spaceAsPlus bool) string {
	return canon.EscapeFunc(s, keep, hexdigits, spaceAsPlus)
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

func isACLSafe(c byte) bool {
	return c != '!' && (canon.IsPathSafe(c) || c == '/' || c == '?')
}

// canonACL escapes a decoded ACL pattern like canonSegment but keeps "/"
// and the wildcards "*" and "?".
func canonACL(s string) string {
	return escapeFunc(s, isACLSafe, upperHex, false)
}
