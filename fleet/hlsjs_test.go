package fleet

import (
	"encoding/json"
	"net/url"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// startPageServer serves the check player (demo/player) and hls.js (e2e/node_modules) over
// HTTPS (testutil.StartPageServer), as https://localhost:PORT: the site that embeds the player,
// another origin than the media. It is a plain file server, a stand-in for the customer's web
// server, which is not under test.
func startPageServer(t *testing.T) string {
	t.Helper()
	port := testutil.StartPageServer(t, filepath.Join(testutil.RepoRoot(t), "demo", "player"), "hls.js")
	return "https://localhost:" + strconv.Itoa(port) // same site as the media: the session cookie is Lax
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
	args := []string{"--timeout", "40000", "--min-time", strconv.FormatFloat(minTime, 'f', -1, 64), "--chromium", chromium}
	for _, src := range srcs {
		args = append(args, "--page", page+"/index.html?src="+url.QueryEscape(src))
	}
	return testutil.RunDriver[playerResult](t, testutil.Driver{Script: "player.mjs", Args: args,
		Timeout: time.Duration(len(srcs)) * 60 * time.Second, Results: len(srcs), Show: redact})
}

func TestHLSJSPlaysThroughTheFleetInEveryMode(t *testing.T) {
	chromium := testutil.Browser(t)
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
