package attack

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// headerBytes serialises the header, without the one named skip.
func headerBytes(h http.Header, skip string) []byte {
	var b bytes.Buffer
	for k, vs := range h {
		if strings.EqualFold(k, skip) {
			continue
		}
		for _, v := range vs {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.Bytes()
}

// parseSetCookie returns the token of a __token__ Set-Cookie line and its acl
// field split at "!". The value is returned as sent (quotes kept: that is
// what a browser sends back).
func parseSetCookie(line string) (value string, acl []string, ok bool) {
	nv, _, _ := strings.Cut(line, ";")
	name, v, found := strings.Cut(strings.TrimSpace(nv), "=")
	if !found || name != "__token__" || v == "" {
		return "", nil, false
	}
	for field := range strings.SplitSeq(strings.Trim(v, `"`), "~") {
		if a, ok := strings.CutPrefix(field, "acl="); ok {
			acl = strings.Split(a, "!")
		}
	}
	return v, acl, true
}

// literalDir returns the directory an ACL part of a minted cookie covers,
// decoded, when the part is a literal directory prefix + "*": the path may
// be percent-encoded (the canonical escaped path, "/hls/my%20show/*"), but
// neither it nor its decoding may hold another metacharacter (!, *, ?, ~,
// %), an encoded "/" or a backslash, or an empty or dot segment.
func literalDir(part string) (string, bool) {
	raw, ok := strings.CutSuffix(part, "*")
	if !ok || strings.ContainsAny(raw, "!*?~\\") || strings.Contains(strings.ToLower(raw), "%2f") {
		return "", false
	}
	dir, err := url.PathUnescape(raw)
	if err != nil || len(dir) < 3 || dir[0] != '/' || !strings.HasSuffix(dir, "/") || strings.ContainsAny(dir, "!*?~%\\") {
		return "", false
	}
	for seg := range strings.SplitSeq(dir[1:len(dir)-1], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	return dir, true
}

func literalPrefixACL(part string) bool {
	_, ok := literalDir(part)
	return ok
}

// within reports whether every part of acl is a literal directory under one
// of the (decoded) dirs, e.g. /hls/a/ and /keys/a/.
func within(acl []string, dirs ...string) bool {
	if len(acl) == 0 {
		return false
	}
	for _, part := range acl {
		dir, ok := literalDir(part)
		if !ok {
			return false
		}
		under := false
		for _, d := range dirs {
			under = under || strings.HasPrefix(dir, d)
		}
		if !under {
			return false
		}
	}
	return true
}

// redactQuery drops the query of a target (for the minted-by note).
func redactQuery(target string) string {
	p, _, _ := strings.Cut(target, "?")
	return p
}

// cookieOf returns the __token__ cookie an answer set ("" when none) as the
// Cookie header value a browser would send.
func cookieOf(res *testutil.RawResponse) (cookie string, acl []string) {
	for _, sc := range res.Header.Values("Set-Cookie") {
		if v, a, ok := parseSetCookie(sc); ok {
			return "__token__=" + v, a
		}
	}
	return "", nil
}
