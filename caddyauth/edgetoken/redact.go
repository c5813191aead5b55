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
