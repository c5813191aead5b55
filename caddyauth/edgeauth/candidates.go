package edgeauth

import (
	"net/http"
	"net/url"
	"strings"
)

// candidate is one token found on a request.
type candidate struct {
	value  string
	source string
}

// candidates lists, in the order they are tried: each raw query value of
// param (read from RawQuery by hand so that "+" and "%7E" survive), then
// its decoded form when different; then, unless queryOnly, each cookie
// named `cookie` or like the session cookie, and the header's values (each
// raw, then decoded).
func (c *Config) candidates(r *http.Request, queryOnly bool) []candidate {
	var out []candidate
	add := func(v, src string) {
		if v == "" {
			return
		}
		out = append(out, candidate{v, src})
		if dec, err := url.QueryUnescape(v); err == nil && dec != v && dec != "" {
			out = append(out, candidate{dec, src})
		}
	}
	for _, v := range rawQueryValues(r.URL.RawQuery, c.Query) {
		add(v, SourceQuery)
	}
	if queryOnly {
		return out
	}
	for _, ck := range r.Cookies() {
		if ck.Name == c.Cookie || c.SessionCookie != nil && ck.Name == c.SessionCookie.Name {
			add(ck.Value, SourceCookie)
		}
	}
	if c.Header != "" {
		for _, v := range r.Header.Values(c.Header) {
			add(strings.TrimSpace(v), SourceHeader)
		}
	}
	return out
}

// queryKeyIs reports whether the raw key of a query pair names param,
// literally or once decoded.
func queryKeyIs(rawKey, param string) bool {
	if rawKey == param {
		return true
	}
	k, err := url.QueryUnescape(rawKey)
	return err == nil && k == param
}

// rawQueryValues returns the raw (undecoded) values of param in rawQuery.
func rawQueryValues(rawQuery, param string) []string {
	var vals []string
	for pair := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if queryKeyIs(k, param) {
			vals = append(vals, v)
		}
	}
	return vals
}

// stripQueryParam removes every pair named param from rawQuery, leaving
// the other pairs byte for byte.
func stripQueryParam(rawQuery, param string) string {
	if rawQuery == "" {
		return ""
	}
	kept := make([]string, 0, 4)
	for pair := range strings.SplitSeq(rawQuery, "&") {
		k, _, _ := strings.Cut(pair, "=")
		if !queryKeyIs(k, param) {
			kept = append(kept, pair)
		}
	}
	return strings.Join(kept, "&")
}

// stripToken removes the query token from the request URL and
// RequestURI unless keep_token is set.
func (c *Config) stripToken(r *http.Request) {
	if c.KeepToken || r.URL.RawQuery == "" {
		return
	}
	q := stripQueryParam(r.URL.RawQuery, c.Query)
	if q == r.URL.RawQuery {
		return
	}
	r.URL.RawQuery = q
	r.RequestURI = r.URL.RequestURI()
}
