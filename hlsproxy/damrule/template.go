package damrule

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Placeholder is what a template's {asset} is replaced with.
const Placeholder = "{asset}"

// Template is a rule URL with {asset} in its path or query.
type Template struct {
	raw     string
	inQuery []bool // per occurrence of {asset}: after the '?'
}

// ParseTemplate checks a rule URL template: an absolute http(s) URL with a
// host, no fragment, and {asset} at least once, in the path or the query
// (never in the scheme, user info or host).
func ParseTemplate(s string) (Template, error) {
	n := strings.Count(s, Placeholder)
	if n == 0 {
		return Template{}, fmt.Errorf("rule URL %q: no %s placeholder", s, Placeholder)
	}
	u, err := url.Parse(strings.ReplaceAll(s, Placeholder, "x"))
	if err != nil {
		return Template{}, fmt.Errorf("rule URL %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return Template{}, fmt.Errorf("rule URL %q: want an absolute http:// or https:// URL", s)
	}
	if strings.Contains(s, "#") {
		return Template{}, fmt.Errorf("rule URL %q: a fragment is never sent", s)
	}
	hostEnd := len(u.Scheme) + len("://") + len(u.Host)
	if u.User != nil {
		return Template{}, fmt.Errorf("rule URL %q: user info in the URL is not supported", s)
	}
	q := strings.IndexByte(s, '?')
	t := Template{raw: s}
	rest := s
	for off := 0; ; {
		i := strings.Index(rest, Placeholder)
		if i < 0 {
			break
		}
		pos := off + i
		if pos < hostEnd {
			return Template{}, errors.New("rule URL: " + Placeholder + " must be in the path or the query, not the host")
		}
		t.inQuery = append(t.inQuery, q >= 0 && pos > q)
		off = pos + len(Placeholder)
		rest = s[off:]
	}
	return t, nil
}

// String is the template as configured.
func (t Template) String() string { return t.raw }

// URL is the rule URL of an asset: in the query the asset is escaped as a
// query value (slashes too), in the path each of its segments is
// path-escaped and the slashes kept.
func (t Template) URL(asset string) string {
	var b strings.Builder
	rest := t.raw
	for _, inQuery := range t.inQuery {
		i := strings.Index(rest, Placeholder)
		b.WriteString(rest[:i])
		if inQuery {
			b.WriteString(url.QueryEscape(asset))
		} else {
			b.WriteString(escapePath(asset))
		}
		rest = rest[i+len(Placeholder):]
	}
	b.WriteString(rest)
	return b.String()
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
