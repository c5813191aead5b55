package edgeauth

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// tokenSpellings are request URIs carrying tok in the query under param,
// spelled every way a client may: the name or value percent-encoded byte by
// byte (both hex cases), the field delimiters and "=" raw or encoded, an
// encoded "hmac", and the pair among others.
func tokenSpellings(param, tok string) []string {
	encAll := func(s string, lower bool) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			f := "%%%02X"
			if lower {
				f = "%%%02x"
			}
			fmt.Fprintf(&b, f, s[i])
		}
		return b.String()
	}
	names := []string{param, encAll(param, false), encAll(param, true), param[:len(param)-1] + encAll(param[len(param)-1:], false), "Request%54oken"}
	values := []string{tok, encAll(tok, false), encAll(tok, true),
		strings.ReplaceAll(tok, "=", "%3D"), strings.ReplaceAll(tok, "~", "%7E"), strings.ReplaceAll(tok, "/", "%2F"),
		strings.Replace(tok, "hmac=", "hm%61c%3D", 1), strings.Replace(tok, "hmac=", "%68mac=", 1), strings.Replace(tok, "hmac=", "hmac%3d", 1),
		strings.NewReplacer("=", "%3D", "~", "%7E", "hmac", "hm%61c").Replace(tok)}
	var out []string
	for _, n := range names {
		for _, v := range values {
			out = append(out, "/hls/a/x.ts?"+n+"="+v, "/hls/a/x.ts?x=1&"+n+"="+v+"&y=2")
		}
	}
	return out
}

func TestTokenFilterRedactsEverySpellingEdgeauthAccepts(t *testing.T) {
	for _, fd := range []string{"~", ","} {
		h, _ := newHandler(t, Config{Query: "RequestToken", FieldDelimiter: fd})
		d, _ := h.delimiters()
		tok := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}, Delimiters: d})
		_, mac, _ := strings.Cut(tok, "hmac=")
		accepted := 0
		for _, uri := range tokenSpellings("RequestToken", tok) {
			r := httptest.NewRequest("GET", "https://media.example.com"+uri, nil)
			if serve(t, h, r, "192.0.2.1").status() != 200 {
				continue
			}
			accepted++
			got := (TokenFilter{}).Filter(zap.String("uri", uri)).String
			if strings.Contains(got, mac) {
				t.Errorf("delimiter %s: %s verifies, but the filter logs %s", fd, uri, got)
			}
		}
		if accepted < 20 {
			t.Errorf("delimiter %s: only %d spellings accepted: the generator no longer exercises the lookup", fd, accepted)
		}
	}
}

// FuzzTokenFilterLeavesNothingTheLookupTakesAsAToken: after the filter,
// edgeauth's query lookup, under any parameter name the query holds, finds
// no value that parses as a token.
func FuzzTokenFilterLeavesNothingTheLookupTakesAsAToken(f *testing.F) {
	for _, u := range tokenSpellings("RequestToken", "exp=1700000300~acl=/hls/a/*~hmac=abcd") {
		f.Add(u)
	}
	f.Add("/x?a=exp=1,acl=/a,hmac=ab&b=1")
	f.Fuzz(func(t *testing.T, uri string) {
		got := redact(uri)
		_, q, _ := strings.Cut(got, "?")
		_, origQ, _ := strings.Cut(uri, "?")
		for pair := range strings.SplitSeq(origQ, "&") {
			k, _ := splitPair(pair)
			for _, name := range tokenForms(k) {
				for _, v := range rawQueryValues(q, name) {
					for _, form := range tokenForms(v) {
						if edgetoken.ParsesAsToken(form) {
							t.Fatalf("%q: redacted to %q, where param %q still holds the token %q", uri, got, name, form)
						}
					}
				}
			}
		}
	})
}
