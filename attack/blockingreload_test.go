package attack

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// The blocking reload as a DoS (issue 24, finding 6): one token holder's
// far-future _HLS_msn was held by the origin, timed out, counted as the
// primary's failure and switched every viewer's live playlist to a replica
// that has no live channel. The primary here is the LL-HLS stand-in
// (testutil.LLHLS, a Go server that follows RFC 8216bis §6.2.5) in its Lax
// mode: it holds any _HLS_msn, as that origin did, never 400.

// blockingReloadCaddyfile: one passthrough site, the stand-in as primary
// and a replica without the channel behind it.
const blockingReloadCaddyfile = ownGlobal + `
https://localhost:%[3]d {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
	}
	hls_proxy {
		origin %[4]s
		origin %[5]s
		strip_prefix /hls
		encryption passthrough
		timeout 1s
	}
}
`

// replicaMark is in every byte the replica answers: none may reach a viewer.
const replicaMark = "replica-without-the-live-channel"

// hostileMSN are blocking reloads no player sends, given the channel's
// last segment: each is the attacker's 400, before any origin request.
func hostileMSN(last int) []string {
	far := fmt.Sprint(last + 10)
	return []string{
		"_HLS_msn=" + far, "_HLS_msn=100000000", "%5FHLS_msn=" + far, "_HLS_msn=0" + far,
		"_HLS_msn=9223372036854775807", "_HLS_msn=9223372036854775808", "_HLS_msn=18446744073709551616",
		"_HLS_msn=-1", "_HLS_msn=abc", "_HLS_msn=", "_HLS_msn", "_HLS_msn=%2B" + far, "_HLS_msn=1e9",
		"_HLS_msn=" + fmt.Sprint(last) + "&_HLS_msn=" + far, "_HLS_msn=" + far + "&_HLS_msn=" + far,
		"_HLS_msn=" + far + "&_HLS_part=0", "_HLS_msn=" + fmt.Sprint(last+1) + "&_HLS_part=-1",
		"_HLS_part=0", "_HLS_skip=NO", "_HLS_skip=YES&_HLS_skip=v2", "_HLS_msn=" + far + "&_HLS_skip=YES",
	}
}

// rowBlockingReloadDoS: while one token holder sends hostile blocking
// reloads (every spelling, each three times, at once), other viewers keep
// getting the primary's live playlist, during and after; the hostile ones
// get 400; the replica gets no playlist request. Its own bin/caddy.
func rowBlockingReloadDoS(t *testing.T, st *stack) {
	ll := testutil.StartLLHLS(t, 8)
	ll.Lax, ll.Hold = true, time.Minute
	var replicaHits atomic.Int64
	replica := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		replicaHits.Add(1)
		fmt.Fprintf(w, "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n%s.ts\n#EXT-X-ENDLIST\n", replicaMark)
	}))
	t.Cleanup(replica.Close)
	ports := testutil.FreePorts(t, 3)
	cf := fmt.Sprintf(blockingReloadCaddyfile, ports[0], ports[1], ports[2], ll.URL, replica.URL)
	testutil.StartCaddy(t, cf, ports[0], []string{"ATTACK_EDGEAUTH_KEY=" + st.Key}, ports[2])
	s := &site{Name: "ll+replica", Port: ports[2], Kind: "blockingreload", Mode: "passthrough"}
	viewerTok := st.tokenOpts(t, "live viewer token", edgetoken.Options{ACLs: []string{"/hls/live/*"}, Window: 6 * time.Minute})
	attackerTok := st.token(t, "live attacker token", "/hls/live/*")

	publishParts(t, ll)
	viewer := newClient(st)
	defer viewer.closeAll()
	watch := func(when string) {
		r := request{Target: q("/hls/live/index.m3u8", viewerTok)}
		res := viewer.do(t, s, r)
		if res.Status != 200 || !bytes.Contains(res.Body, []byte(fmt.Sprintf("seg%d.ts", ll.LastMSN()-1))) {
			st.reg.fail(t, "%s (%s): status %d: a viewer did not get the primary's live playlist:\n%.300s", st.reg.describe(s, r), when, res.Status, res.Body)
		}
		st.reg.forbid(t, s, r, res, []probe{{"the replica's playlist", []byte(replicaMark)}})
	}
	watch("before")

	done := sendHostileReloads(t, st, s, attackerTok, ll.LastMSN())
	for during := true; during; {
		select {
		case <-done:
			during = false
		case <-time.After(200 * time.Millisecond):
			watch("during the attack")
		}
	}
	// Afterwards: past the cached copy (half a target duration), through
	// an honest blocking reload and plain reloads.
	next := ll.LastMSN() + 1
	r := request{Target: q(fmt.Sprintf("/hls/live/index.m3u8?_HLS_msn=%d", next), viewerTok)}
	if res := viewer.do(t, s, r); res.Status != 200 || !bytes.Contains(res.Body, []byte(fmt.Sprintf("seg%d.ts", next))) {
		st.reg.fail(t, "%s (after): status %d: an honest blocking reload did not get the primary's new segment:\n%.300s", st.reg.describe(s, r), res.Status, res.Body)
	}
	for i := 0; i < 4; i++ {
		time.Sleep(400 * time.Millisecond)
		watch("after the attack")
	}
	if n := replicaHits.Load(); n != 0 {
		st.reg.fail(t, "site %s: the replica got %d requests (the hostile reloads failed the primary over)", s.Name, n)
	}
	for _, qs := range ll.Queries() {
		if strings.Contains(qs, "100000000") || strings.Contains(qs, "abc") || strings.Contains(qs, "-1") {
			st.reg.fail(t, "site %s: the origin was asked %q (a hostile directive passed the proxy)", s.Name, qs)
		}
	}
}

// publishParts runs the packager: a part every 250 ms, until the test ends.
func publishParts(t *testing.T, ll *testutil.LLHLS) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
				ll.Publish()
			}
		}
	}()
	t.Cleanup(func() { close(stop); wg.Wait() })
}

// sendHostileReloads sends every hostile spelling three times at once, each
// on its own connection, and checks each answer: 400, no replica bytes. The
// channel closes when all are answered.
func sendHostileReloads(t *testing.T, st *stack, s *site, tok string, last int) <-chan struct{} {
	var attackers sync.WaitGroup
	for _, d := range hostileMSN(last) {
		for range 3 {
			attackers.Add(1)
			go func() {
				defer attackers.Done()
				c := newClient(st)
				defer c.closeAll()
				r := request{Target: q("/hls/live/index.m3u8?"+d, tok)}
				res := c.do(t, s, r)
				if res.Status != http.StatusBadRequest {
					st.reg.fail(t, "%s: status %d, want 400 (a hostile blocking reload)", st.reg.describe(s, r), res.Status)
				}
				st.reg.forbid(t, s, r, res, []probe{{"the replica's playlist", []byte(replicaMark)}})
			}()
		}
	}
	done := make(chan struct{})
	go func() { attackers.Wait(); close(done) }()
	return done
}
