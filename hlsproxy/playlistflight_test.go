package hlsproxy_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

// Directive-free playlist misses share one origin GET (issue 26): each
// view still gets its own access decision and its own rewrite.

const flightPlaylist = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n" +
	"#EXT-X-KEY:METHOD=AES-128,URI=\"k.bin\"\n#EXTINF:2,\nseg0.ts\n#EXTINF:2,\nseg1.ts\n#EXT-X-ENDLIST\n"

// slowPlaylistOrigin is an HTTP origin whose playlist GETs are counted and
// answered after delay, with the asset policy header X-Tokenize when set.
type slowPlaylistOrigin struct {
	*httptest.Server
	gets  atomic.Int64
	delay time.Duration
	// answer writes the playlist; nil writes flightPlaylist.
	answer func(w http.ResponseWriter)
}

func newSlowPlaylistOrigin(t *testing.T, delay time.Duration) *slowPlaylistOrigin {
	t.Helper()
	o := &slowPlaylistOrigin{delay: delay}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, ".m3u8") {
			http.NotFound(w, r)
			return
		}
		if r.URL.RawQuery != "" {
			t.Errorf("the origin saw the query %q: nothing of a viewer's query goes to the origin", r.URL.RawQuery)
		}
		o.gets.Add(1)
		time.Sleep(o.delay)
		switch {
		case o.answer != nil:
			o.answer(w)
		case strings.Contains(r.URL.Path, "/prot/"):
			w.Header().Set("X-Tokenize", "true")
			fmt.Fprint(w, flightPlaylist)
		case strings.Contains(r.URL.Path, "/pub/"):
			w.Header().Set("X-Tokenize", "false")
			fmt.Fprint(w, flightPlaylist)
		default:
			fmt.Fprint(w, flightPlaylist)
		}
	}))
	t.Cleanup(o.Close)
	return o
}

// flightSite serves o behind edgeauth (optional when the asset policy is
// on) with tokenize.
func flightSite(t *testing.T, o *slowPlaylistOrigin, policy bool) {
	t.Helper()
	t.Setenv("MG_TEST_EDGE_KEY", policyKeyHex)
	optional, extra := "", ""
	if policy {
		optional, extra = "optional", "asset_policy metadata X-Tokenize default protected"
	}
	cfg := siteHeader + fmt.Sprintf(`	edgeauth {
		key {env.MG_TEST_EDGE_KEY}
		%s
	}
	hls_proxy {
		origin %s/media
		strip_prefix /hls
		tokenize
		%s
	}
}
`, optional, o.URL, extra)
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(cfg, "caddyfile")
}

// viewerToken is a distinct token for viewer i (its own id, so its own HMAC).
func viewerToken(t *testing.T, i int) (tok, hmac string) {
	t.Helper()
	key, _ := edgetoken.ParseKey(policyKeyHex)
	tok, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: []string{"/hls/*", "/keys/*"}, Window: time.Hour, ID: fmt.Sprintf("viewer-%d", i)})
	if err != nil {
		t.Fatal(err)
	}
	_, hmac, _ = strings.Cut(tok, "hmac=")
	return tok, hmac
}

type view struct {
	status int
	body   string
}

// concurrentViews asks the paths at once, each on a fresh connection (no
// cookie jar), and returns what each got.
func concurrentViews(t *testing.T, paths []string) []view {
	t.Helper()
	out := make([]view, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		wg.Go(func() {
			c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := c.Get(base + p)
			if err != nil {
				t.Errorf("view %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			out[i] = view{resp.StatusCode, string(b)}
		})
	}
	wg.Wait()
	return out
}

// uriTokens returns the __token__ of every URI in a playlist ("" for a URI
// without one).
func uriTokens(t *testing.T, body string) []string {
	t.Helper()
	var toks []string
	for _, u := range uriLine.FindAllString(body, -1) {
		toks = append(toks, tokenOf(t, u))
	}
	for _, m := range keyAttr.FindAllStringSubmatch(body, -1) {
		toks = append(toks, tokenOf(t, m[1]))
	}
	return toks
}

func tokenOf(t *testing.T, uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("URI %q: %v", uri, err)
	}
	return u.Query().Get("__token__")
}

func TestConcurrentColdPlaylistViewsShareOneOriginGETEachWithItsOwnToken(t *testing.T) {
	o := newSlowPlaylistOrigin(t, 300*time.Millisecond)
	flightSite(t, o, false)
	const n = 16
	toks, hmacs, paths := make([]string, n), make([]string, n), make([]string, n)
	for i := range n {
		toks[i], hmacs[i] = viewerToken(t, i)
		paths[i] = "/hls/a/index.m3u8?__token__=" + url.QueryEscape(toks[i])
	}
	views := concurrentViews(t, paths)
	for i, v := range views {
		if v.status != 200 {
			t.Errorf("viewer %d: %d %s", i, v.status, v.body)
			continue
		}
		got := uriTokens(t, v.body)
		if len(got) != 3 {
			t.Errorf("viewer %d: %d URIs in\n%s", i, len(got), v.body)
		}
		for _, tok := range got {
			if tok != toks[i] {
				t.Errorf("viewer %d: a URI carries %q, want its own token", i, tok)
			}
		}
		for j, other := range hmacs {
			if j != i && strings.Contains(v.body, other) {
				t.Errorf("viewer %d received viewer %d's token", i, j)
			}
		}
	}
	if g := o.gets.Load(); g != 1 {
		t.Errorf("%d concurrent cold views cost %d origin GETs, want 1 (shared)", n, g)
	}
}

// With the asset policy, a stranger's view that shares the fetch of a
// protected playlist is refused with no playlist byte; an anonymous view
// of a public playlist whose fetch a token holder led carries no token.
func TestSharedPlaylistFetchDecidesAccessAndTokensForEachView(t *testing.T) {
	o := newSlowPlaylistOrigin(t, 300*time.Millisecond)
	flightSite(t, o, true)
	for _, asset := range []string{"prot", "pub"} {
		t.Run(asset, func(t *testing.T) {
			before := o.gets.Load()
			const n = 16
			paths := make([]string, n)
			toks, hmacs := make([]string, n), make([]string, n)
			for i := range n {
				paths[i] = "/hls/" + asset + "/index.m3u8" // even: strangers
				if i%2 == 1 {
					toks[i], hmacs[i] = viewerToken(t, i)
					paths[i] += "?__token__=" + url.QueryEscape(toks[i])
				}
			}
			for i, v := range concurrentViews(t, paths) {
				stranger := i%2 == 0
				switch {
				case stranger && asset == "prot":
					if v.status != 403 {
						t.Errorf("stranger %d on a protected playlist: %d, want 403", i, v.status)
					}
					if strings.Contains(v.body, "#EXT") || strings.Contains(v.body, "seg0") || strings.Contains(v.body, "k.bin") {
						t.Errorf("stranger %d got playlist bytes:\n%s", i, v.body)
					}
				case v.status != 200:
					t.Errorf("view %d of %s: %d %s", i, asset, v.status, v.body)
				default:
					for _, tok := range uriTokens(t, v.body) {
						if tok != toks[i] {
							t.Errorf("view %d of %s: a URI carries %q, want %q", i, asset, tok, toks[i])
						}
					}
				}
				for j, other := range hmacs {
					if j != i && other != "" && strings.Contains(v.body, other) {
						t.Errorf("view %d of %s received viewer %d's token", i, asset, j)
					}
				}
			}
			if g := o.gets.Load() - before; g != 1 {
				t.Errorf("%d concurrent cold views of %s cost %d origin GETs, want 1 (shared)", n, asset, g)
			}
		})
	}
}

// A failing shared fetch fails every waiter with the error a lone view
// would get, at once (no hang), and never with the origin's body.
func TestFailingSharedPlaylistFetchFailsEachWaiter(t *testing.T) {
	cases := []struct {
		name   string
		status int
		answer func(w http.ResponseWriter)
	}{
		{"missing", 404, func(w http.ResponseWriter) { http.Error(w, "origin-secret-body", http.StatusNotFound) }},
		{"failing", 502, func(w http.ResponseWriter) { http.Error(w, "origin-secret-body", http.StatusInternalServerError) }},
		{"not a playlist", 502, func(w http.ResponseWriter) { fmt.Fprint(w, "origin-secret-body") }},
		{"truncated", 502, func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "5000")
			fmt.Fprint(w, "#EXTM3U\n#EXT-X-TARGETDURATION:2\norigin-secret-body")
			panic(http.ErrAbortHandler)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := newSlowPlaylistOrigin(t, 300*time.Millisecond)
			o.answer = c.answer
			flightSite(t, o, false)
			paths := make([]string, 16)
			for i := range paths {
				tok, _ := viewerToken(t, i)
				paths[i] = "/hls/a/index.m3u8?__token__=" + url.QueryEscape(tok)
			}
			start := time.Now()
			for i, v := range concurrentViews(t, paths) {
				if v.status != c.status || strings.Contains(v.body, "origin-secret-body") || strings.Contains(v.body, "#EXT") {
					t.Errorf("waiter %d: %d %q, want %d without the origin's bytes", i, v.status, v.body, c.status)
				}
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("16 waiters of a failing fetch answered after %v, want about the origin's 300 ms", d)
			}
			if g := o.gets.Load(); g != 1 {
				t.Errorf("16 concurrent views of a failing playlist cost %d origin GETs, want 1 (shared)", g)
			}
		})
	}
}
