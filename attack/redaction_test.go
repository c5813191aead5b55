package attack

import (
	"fmt"
	"strings"
	"testing"
)

// rowRedactionSpellings: a token spelled every way edgeauth accepts — the
// parameter name percent-encoded, an encoded "hmac" (hm%61c%3D), "=" and
// "~" raw or encoded — opens the asset, and each one sent is registered so
// that rowNoTokenInLog (run last) finds none of them in Caddy's log.
func rowRedactionSpellings(t *testing.T, st *stack) {
	s := st.Sites[0]
	c := newClient(st)
	defer c.closeAll()
	tok := st.assetToken(t, "a")
	enc := func(x string) string {
		var b strings.Builder
		for i := 0; i < len(x); i++ {
			fmt.Fprintf(&b, "%%%02X", x[i])
		}
		return b.String()
	}
	names := []string{"__token__", "__t%6Fken__", enc("__token__")}
	values := []string{tok, strings.Replace(tok, "hmac=", "hm%61c%3D", 1), strings.Replace(tok, "hmac=", "%68mac=", 1),
		strings.NewReplacer("=", "%3D", "~", "%7E").Replace(tok), enc(tok)}
	accepted := 0
	for _, n := range names {
		for _, v := range values {
			r := request{Target: "/hls/a/master.m3u8?" + n + "=" + v}
			if res := c.do(t, s, r); res.Status == 200 {
				accepted++
			}
		}
	}
	if accepted < len(names)*len(values)/2 {
		t.Errorf("%s: only %d of %d token spellings accepted: the row no longer exercises edgeauth's lookup", s.Name, accepted, len(names)*len(values))
	}
	t.Logf("%d token spellings accepted on %s", accepted, s.Name)
}
