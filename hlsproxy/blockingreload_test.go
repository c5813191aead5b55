package hlsproxy

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
)

// Issue 24, finding 6: a client's blocking reload (a far-future or hostile
// _HLS_msn) must never fail every viewer over to a replica that has no
// live channel. It is the client's 400 (or its own 504 when the origin
// held it past the hold), never an origin failure.

// laxLive is an HTTP packager that holds any _HLS_msn it does not have yet
// until the request goes away (it never answers 400 for one too far
// ahead), as the origin in the issue did; name marks its bytes.
type laxLive struct {
	srv       *httptest.Server
	playlists atomic.Int64 // playlist requests
	name      string
}

func startLaxLive(t *testing.T, name string) *laxLive {
	o := &laxLive{name: name}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/live/index.m3u8") {
			http.NotFound(w, r)
			return
		}
		o.playlists.Add(1)
		if v := r.URL.Query().Get("_HLS_msn"); v != "" {
			if msn, err := strconv.Atoi(v); err != nil || msn > 102 {
				<-r.Context().Done() // held until the segment exists: never
				return
			}
		}
		fmt.Fprint(w, "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:1\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n#EXT-X-MEDIA-SEQUENCE:100\n")
		for i := 100; i < 103; i++ {
			fmt.Fprintf(w, "#EXTINF:1.000,\n%s-seg%d.ts\n", o.name, i)
		}
	}))
	t.Cleanup(o.srv.Close)
	return o
}

// hostileDirectives are blocking-reload spellings no player sends: each is
// the client's 400 before any origin request (the playlist's last segment
// is 102 once a viewer loaded it).
var hostileDirectives = []string{
	"_HLS_msn=105", "_HLS_msn=100000", "_HLS_msn=9223372036854775807", "%5FHLS_msn=100000",
	"_HLS_msn=9223372036854775808", "_HLS_msn=99999999999999999999", "_HLS_msn=-1", "_HLS_msn=abc",
	"_HLS_msn=", "_HLS_msn", "_HLS_msn=+5", "_HLS_msn=1e9", "_HLS_msn=103&_HLS_msn=100000",
	"_HLS_msn=103&_HLS_msn=103", "_HLS_part=0", "_HLS_msn=103&_HLS_part=-1", "_HLS_msn=103&_HLS_part=x",
	"_HLS_skip=NO", "_HLS_skip=YES&_HLS_skip=v2",
}

func TestHostileBlockingReloadsNeverSwitchViewersToTheReplica(t *testing.T) {
	clock := useFakeClock(t)
	primary, replica := startLaxLive(t, "primary"), startLaxLive(t, "replica")
	h := provisionedLive(t, &Handler{
		Origins:     []OriginConfig{{URL: primary.srv.URL}, {URL: replica.srv.URL}},
		StripPrefix: "/hls", Timeout: caddy.Duration(200 * time.Millisecond),
	})
	viewer := func(when string) {
		t.Helper()
		a := do(t, h, "/hls/live/index.m3u8")
		if a.status != 200 || !strings.Contains(a.body, "primary-seg102.ts") || strings.Contains(a.body, "replica") {
			t.Errorf("%s: a viewer got %d:\n%s\nwant the primary's live playlist", when, a.status, a.body)
		}
	}
	viewer("before")
	before := primary.playlists.Load()
	for _, d := range hostileDirectives {
		for range 2 {
			if a := do(t, h, "/hls/live/index.m3u8?"+d+"&__token__=exp%3D1~hmac%3Dab"); a.status != http.StatusBadRequest {
				t.Errorf("%s: %d %s, want 400", d, a.status, a.body)
			}
		}
	}
	if n := primary.playlists.Load() - before; n != 0 {
		t.Errorf("hostile directives reached the origin %d times, want none (400 before any origin request)", n)
	}

	// Within what the proxy knows, the origin holds a segment that never
	// comes: the hold (3 target durations) runs out, and that is this
	// client's 504, not the primary's failure.
	if a := do(t, h, "/hls/live/index.m3u8?_HLS_msn=104"); a.status != http.StatusGatewayTimeout {
		t.Errorf("a blocking reload held past its hold: %d %s, want 504", a.status, a.body)
	}
	clock.Advance(time.Second) // the cached playlist has expired: the next reload asks an origin
	viewer("after")
	if n := replica.playlists.Load(); n != 0 {
		t.Errorf("the replica got %d playlist requests, want none", n)
	}
}

// An origin that answers a blocking reload 400 (RFC 8216bis: _HLS_msn too
// far ahead, checked by the origin when the proxy knew nothing yet) gives
// the client that 400, not a 502.
func TestTheOriginsRefusalOfDirectivesIsTheClients400(t *testing.T) {
	useFakeClock(t)
	ll, h := startLLHandler(t, "passthrough")
	a := do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", ll.LastMSN()+1000))
	if a.status != http.StatusBadRequest {
		t.Errorf("%d %s, want the origin's 400", a.status, a.body)
	}
	if n := len(ll.Queries()); n != 1 {
		t.Errorf("origin saw %d requests, want 1 (the proxy knew no edge yet)", n)
	}
	do(t, h, "/live/index.m3u8") // now the proxy knows the playlist: it refuses by itself
	if a := do(t, h, fmt.Sprintf("/live/index.m3u8?_HLS_msn=%d", ll.LastMSN()+3)); a.status != http.StatusBadRequest || len(ll.Queries()) != 2 {
		t.Errorf("%d after %d origin requests, want 400 after 2 (the plain load and the first refusal)", a.status, len(ll.Queries()))
	}
}
