package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// playerResult is the JSON line e2e/player.mjs prints.
type playerResult struct {
	OK          bool    `json:"ok"`
	State       string  `json:"state"`
	CurrentTime float64 `json:"currentTime"`
	HLSVersion  string  `json:"hlsVersion"`
	TimedOut    bool    `json:"timedOut"`
	Played      float64 `json:"played"`     // with --play-seconds: media seconds played
	MaxStallMs  float64 `json:"maxStallMs"` // with --play-seconds: longest stall once playing
	Error       *struct {
		Type    string `json:"type"`
		Details string `json:"details"`
		Status  *int   `json:"status"`
		URL     string `json:"url"`
		Reason  string `json:"reason"`
		Body    string `json:"body"`
	} `json:"error"`
	Events         []string `json:"events"`
	Console        []string `json:"console"`
	FailedRequests []string `json:"failedRequests"`
}

func (r playerResult) String() string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return redact(string(b))
}

// playAll opens the player page (its own origin) on each src in turn, in one chromium with a
// fresh context (no shared cookies) per src, and returns the driver's verdicts in order.
func playAll(t *testing.T, st *stack, srcs []string) []playerResult {
	t.Helper()
	args := []string{"--timeout", "40000", "--min-time", "1", "--chromium", testutil.Chromium(t)}
	for _, src := range srcs {
		args = append(args, "--page", st.PageBase+"/index.html?src="+url.QueryEscape(src))
	}
	return testutil.RunDriver[playerResult](t, testutil.Driver{Script: "player.mjs", Args: args,
		Timeout: time.Duration(len(srcs)) * 60 * time.Second, Results: len(srcs), Show: redact})
}

// requireBrowser checks chromium and `npm ci` in e2e/ (e2eModules).
func requireBrowser(t *testing.T) {
	t.Helper()
	testutil.Browser(t, e2eModules...)
}

func TestHLSJSPlaysInChromiumInEveryEncryptionMode(t *testing.T) {
	requireBrowser(t)
	st := startStack(t)
	cases := []struct {
		name, site, stream string
		tokenOnEntryOnly   bool
	}{
		{"passthrough of AES-128 at rest, keys through key_path", sitePassthrough, "aes", false},
		{"passthrough of fMP4", sitePassthrough, "fmp4", false},
		{"decrypt", siteDecrypt, "aes", false},
		{"encrypt", siteEncrypt, "clear", false},
		{"reencrypt", siteReencrypt, "aes", false},
		{"hybrid cookie: token on the master playlist only, credentials across origins", siteCookie, "clear", true},
	}
	var srcs []string
	for _, tc := range cases {
		acls := []string{"/hls/" + tc.stream + "/*", "/keys/" + tc.stream + "/*"}
		if tc.tokenOnEntryOnly {
			acls = acls[:1]
		}
		tok := mintToken(t, st.Key, 5*time.Minute, acls...)
		srcs = append(srcs, withToken(st.Media[tc.site]+"/hls/"+tc.stream+"/master.m3u8", tok))
	}
	results := playAll(t, st, srcs)
	for i, tc := range cases {
		res := results[i]
		t.Run(tc.name, func(t *testing.T) {
			if !res.OK {
				t.Fatalf("hls.js did not play past 1 s:\n%s", res)
			}
			if res.HLSVersion != "1.7.4" {
				t.Errorf("hls.js %q played, want the pinned 1.7.4", res.HLSVersion)
			}
		})
	}
}

func TestHLSJSRefusesBadTokensAndThePageShowsTheReason(t *testing.T) {
	requireBrowser(t)
	st := startStack(t)
	master := st.Media[sitePassthrough] + "/hls/clear/master.m3u8"
	good := mintToken(t, st.Key, 5*time.Minute, "/hls/clear/*")
	cases := []struct {
		name, src, reason string
	}{
		{"expired token", withToken(master, mintExpiredToken(t, st.Key, "/hls/clear/*")), "expired"},
		{"tampered token", withToken(master, tamper(good)), "bad_hmac"},
		{"token for another asset", withToken(master, mintToken(t, st.Key, 5*time.Minute, "/hls/fmp4/*")), "acl_mismatch"},
	}
	var srcs []string
	for _, tc := range cases {
		srcs = append(srcs, tc.src)
	}
	results := playAll(t, st, srcs)
	for i, tc := range cases {
		res := results[i]
		t.Run(tc.name, func(t *testing.T) {
			if res.OK || res.CurrentTime > 0 {
				t.Fatalf("played %.2f s with a bad token:\n%s", res.CurrentTime, res)
			}
			if res.Error == nil || res.Error.Status == nil || *res.Error.Status != 403 {
				t.Fatalf("want a 403 error reported by the page:\n%s", res)
			}
			if res.Error.Reason != tc.reason {
				t.Errorf("page shows reason %q, want %q:\n%s", res.Error.Reason, tc.reason, res)
			}
			if !strings.Contains(res.Error.URL, "/hls/clear/master.m3u8") {
				t.Errorf("page names the failing URL %q, want the master playlist", redact(res.Error.URL))
			}
		})
	}
}
