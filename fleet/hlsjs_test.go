package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// startPageServer serves the check player (demo/player) and hls.js
// (e2e/node_modules) over HTTPS on localhost: the site that embeds the
// player, another origin than the media. It is a plain file server, a
// stand-in for the customer's web server, which is not under test.
func startPageServer(t *testing.T) string {
	t.Helper()
	root := testutil.RepoRoot(t)
	mux := http.NewServeMux()
	mux.Handle("/node_modules/", http.FileServer(http.Dir(filepath.Join(root, "e2e"))))
	mux.Handle("/", http.FileServer(http.Dir(filepath.Join(root, "demo", "player"))))
	srv := httptest.NewTLSServer(mux)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return "https://localhost:" + u.Port() // same site as the media: the session cookie is Lax
}

// requireBrowser checks chromium and `npm ci` in e2e/ (puppeteer-core, hls.js).
func requireBrowser(t *testing.T) string {
	t.Helper()
	requireTool(t, "node")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		testutil.Unavailable(t, "chromium not found at %s (apt-get install chromium, or set CHROMIUM)", chromium)
	}
	for _, f := range []string{"e2e/node_modules/puppeteer-core/package.json", "e2e/node_modules/hls.js/dist/hls.min.js"} {
		if _, err := os.Stat(filepath.Join(testutil.RepoRoot(t), f)); err != nil {
			testutil.Unavailable(t, "%s missing: run `npm ci` in e2e/", f)
		}
	}
	return chromium
}

// playerResult is the part of e2e/player.mjs's JSON line the fleet checks.
type playerResult struct {
	OK          bool            `json:"ok"`
	State       string          `json:"state"`
	CurrentTime float64         `json:"currentTime"`
	Error       json.RawMessage `json:"error"`
	Failed      []string        `json:"failedRequests"`
}

// playHLSJS plays each src with hls.js in chromium through e2e/player.mjs
// (one fresh browser context each) until minTime seconds have played.
func playHLSJS(t *testing.T, chromium, page string, minTime float64, srcs []string) []playerResult {
	t.Helper()
	args := []string{filepath.Join(testutil.RepoRoot(t), "e2e", "player.mjs"),
		"--timeout", "40000", "--min-time", strconv.FormatFloat(minTime, 'f', -1, 64), "--chromium", chromium}
	for _, src := range srcs {
		args = append(args, "--page", page+"/index.html?src="+url.QueryEscape(src))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(len(srcs))*60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("player.mjs: %v\nstderr: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(srcs) {
		t.Fatalf("player.mjs printed %d results for %d pages", len(lines), len(srcs))
	}
	out := make([]playerResult, len(lines))
	for i, line := range lines {
		if err := json.Unmarshal([]byte(line), &out[i]); err != nil {
			t.Fatalf("player.mjs printed %q: %v", redact(line), err)
		}
	}
	return out
}

func TestHLSJSPlaysThroughTheFleetInEveryMode(t *testing.T) {
	chromium := requireBrowser(t)
	f := startFleet(t, 3, secrets{Edge: []string{"old"}, HLS: []string{"old"}})
	before, err := f.lb.stats()
	if err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for _, tc := range viewCases {
		srcs = append(srcs, f.front[tc.mode]+"/hls/"+tc.stream+"/master.m3u8?__token__="+f.token("old", tc.stream))
	}
	// The sample streams last 6 s: playing past 5 s is nearly the whole view.
	results := playHLSJS(t, chromium, f.page, 5, srcs)
	after, err := f.lb.stats()
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range viewCases {
		res := results[i]
		var served []string
		for _, in := range f.instances {
			n := after["be_"+tc.mode][in.name].Sessions - before["be_"+tc.mode][in.name].Sessions
			if n > 0 {
				served = append(served, in.name)
			}
		}
		t.Logf("%s/%s: hls.js at %.1f s (%s), served by %v", tc.mode, tc.stream, res.CurrentTime, res.State, served)
		if !res.OK {
			t.Errorf("%s/%s: hls.js did not play past 5 s: state %s, error %s, failed %v", tc.mode, tc.stream, res.State, redact(string(res.Error)), res.Failed)
		}
		if len(served) != len(f.instances) {
			t.Errorf("%s/%s: hls.js was served by %v only", tc.mode, tc.stream, served)
		}
	}
	f.logRequests("hls.js")
}
