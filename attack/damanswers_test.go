package attack

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// DAM answers (issue 24, finding 5): the rule endpoint is a stand-in (a
// DAM's rule API is what a real server here cannot be). Each of its paths
// gives one answer that must read as protected: a redirect to a "public"
// answer, a duplicated member, members equal under case folding, trailing
// data, a BOM, a string for the boolean. A stranger (no token) must get
// none of a's bytes through any of them.

// damAnswers are the stand-in's bodies by path; "/redirect" answers 302 to
// "/public", which says public — a followed redirect would open the asset.
var damAnswers = map[string]string{
	"/public":   `{"tokenize": false}`,
	"/dup":      `{"tokenize": true, "tokenize": false}`,
	"/fold":     `{"tokenize": true, "Tokenize": false}`,
	"/fold2":    `{"TOKENIZE": false}`,
	"/trailing": `{"tokenize": false} {"tokenize": true}`,
	"/bom":      "\ufeff{\"tokenize\": false}",
	"/string":   `{"tokenize": "false"}`,
	"/nbsp":     "{\"tokenize\":\u00a0false}",
}

// damStandIn serves damAnswers and the redirect, counting requests to /public.
func damStandIn(t *testing.T) (url string, followed *atomic.Int64) {
	followed = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/public?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		body, ok := damAnswers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Path == "/public" {
			followed.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, followed
}

const damSite = `
https://localhost:%[1]d {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
		optional
	}
	hls_proxy {
		origin s3://media {
			region us-east-1
			endpoint %[2]s
			access_key {env.ATTACK_S3_ACCESS}
			secret_key {env.ATTACK_S3_SECRET}
		}
		strip_prefix /hls
		asset_policy http %[3]s%[4]s?asset={asset} {
			timeout 2s
		}
	}
}
`

// rowDAMAnswersProtect: every ambiguous or redirected rule answer keeps the
// asset protected: a stranger gets 403 and none of a's bytes, and the
// redirect is never followed.
func rowDAMAnswersProtect(t *testing.T, st *stack) {
	rule, followed := damStandIn(t)
	var paths []string
	for p := range damAnswers {
		if p != "/public" {
			paths = append(paths, p)
		}
	}
	paths = append(paths, "/redirect")
	ports := testutil.FreePorts(t, 3+len(paths))
	var cf strings.Builder
	fmt.Fprintf(&cf, ownGlobal, ports[0], ports[1], ports[2])
	sites := make([]*site, len(paths))
	for i, p := range paths {
		fmt.Fprintf(&cf, damSite, ports[3+i], st.VGW.Endpoint, rule, p)
		sites[i] = &site{Name: "dam answer " + p, Port: ports[3+i], Kind: "dam", Mode: "passthrough"}
	}
	testutil.StartCaddy(t, cf.String(), ports[0], []string{
		"ATTACK_EDGEAUTH_KEY=" + st.Key, "ATTACK_S3_ACCESS=" + st.VGW.Access, "ATTACK_S3_SECRET=" + st.VGW.Secret,
	}, ports[3:]...)
	c := newClient(st)
	defer c.closeAll()
	a := st.Assets["a"]
	for _, s := range sites {
		for _, target := range []string{"/hls/a/master.m3u8", "/hls/a/v0.m3u8", "/hls/a/v0_0.ts", "/hls/a/v1_2.ts"} {
			for _, r := range []request{{Target: target}, {Target: target, Method: "HEAD"}, {Target: target, Headers: []string{"Range: bytes=0-99"}}} {
				res := c.do(t, s, r)
				if res.Status != http.StatusForbidden {
					st.reg.fail(t, "%s: status %d: an ambiguous or redirected DAM answer let a stranger in (want 403)", st.reg.describe(s, r), res.Status)
				}
				st.reg.forbid(t, s, r, res, a.everything())
			}
		}
	}
	if n := followed.Load(); n > 0 {
		t.Errorf("the rule endpoint's redirect was followed %d times", n)
	}
}
