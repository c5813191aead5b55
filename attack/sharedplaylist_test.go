package attack

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// Concurrent misses of one playlist share one origin GET (issue 26). The
// lock: sharing the origin's read shares no access decision and no
// rewrite. A stranger whose request rides a token holder's read of a
// protected playlist gets no playlist byte; an anonymous view of a public
// playlist a holder's read brought carries no token; each holder's
// playlist carries its own token and never another holder's.

// sharedPlaylistCaddyfile is one site where strangers reach hls_proxy
// (optional edgeauth, the asset policy decides) and playlists are tokenized.
const sharedPlaylistCaddyfile = ownGlobal + s3OriginSnippet + `
https://localhost:%[3]d {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
		optional
	}
	hls_proxy {
		import origin
		strip_prefix /hls
		key_path /keys
		tokenize
		asset_policy metadata x-amz-meta-tokenize default protected
	}
}
`

// flightMark is in every URI of the playlists the row writes.
const flightMark = "flightmark"

// flightPlaylist is a VOD playlist of n segments (large enough that the
// origin read and the rewrites of concurrent views overlap).
func flightPlaylist(n int) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n")
	for i := range n {
		fmt.Fprintf(&b, "#EXTINF:2.0,\n%s-seg%d.ts\n", flightMark, i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

type flightView struct {
	who    string
	holder int // index into the holders' tokens, -1 for a stranger
	r      request
	res    *testutil.RawResponse
}

// rowSharedPlaylistReads: bursts of concurrent cold views of one playlist,
// strangers (every spelling) and token holders mixed, on a protected and a
// public asset, a fresh object each burst.
func rowSharedPlaylistReads(t *testing.T, st *stack) {
	ports := testutil.FreePorts(t, 4)
	cf := fmt.Sprintf(sharedPlaylistCaddyfile, ports[0], ports[1], ports[2], ports[3], st.VGW.Endpoint)
	testutil.StartCaddy(t, cf, ports[0], []string{
		"ATTACK_EDGEAUTH_KEY=" + st.Key, "ATTACK_S3_ACCESS=" + st.VGW.Access, "ATTACK_S3_SECRET=" + st.VGW.Secret,
	}, ports[2])
	s := &site{Name: "optional+asset_policy+tokenize", Port: ports[2], Kind: "shared-playlist", Mode: "passthrough"}
	acls := []string{"/hls/flight/*", "/keys/flight/*"}
	holders := make([]string, 8)
	for i := range holders {
		holders[i] = st.tokenOpts(t, fmt.Sprintf("flight holder %d", i), edgetoken.Options{ACLs: acls, Window: 5 * time.Minute, ID: fmt.Sprintf("holder%d", i)})
	}
	other := st.token(t, "another asset's token", "/hls/other/*")
	const segments = 4000
	body := flightPlaylist(segments)
	before := originPlaylistGETs(t, ports[0])
	for round := range 3 {
		for _, protected := range []bool{true, false} {
			name := fmt.Sprintf("flight/r%d-%v/index.m3u8", round, protected)
			st.VGW.PutObject(t, "media", name, body, "application/vnd.apple.mpegurl",
				map[string]string{"tokenize": fmt.Sprint(protected)})
			target := "/hls/" + name
			views := burst(t, st, s, sharedPlaylistViews(target, holders, other))
			for _, v := range views {
				judgeSharedView(t, st, s, v, holders, segments, protected)
			}
		}
	}
	// How much the bursts shared (the count itself is hlsproxy's test).
	t.Logf("6 bursts of %d concurrent cold views cost %v origin GETs", len(holders)+6, originPlaylistGETs(t, ports[0])-before)
}

// originPlaylistGETs reads mediagate_hls_proxy_origin_requests_total{kind="object"}
// from the row's own Caddy admin endpoint.
func originPlaylistGETs(t *testing.T, admin int) float64 {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", admin))
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v float64
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, `mediagate_hls_proxy_origin_requests_total{kind="object"} `); ok {
			fmt.Sscan(rest, &v)
		}
	}
	return v
}

// sharedPlaylistViews are a burst's requests: strangers first (so one of
// them often leads the shared read), then the holders.
func sharedPlaylistViews(target string, holders []string, other string) []flightView {
	encoded := strings.Replace(target, "/index.m3u8", "/%69ndex.m3u8", 1)
	vs := []flightView{
		{who: "no token", r: request{Target: target}},
		{who: "no token, HEAD", r: request{Method: "HEAD", Target: target}},
		{who: "no token, encoded name", r: request{Target: encoded}},
		{who: "another asset's token", r: request{Target: q(target, other)}},
		{who: "garbage token", r: request{Target: q(target, "st=1~exp=9999999999~acl=/*~hmac=00")}},
		{who: "no token, conditional", r: request{Target: target, Headers: []string{"If-None-Match: *"}}},
	}
	for i := range vs {
		vs[i].holder = -1
	}
	for i, tok := range holders {
		vs = append(vs, flightView{who: fmt.Sprintf("holder %d", i), holder: i, r: request{Target: q(target, tok)}})
	}
	return vs
}

// burst sends every view at once, each on its own warmed connection.
func burst(t *testing.T, st *stack, s *site, views []flightView) []flightView {
	t.Helper()
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for i := range views {
		ready.Add(1)
		done.Go(func() {
			c := newClient(st)
			defer c.closeAll()
			c.do(t, s, request{Target: "/keys/flight/warm.key"}) // the TLS handshake, before the burst
			ready.Done()
			<-start
			views[i].res = c.do(t, s, views[i].r)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
	return views
}

// judgeSharedView: a stranger of a protected playlist is refused with no
// playlist byte; no view carries another holder's token (its HMAC, in
// whatever escaping); every URI of a holder's playlist carries its own.
func judgeSharedView(t *testing.T, st *stack, s *site, v flightView, holders []string, segments int, protected bool) {
	t.Helper()
	if v.res == nil {
		return // the request failed and said so
	}
	var probes []probe
	for i, tok := range holders {
		if i != v.holder {
			probes = append(probes, probe{fmt.Sprintf("holder %d's token", i), hmacOf(tok)})
		}
	}
	switch {
	case v.holder < 0 && protected:
		if v.res.Status < 400 {
			st.reg.fail(t, "%s (%s): status %d: a stranger sharing a holder's read of a protected playlist was served", st.reg.describe(s, v.r), v.who, v.res.Status)
		}
		probes = append(probes, probe{"the protected playlist", []byte(flightMark)})
	case v.holder >= 0:
		if n := bytes.Count(v.res.Body, hmacOf(holders[v.holder])); v.res.Status != 200 || n != segments {
			st.reg.fail(t, "%s (%s): status %d, its own token in %d URIs: want the playlist with it in all %d", st.reg.describe(s, v.r), v.who, v.res.Status, n, segments)
		}
	}
	st.reg.forbid(t, s, v.r, v.res, probes)
}

// hmacOf is a token's HMAC: hex, the same in every escaping of the token.
func hmacOf(tok string) []byte {
	_, h, _ := strings.Cut(tok, "hmac=")
	return []byte(h)
}
