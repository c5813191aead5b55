package hlsproxy_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// ruleAPI is a small real HTTP server standing in for the DAM's rule API
// (the DAM's interface, not a mock of ours): GET /rule?asset=<asset>
// answers the configured body, and every call is counted per asset.
type ruleAPI struct {
	srv     *httptest.Server
	mu      sync.Mutex
	answers map[string]string
	calls   map[string]int
}

func startRuleAPI(t *testing.T, answers map[string]string) *ruleAPI {
	a := &ruleAPI{answers: answers, calls: map[string]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asset := r.URL.Query().Get("asset")
		a.mu.Lock()
		a.calls[asset]++
		body, ok := a.answers[asset]
		a.mu.Unlock()
		switch {
		case !ok:
			http.NotFound(w, r)
		case body == "slow":
			time.Sleep(time.Second)
			io.WriteString(w, "false")
		default:
			io.WriteString(w, body)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *ruleAPI) callsFor(asset string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[asset]
}

// closedPort is a loopback port nothing listens on: a DAM that is down.
func closedPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// metricValue reads one series from the admin /metrics endpoint (0 if absent).
func metricValue(t *testing.T, name string, labels ...string) float64 {
	resp, err := http.Get("http://localhost:2993/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		all := true
		for _, l := range labels {
			all = all && strings.Contains(line, l)
		}
		if all {
			v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			return v
		}
	}
	return 0
}

// ruleSite is a site with two routes in front of the bucket: /hls asks the DAM stand-in,
// /down a DAM that is down; edgeauth is optional, so the policy decides for bare requests.
func ruleSite(g *testutil.VGW, damURL, downURL string) string {
	origin := fmt.Sprintf(`origin s3://dam {
				endpoint %s
				region us-east-1
				access_key %s
				secret_key %s
			}`, g.Endpoint, g.Access, g.Secret)
	route := func(prefix, ruleURL string) string {
		return fmt.Sprintf(`	route %[1]s/* {
		edgeauth {
			key {env.MG_TEST_EDGE_KEY}
			optional
		}
		hls_proxy {
			%[2]s
			strip_prefix %[1]s
			tokenize
			asset_policy http %[3]s {
				cache 5m
				timeout 300ms
			}
		}
	}
`, prefix, origin, ruleURL)
	}
	return siteHeader + route("/hls", damURL) + route("/down", downURL) + "}\n"
}

func TestAssetPolicyHTTPAsksTheDAMCachesAndFailsClosed(t *testing.T) {
	g := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{"dam"}})
	playlist := []byte("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n720p/seg0.ts\n#EXT-X-ENDLIST\n")
	segment := []byte(strings.Repeat("segment ", 500))
	for _, asset := range []string{"pub", "prot", "garbled", "slow"} {
		putObject(t, g, asset+"/index.m3u8", playlist, nil)
		putObject(t, g, asset+"/720p/seg0.ts", segment, nil)
	}
	dam := startRuleAPI(t, map[string]string{
		"pub": "false", "prot": `{"tokenize": true}`, "garbled": "<html>oops</html>", "slow": "slow",
	})

	t.Setenv("MG_TEST_EDGE_KEY", policyKeyHex)
	cfg := ruleSite(g, dam.srv.URL+"/rule?asset={asset}", fmt.Sprintf("http://127.0.0.1:%d/rule?asset={asset}", closedPort(t)))
	tc := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{AdminPort: 2993})
	tc.InitServer(cfg, "caddyfile")

	key, _ := edgetoken.ParseKey(policyKeyHex)
	tok, err := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: []string{"/hls/prot/*"}, Window: time.Hour})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("public asset: playlist and segment without a token, one DAM call", func(t *testing.T) {
		hitsBefore := metricValue(t, "mediagate_hls_proxy_asset_rule_lookups_total", `result="cache_hit"`, `protected="false"`)
		for _, p := range []string{"/hls/pub/index.m3u8", "/hls/pub/720p/seg0.ts", "/hls/pub/index.m3u8", "/hls/pub/720p/seg0.ts"} {
			if resp, _ := get(t, tc, p); resp.StatusCode != 200 {
				t.Fatalf("%s: %d, want 200", p, resp.StatusCode)
			}
		}
		_, body := get(t, tc, "/hls/pub/index.m3u8")
		if strings.Contains(string(body), "__token__") {
			t.Errorf("public playlist carries a token:\n%s", body)
		}
		if n := dam.callsFor("pub"); n != 1 {
			t.Errorf("%d DAM calls for 5 requests of one asset, want 1 (cached)", n)
		}
		hits := metricValue(t, "mediagate_hls_proxy_asset_rule_lookups_total", `result="cache_hit"`, `protected="false"`) - hitsBefore
		if hits != 4 {
			t.Errorf("metric counts %v cache hits, want 4", hits)
		}
	})

	t.Run("protected asset: 403 without a token, served with one", func(t *testing.T) {
		for _, p := range []string{"/hls/prot/index.m3u8", "/hls/prot/720p/seg0.ts"} {
			if resp, _ := get(t, tc, p); resp.StatusCode != 403 {
				t.Fatalf("%s without token: %d, want 403", p, resp.StatusCode)
			}
		}
		resp, body := get(t, tc, "/hls/prot/index.m3u8?__token__="+tok)
		if resp.StatusCode != 200 || !regexp.MustCompile(`720p/seg0\.ts\?__token__=`).Match(body) {
			t.Fatalf("with token: %d\n%s", resp.StatusCode, body)
		}
		if n := dam.callsFor("prot"); n != 1 {
			t.Errorf("%d DAM calls, want 1: a token-bearing request needs no rule and the answer is cached", n)
		}
	})

	t.Run("malformed answer and timeout fail closed with a metric", func(t *testing.T) {
		before := metricValue(t, "mediagate_hls_proxy_asset_rule_failures_total", `reason="malformed"`)
		beforeTimeout := metricValue(t, "mediagate_hls_proxy_asset_rule_failures_total", `reason="timeout"`)
		for _, p := range []string{"/hls/garbled/index.m3u8", "/hls/slow/index.m3u8"} {
			if resp, _ := get(t, tc, p); resp.StatusCode != 403 {
				t.Fatalf("%s: %d, want 403 (protected)", p, resp.StatusCode)
			}
		}
		if d := metricValue(t, "mediagate_hls_proxy_asset_rule_failures_total", `reason="malformed"`) - before; d != 1 {
			t.Errorf("malformed failures +%v, want +1", d)
		}
		if d := metricValue(t, "mediagate_hls_proxy_asset_rule_failures_total", `reason="timeout"`) - beforeTimeout; d != 1 {
			t.Errorf("timeout failures +%v, want +1", d)
		}
	})

	t.Run("DAM down: every asset protected, and served with a token", func(t *testing.T) {
		if resp, _ := get(t, tc, "/down/pub/index.m3u8"); resp.StatusCode != 403 {
			t.Fatalf("DAM down, no token: %d, want 403", resp.StatusCode)
		}
		downTok, _ := edgetoken.Generate(edgetoken.Options{Key: key, ACLs: []string{"/down/pub/*"}, Window: time.Hour})
		if resp, _ := get(t, tc, "/down/pub/index.m3u8?__token__="+downTok); resp.StatusCode != 200 {
			t.Fatalf("DAM down, with token: %d, want 200", resp.StatusCode)
		}
		if metricValue(t, "mediagate_hls_proxy_asset_rule_failures_total", `reason="unreachable"`) < 1 {
			t.Error("no unreachable failure counted")
		}
	})
}
