package edgetoken

import (
	"slices"
	"strings"

	"github.com/mediagate/caddy-mediagate/internal/canon"
)

const (
	lowerHex = "0123456789abcdef"
	upperHex = "0123456789ABCDEF"
)

func isUnreserved(c byte) bool         { return canon.IsUnreserved(c) }
func unhex(c byte) (byte, bool)        { return canon.Unhex(c) }
func unescape(s string) (string, bool) { return canon.Unescape(s) }
func escapeFunc(s string, keep func(byte) bool, hexdigits string, spaceAsPlus bool) string {
	return canon.EscapeFunc(s, keep, hexdigits, spaceAsPlus)
}

// QuotePlusLower escapes s like the Akamai Python SDK's escape_early:
// urllib.parse.quote_plus (safe characters: unreserved; space becomes
// "+") with the %XX escapes lowercased.
func QuotePlusLower(s string) string {
	return escapeFunc(s, isUnreserved, lowerHex, true)
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

// The escapings escape_early generators apply to the URL they sign, as
// families: which bytes stay raw, the case of the %XX hex, and how a space
// is written. Their product covers the SDKs and the PHP and classic
// generators sites use (Python 3 and 2 quote_plus, Node's
// encodeURIComponent with ~'* escaped, Java's URLEncoder, PHP rawurlencode,
// Perl's lowercase escapes, Ruby's CGI.escape); each is an escaping of the
// same decoded path, so trying them all never widens what a token covers.
var earlyKeepSets = []func(byte) bool{
	isUnreserved, // RFC 3986: Python 3 quote_plus, PHP rawurlencode, Ruby CGI.escape, Perl
	func(c byte) bool { return c != '~' && isUnreserved(c) },                          // Python < 3.7
	func(c byte) bool { return isAlnum(c) || strings.IndexByte("-_.!()", c) >= 0 },    // Node SDK
	func(c byte) bool { return isAlnum(c) || strings.IndexByte(".-*_", c) >= 0 },      // Java URLEncoder
	func(c byte) bool { return isAlnum(c) || strings.IndexByte("-_.!~*'()", c) >= 0 }, // encodeURIComponent
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// earlyEscapings returns every distinct escape_early spelling of the
// decoded path dec, most common first.
func earlyEscapings(dec string) []string {
	out := make([]string, 0, 4)
	for _, keep := range earlyKeepSets {
		for _, hexdigits := range []string{lowerHex, upperHex} {
			for _, plus := range []bool{true, false} {
				s := escapeFunc(dec, keep, hexdigits, plus)
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}
