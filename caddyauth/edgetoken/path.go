package edgetoken

import "strings"

// NormalizePath turns a request path as received (r.URL.EscapedPath() or
// the raw path of the request line) into the canonical escaped form that
// ACLs are matched against.
//
// Literal "." and ".." segments are resolved and empty segments ("//")
// collapsed; each segment is percent-decoded once and re-escaped
// canonically (RFC 3986 pchar kept, everything else %XX uppercase). It
// fails closed, with a *Failure of reason malformed, when the path does
// not start with "/", has an invalid escape, climbs above the root, or
// when a decoded segment is still a dot-segment ("%2e%2e"), contains a
// separator ("%2f", "%5c", "\"), a control character, or another escape
// (double encoding such as "%252e").
func NormalizePath(raw string) (string, error) {
	if raw == "" || raw[0] != '/' {
		return "", failf(ReasonMalformed, "request path must start with /")
	}
	if isCanonicalPath(raw) {
		return raw, nil
	}
	return normalizeSlow(raw)
}

// isCanonicalPath is the allocation-free fast path: no escapes, only
// canonical characters, no empty or dot segments.
func isCanonicalPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '/' {
			if !isPathSafe(c) {
				return false
			}
			continue
		}
		rest := p[i+1:]
		if strings.HasPrefix(rest, "/") {
			return false
		}
		if rest == "." || rest == ".." || strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../") {
			return false
		}
	}
	return true
}

func normalizeSlow(raw string) (string, error) {
	segs := strings.Split(raw[1:], "/")
	out := make([]string, 0, len(segs))
	trailing := false
	for i, seg := range segs {
		last := i == len(segs)-1
		switch seg {
		case "", ".":
			trailing = last
			continue
		case "..":
			if len(out) == 0 {
				return "", failf(ReasonMalformed, "request path climbs above the root")
			}
			out = out[:len(out)-1]
			trailing = last
			continue
		}
		trailing = false
		dec, ok := unescape(seg)
		if !ok {
			return "", failf(ReasonMalformed, "request path has an invalid percent-encoding")
		}
		if dec == "." || dec == ".." {
			return "", failf(ReasonMalformed, "request path has an encoded dot-segment")
		}
		if strings.ContainsAny(dec, "/\\") {
			return "", failf(ReasonMalformed, "request path has an encoded path separator")
		}
		if hasControl(dec) {
			return "", failf(ReasonMalformed, "request path has a control character")
		}
		if containsEscape(dec) {
			return "", failf(ReasonMalformed, "request path is percent-encoded twice")
		}
		out = append(out, canonSegment(dec))
	}
	var b strings.Builder
	b.Grow(len(raw))
	for _, s := range out {
		b.WriteByte('/')
		b.WriteString(s)
	}
	if b.Len() == 0 || trailing {
		b.WriteByte('/')
	}
	return b.String(), nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
