package origin

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// EscapeKey escapes an object key (or prefix) for a URL path the way S3 expects it in
// SigV4 canonical requests: every byte except the RFC 3986 unreserved characters
// (A-Z a-z 0-9 - _ . ~) and '/' is percent-encoded with uppercase hex, so a space is
// %20, '+' is %2B and "ü" is %C3%BC.
func EscapeKey(key string) string {
	n := 0
	for i := 0; i < len(key); i++ {
		if !keepByte(key[i]) {
			n++
		}
	}
	if n == 0 {
		return key
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(key)+2*n)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if keepByte(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func keepByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~' || c == '/'
}

// checkKey rejects keys that are empty (an S3 GET on the bucket root lists it), start
// with '/', contain "." or ".." segments (they would escape an HTTP origin's base
// path) or are not valid UTF-8.
func checkKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty object key")
	case key[0] == '/':
		return errors.New("object key starts with '/'")
	case !utf8.ValidString(key):
		return errors.New("object key is not valid UTF-8")
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "." || seg == ".." {
			return errors.New("object key has a '.' or '..' segment")
		}
	}
	return nil
}

// ParseOriginURL splits an origin address: "s3://bucket/prefix" gives ("s3", "bucket",
// "prefix"); "https://host:port/path" gives ("https", "host:port", "path"). The prefix
// is unescaped with leading and trailing slashes trimmed; it may be empty.
// User info, query strings and fragments are rejected.
func ParseOriginURL(s string) (scheme, bucketOrHost, prefix string, err error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", "", fmt.Errorf("origin address: %w", err)
	}
	scheme = strings.ToLower(u.Scheme)
	switch {
	case scheme != "s3" && scheme != "http" && scheme != "https":
		return "", "", "", fmt.Errorf("origin address %q: scheme must be s3, http or https", s)
	case u.Opaque != "" || u.Host == "":
		return "", "", "", fmt.Errorf("origin address %q: missing bucket or host (want scheme://name/prefix)", s)
	case u.User != nil:
		return "", "", "", fmt.Errorf("origin address: credentials in the URL are not allowed (use access_key/secret_key or header)")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", "", "", fmt.Errorf("origin address %q: query and fragment are not allowed", s)
	}
	if scheme == "s3" && !validBucket(u.Host) {
		return "", "", "", fmt.Errorf("origin address %q: invalid bucket name %q", s, u.Host)
	}
	return scheme, u.Host, strings.Trim(u.Path, "/"), nil
}

// validBucket accepts S3 bucket names, plus the uppercase letters and underscores some
// S3-compatible stores allow.
func validBucket(b string) bool {
	if len(b) < 1 || len(b) > 255 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// KeyFromURL maps an absolute URL to an object key of o when the URL lies under one of
// o.URLPrefixes(). Scheme and host compare case-insensitively, paths compare unescaped
// (so "%7E" and "~" agree), and the query is ignored.
func KeyFromURL(o Origin, raw string) (key string, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	for _, p := range o.URLPrefixes() {
		pu, err := url.Parse(p)
		if err != nil || !strings.EqualFold(pu.Scheme, u.Scheme) || !strings.EqualFold(pu.Host, u.Host) {
			continue
		}
		rest, found := strings.CutPrefix(u.Path, pu.Path)
		if !found || checkKey(rest) != nil {
			continue
		}
		return rest, true
	}
	return "", false
}

// joinPrefix returns the escaped "/prefix/" path for a prefix ("/" when empty).
func joinPrefix(prefix string) string {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return "/"
	}
	return "/" + EscapeKey(prefix) + "/"
}
