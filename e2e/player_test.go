package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os/exec"
	"path/filepath"
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
	chromium := requireChromium(t)
	args := []string{filepath.Join(testutil.RepoRoot(t), "e2e", "player.mjs"),
		"--timeout", "40000", "--min-time", "1", "--chromium", chromium}
	for _, src := range srcs {
		args = append(args, "--page", st.PageBase+"/index.html?src="+url.QueryEscape(src))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(len(srcs))*60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("player.mjs: %v\nstderr: %s\nstdout: %s", err, stderr.String(), redact(stdout.String()))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(srcs) {
		t.Fatalf("player.mjs printed %d results for %d pages:\n%s", len(lines), len(srcs), redact(stdout.String()))
	}
	results := make([]playerResult, len(lines))
	for i, line := range lines {
		if err := json.Unmarshal([]byte(line), &results[i]); err != nil {
			t.Fatalf("player.mjs printed %q: %v", redact(line), err)
		}
	}
	return results
}

func requireBrowser(t *testing.T) {
	t.Helper()
	requireChromium(t)
	requireNodeModules(t)
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
