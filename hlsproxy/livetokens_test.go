package hlsproxy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// liveOrigin is an HTTP packager: a multivariant playlist and a live media
// playlist whose window moves one segment on at every reload.
func liveOrigin(t *testing.T) *httptest.Server {
	var first atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/media/live/master.m3u8":
			fmt.Fprint(w, "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nindex.m3u8\n")
		case r.URL.Path == "/media/live/index.m3u8":
			n := first.Add(1)
			fmt.Fprintf(w, "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:%d\n", n)
			for i := n; i < n+3; i++ {
				fmt.Fprintf(w, "#EXTINF:1.000,\nseg%d.ts\n", i)
			}
		case strings.HasPrefix(r.URL.Path, "/media/live/seg"):
			w.Write([]byte("live segment " + r.URL.Path))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A view starts with a short query token on the multivariant playlist,
// which mints a session cookie; the player then reloads the live playlist
// (through the tokenized URI it was given, the expiring token included)
// for longer than the query token lives. The cookie carries the view: no
// reload or segment is refused after the query token expired, while the
// expired token alone is refused.
func TestCookieSessionOutlivesTheQueryTokenAcrossLiveReloads(t *testing.T) {
	o := liveOrigin(t)
	t.Setenv("MG_TEST_EDGE_KEY", policyKeyHex)
	cfg := siteHeader + fmt.Sprintf(`	edgeauth {
		key {env.MG_TEST_EDGE_KEY}
		clock_skew 0s
		session_cookie {
			lifetime 10m
		}
	}
	hls_proxy {
		origin %s/media
		strip_prefix /hls
		tokenize
	}
}
`, o.URL)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(cfg, "caddyfile")

	key, _ := edgetoken.ParseKey(policyKeyHex)
	now := time.Now().Unix()
	expires := now + 2
	tok, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: []string{"/hls/live/*"}, Start: now, Expires: expires})
	if err != nil {
		t.Fatal(err)
	}
	resp, master := get(t, tc, "/hls/live/master.m3u8?__token__="+url.QueryEscape(tok))
	if resp.StatusCode != 200 || len(resp.Cookies()) != 1 {
		t.Fatalf("entry: %d, cookies %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	cookie := []string{"Cookie", resp.Cookies()[0].Name + "=" + resp.Cookies()[0].Value}
	variant := resolve(t, "/hls/live/master.m3u8", uriLine.FindString(string(master)))
	if !strings.Contains(variant, "__token__=") {
		t.Fatalf("tokenize: the variant URI %q carries no token", variant)
	}

	reloads, seen := 0, map[string]bool{}
	for time.Now().Unix() <= expires+1 { // until well past the query token's expiry
		resp, pl := get(t, tc, variant, cookie...)
		if resp.StatusCode != 200 {
			t.Fatalf("reload %d (%ds after the token's expiry): %d %s", reloads, time.Now().Unix()-expires, resp.StatusCode, pl)
		}
		reloads++
		for _, u := range uriLine.FindAllString(string(pl), -1) {
			if seen[u] {
				continue
			}
			seen[u] = true
			if resp, body := get(t, tc, resolve(t, "/hls/live/index.m3u8", u), cookie...); resp.StatusCode != 200 {
				t.Fatalf("segment %s: %d %s", u, resp.StatusCode, body)
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	if reloads < 8 {
		t.Errorf("only %d reloads", reloads)
	}
	// Without the cookie (a fresh client: the tester's has a cookie jar).
	resp, err = http.Get(base + variant)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("the expired query token alone: %d, want 403 and no cookie", resp.StatusCode)
	}
}
