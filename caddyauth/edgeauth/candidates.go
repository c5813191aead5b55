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
		for _, f := range tokenForms(v) {
			out = append(out, candidate{f, src})
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

// tokenForms are the strings a raw value is tried as, in order: itself,
// then its query-decoded form when different (none for ""). The log filter
// redacts from the same forms.
func tokenForms(v string) []string {
	if v == "" {
		return nil
	}
	if dec, err := url.QueryUnescape(v); err == nil && dec != v && dec != "" {
		return []string{v, dec}
	}
	return []string{v}
}

// splitPair splits a raw query pair into its raw key and value, as the
// lookup reads it (at the first "=").
func splitPair(pair string) (key, value string) {
	k, v, _ := strings.Cut(pair, "=")
	return k, v
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
		k, v := splitPair(pair)
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
		k, _ := splitPair(pair)
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
