package perimeter

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// patternKind says how a Pattern is compared with a request path. The kinds
// mirror the fast paths of Caddy's path matcher (caddyhttp.MatchPath).
type patternKind uint8

const (
	kindAll       patternKind = iota // "*": every path
	kindSubstring                    // "*foo*": contains
	kindSuffix                       // "*.m3u8": ends with
	kindPrefix                       // "/hls/*": starts with
	kindGlob                         // anything else: path.Match (exact when no wildcard)
)

// Pattern is a compiled path pattern with the semantics of Caddy's path
// matcher: matching is case-insensitive and done on the cleaned path; a
// pattern that starts and ends with "*" is a substring match, one that only
// starts with "*" a suffix match, one that only ends with "*" a prefix match,
// and anything else a path.Match glob ("*" does not cross "/"). A pattern
// containing "//" is compared with a path whose empty segments are kept;
// otherwise repeated slashes in the request path are merged first.
//
// Unlike Caddy's matcher, placeholders ("{...}") and escaped-space patterns
// ("%") are refused when compiling, and so are backslashes.
type Pattern struct {
	raw         string
	pat         string // lower-cased raw, the form that is matched
	kind        patternKind
	keepSlashes bool
	substr      string // the literal part for substring, suffix and prefix kinds
}

// ErrBadPattern is wrapped by every error CompilePattern returns.
var ErrBadPattern = errors.New("invalid path pattern")

// CompilePattern validates s and returns its compiled form.
func CompilePattern(s string) (Pattern, error) {
	bad := func(why string) (Pattern, error) {
		return Pattern{}, fmt.Errorf("%w %q: %s", ErrBadPattern, s, why)
	}
	switch {
	case s == "":
		return bad("empty")
	case s[0] != '/' && s[0] != '*':
		return bad("must start with / or *")
	case strings.ContainsAny(s, "{}"):
		return bad("placeholders are not supported")
	case strings.Contains(s, "%"):
		return bad("escaped (%) patterns are not supported; write the decoded path")
	case strings.Contains(s, `\`):
		return bad("backslashes are not supported")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == ' ' {
			return bad("control characters and spaces are not allowed")
		}
	}
	low := strings.ToLower(s)
	p := Pattern{raw: s, pat: low, keepSlashes: strings.Contains(low, "//")}
	stars := strings.Count(low, "*")
	switch {
	case low == "*":
		p.kind = kindAll
	case stars == 2 && strings.HasPrefix(low, "*") && strings.HasSuffix(low, "*"):
		p.kind, p.substr = kindSubstring, low[1:len(low)-1]
	case stars == 1 && strings.HasPrefix(low, "*"):
		p.kind, p.substr = kindSuffix, low[1:]
	case stars == 1 && strings.HasSuffix(low, "*"):
		p.kind, p.substr = kindPrefix, low[:len(low)-1]
	default:
		p.kind = kindGlob
		if _, err := path.Match(low, "/"); err != nil {
			return bad(err.Error())
		}
	}
	return p, nil
}

// MustCompilePattern is CompilePattern for patterns known to be valid; it
// panics otherwise. Meant for tests and package-level defaults.
func MustCompilePattern(s string) Pattern {
	p, err := CompilePattern(s)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the pattern as it was configured.
func (p Pattern) String() string { return p.raw }

// Match reports whether the decoded request path reqPath matches p. It
// lower-cases and cleans reqPath itself; see Pattern for the rules.
func (p Pattern) Match(reqPath string) bool {
	return p.match(newMatchPath(reqPath, p.keepSlashes))
}

// matchPath holds the two cleaned forms of a request path a Pattern may use,
// so a list of patterns cleans each path only once.
type matchPath struct {
	merged string // lower-cased, cleaned, repeated slashes merged
	kept   string // lower-cased, cleaned, empty segments kept (only when needed)
}

// newMatchPath prepares reqPath; the empty-segment-preserving form is only
// computed when withKept is true (some pattern contains "//").
func newMatchPath(reqPath string, withKept bool) matchPath {
	low := strings.ToLower(reqPath)
	mp := matchPath{merged: CleanPath(low, true)}
	if withKept {
		mp.kept = CleanPath(low, false)
	}
	return mp
}

func (p Pattern) match(mp matchPath) bool {
	if p.kind == kindAll {
		return true
	}
	s := mp.merged
	if p.keepSlashes {
		s = mp.kept
	}
	switch p.kind {
	case kindSubstring:
		return strings.Contains(s, p.substr)
	case kindSuffix:
		return strings.HasSuffix(s, p.substr)
	case kindPrefix:
		return strings.HasPrefix(s, p.substr)
	default:
		ok, _ := path.Match(p.pat, s)
		return ok
	}
}

// CleanPath cleans p like path.Clean but keeps a trailing slash; when
// mergeSlashes is false, empty segments ("//") survive the cleaning. It is
// the same transformation Caddy's path matcher applies (caddyhttp.CleanPath).
func CleanPath(p string, mergeSlashes bool) string {
	if mergeSlashes {
		return cleanKeepTrailing(p)
	}
	// Insert a byte that cannot occur in valid UTF-8 between consecutive
	// slashes so path.Clean keeps the empty segments, then remove it. Like
	// Caddy, the path is re-encoded rune by rune, so invalid UTF-8 becomes
	// U+FFFD and can never collide with the marker byte.
	const tmp = "\xff"
	var sb strings.Builder
	sb.Grow(len(p) + 1)
	for i, r := range p {
		if r == '/' && i > 0 && p[i-1] == '/' {
			sb.WriteString(tmp)
		}
		sb.WriteRune(r)
	}
	return strings.ReplaceAll(cleanKeepTrailing(sb.String()), tmp, "")
}

func cleanKeepTrailing(p string) string {
	c := path.Clean(p)
	if c != "/" && strings.HasSuffix(p, "/") {
		c += "/"
	}
	return c
}
