package edgetoken

import (
	"strings"
)

// MatchACL reports whether one acl entry of a token covers escapedPath,
// which must be the output of NormalizePath.
//
// The entry is taken as received: it may be percent-encoded by its
// generator ("%2f*", PHP's "%2Fhls%2Fstream1%2F%2A"), so it is decoded
// once, split at "!" (an encoded "%21" separates ACLs too) and each part
// re-escaped canonically before matching. In a pattern "*" matches any
// run of characters including "/", and "?" exactly one character of the
// escaped path. An empty pattern matches nothing.
func MatchACL(acl, escapedPath string) bool { return matchACL(acl, escapedPath, DefaultACLDelimiter) }

// matchACL is MatchACL with the token's ACL delimiter.
func matchACL(acl, escapedPath string, delim byte) bool {
	if acl == "" {
		return false
	}
	if isFastACL(acl) && strings.IndexByte(acl, delim) < 0 {
		return wildMatch(acl, escapedPath)
	}
	if escapedByGenerator(acl) {
		// A generator that escapes the ACL (Java's URLEncoder, quote_plus,
		// rawurlencode) escapes "+" itself: a raw "+" there is a space.
		acl = strings.ReplaceAll(acl, "+", " ")
	}
	dec, ok := unescape(acl)
	if !ok {
		return false
	}
	for part := range strings.SplitSeq(dec, string(delim)) {
		if part != "" && wildMatch(canonACL(part), escapedPath) {
			return true
		}
	}
	return false
}

// MatchAnyACL reports whether one of the acl entries (a token's ACLs, or
// any list of patterns) covers escapedPath, as MatchACL.
func MatchAnyACL(acls []string, escapedPath string) bool {
	return matchAnyACL(acls, escapedPath, DefaultACLDelimiter)
}

func matchAnyACL(acls []string, escapedPath string, delim byte) bool {
	for _, a := range acls {
		if matchACL(a, escapedPath, delim) {
			return true
		}
	}
	return false
}

// isFastACL reports whether acl is a single pattern already in canonical
// form (no escapes, no "!").
func isFastACL(acl string) bool {
	for i := 0; i < len(acl); i++ {
		if !isACLSafe(acl[i]) {
			return false
		}
	}
	return true
}

// wildMatch matches s against pattern p where '*' matches any run of
// bytes and '?' exactly one byte. It runs in O(len(p)*len(s)) worst case
// without recursion or allocation.
func wildMatch(p, s string) bool {
	px, sx := 0, 0
	starPx, starSx := -1, 0
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				starPx, starSx = px, sx
				px++
				continue
			case '?':
				if sx < len(s) {
					px++
					sx++
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if starPx >= 0 && starSx < len(s) {
			starSx++
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

// escapedByGenerator reports an ACL escaped as a whole by its generator: it
// escapes the path separators ("%2F"), which no canonical path (and so no ACL
// mediagate mints) holds. Elsewhere "+" is a literal "+", as in paths.
func escapedByGenerator(acl string) bool {
	return strings.Contains(acl, "%2F") || strings.Contains(acl, "%2f")
}
