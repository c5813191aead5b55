package edgetoken

import (
	"net/url"
	"strings"
)

// Redacted replaces a token in logs.
const Redacted = "REDACTED"

// LooksLikeToken reports whether s, raw or percent-decoded once, holds an
// EdgeAuth HMAC field (with any field delimiter).
func LooksLikeToken(s string) bool {
	if strings.Contains(s, "hmac=") {
		return true
	}
	d, err := url.QueryUnescape(s)
	return err == nil && strings.Contains(d, "hmac=")
}

// RedactURI replaces, in a request URI ("/path?query"), every query value
// (or bare query pair) that looks like a token with Redacted, whatever the
// parameter's name; the path and the other pairs are kept byte for byte.
func RedactURI(uri string) string {
	p, q, ok := strings.Cut(uri, "?")
	if !ok || !strings.Contains(q, "hmac") {
		return uri
	}
	pairs := strings.Split(q, "&")
	for i, kv := range pairs {
		if !LooksLikeToken(kv) {
			continue
		}
		if k, _, hasEq := strings.Cut(kv, "="); hasEq && !LooksLikeToken(k) && !strings.Contains(k, "~") {
			pairs[i] = k + "=" + Redacted
		} else {
			pairs[i] = Redacted
		}
	}
	return p + "?" + strings.Join(pairs, "&")
}

// ParsesAsToken reports whether s is a token by the parser every Verifier
// runs first, under any delimiters an issuer may configure: the field
// delimiter of a parsable token is the byte before its last "hmac=" (the hex
// HMAC after it holds none), and the ACL delimiter is taken equal to it,
// which no acl value holds, so no choice of ACL delimiter is refused here
// that a configured one would accept. A token a verifier accepts parses.
func ParsesAsToken(s string) bool {
	i := strings.LastIndex(s, "hmac=")
	if i <= 0 {
		return false // "hmac=<hex>" alone has no exp: never a token
	}
	fd, err := ParseDelimiter(s[i-1 : i])
	if err != nil {
		return false
	}
	_, f := parse(s, Delimiters{Field: fd, ACL: fd})
	return f == nil
}
