package edgetoken

import (
	"github.com/mediagate/caddy-mediagate/internal/canon"
)

// NormalizePath turns a request path as received (r.URL.EscapedPath() or
// the raw path of the request line) into the canonical escaped form that
// ACLs are matched against: the Escaped form of package canon, which every
// mediagate module uses. It refuses rather than repairs — dot segments,
// "//", encoded separators, control characters, invalid escapes or UTF-8
// and double encoding — with a *Failure of reason malformed.
func NormalizePath(raw string) (string, error) {
	p, f := normalize(raw)
	if f != nil {
		return "", f
	}
	return p, nil
}

// normalize is NormalizePath with a concrete refusal.
func normalize(raw string) (string, *Failure) {
	p, err := canon.Parse(raw)
	if err != nil {
		return "", failf(ReasonMalformed, err.Error())
	}
	return p.Escaped, nil
}
